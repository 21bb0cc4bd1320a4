//! Who is signed in (the header's user menu), and the administrators' pages: `/users` to add
//! users, reset passwords, disable accounts and limit clinics; `/audit` to read the audit trail.

use crate::domain::datetext::when;
use crate::api::{add_user, change_user, list_users, load_audit, load_me};
use crate::view::access::{AuditPage, AuditQuery, Caller, NewStaffUser, StaffUser, UserChange};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The signed-in user's name, the administrators' links, and sign-out.
#[component]
pub fn UserMenu() -> impl IntoView {
    let me = Resource::new(|| (), |_| load_me());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.ok().map(|c: Caller| view! {
                    <div class="user-menu">
                        {c.is_admin.then(|| view! {
                            <nav aria-label="Administration">
                                <A href="/users">"Users"</A>
                                <A href="/audit">"Audit trail"</A>
                                <A href="/messages">"ASAP messages"</A>
                            </nav>
                        })}
                        <span class="who">{c.name().to_string()}</span>
                        <form method="post" action="/signout">
                            <button type="submit" class="link">"Sign out"</button>
                        </form>
                    </div>
                })
            })}
        </Suspense>
    }
}

fn clinics_text(clinics: &Option<Vec<i64>>) -> String {
    match clinics {
        None => "All clinics".into(),
        Some(list) if list.is_empty() => "No clinics".into(),
        Some(list) => format!("Clinics {}", list.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let reload = RwSignal::new(0u64);
    let users = Resource::new(move || reload.get(), |_| list_users());
    let message: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    view! {
        <section class="page users">
            <h1>"Users"</h1>
            {move || message.get().map(|m| match m {
                Ok(t) => view! { <p class="notice ok" role="status">{t}</p> }.into_any(),
                Err(t) => view! { <p class="notice error" role="alert">{t}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UserTable list reload message/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="notice error">{e.message().to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <AddUser reload message/>
        </section>
    }
}

#[component]
fn UserTable(list: Vec<StaffUser>, reload: RwSignal<u64>, message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let change = Action::new(|(n, c): &(i64, UserChange)| change_user(*n, c.clone()));
    Effect::new(move |_| {
        if let Some(r) = change.value().get() {
            message.set(Some(match r {
                Ok(u) => Ok(format!("Saved {}.", u.username)),
                Err(e) => Err(e.message().to_string()),
            }));
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Users">
            <table class="outcomes users-table">
                <thead>
                    <tr>
                        <th scope="col">"User"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Clinics"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Change"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|u| {
                        let n = u.user_num;
                        let password = RwSignal::new(String::new());
                        let clinics = RwSignal::new(u.clinics.as_ref().map(|c| c.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")).unwrap_or_default());
                        let label = u.username.clone();
                        view! {
                            <tr data-username=u.username.clone()>
                                <th scope="row">{u.username.clone()}<br/><span class="sub">{u.display_name.clone()}</span></th>
                                <td>{if u.is_admin { "Administrator" } else { "Staff" }}</td>
                                <td>{clinics_text(&u.clinics)}</td>
                                <td>{if u.is_disabled { "Disabled" } else { "Active" }}</td>
                                <td class="user-actions">
                                    <div class="inline">
                                        <label for=format!("pw-{n}")>"New password"</label>
                                        <input id=format!("pw-{n}") type="password" autocomplete="new-password"
                                            prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                                        <button type="button" class="secondary" on:click=move |_| {
                                            change.dispatch((n, UserChange::ResetPassword(password.get_untracked())));
                                            password.set(String::new());
                                        }>"Reset password"</button>
                                    </div>
                                    <div class="inline">
                                        <label for=format!("cl-{n}")>"Clinics"</label>
                                        <input id=format!("cl-{n}") type="text" placeholder="all" size="8"
                                            prop:value=move || clinics.get() on:input=move |ev| clinics.set(event_target_value(&ev))/>
                                        <button type="button" class="secondary" on:click=move |_| {
                                            change.dispatch((n, UserChange::SetClinics(clinics.get_untracked())));
                                        }>"Set clinics"</button>
                                    </div>
                                    <div class="inline">
                                        <button type="button" class="secondary" on:click=move |_| {
                                            change.dispatch((n, if u.is_disabled { UserChange::Enable } else { UserChange::Disable }));
                                        }>{if u.is_disabled { format!("Enable {label}") } else { format!("Disable {label}") }}</button>
                                        <button type="button" class="secondary" on:click=move |_| {
                                            change.dispatch((n, UserChange::SetAdmin(!u.is_admin)));
                                        }>{if u.is_admin { "Make staff" } else { "Make administrator" }}</button>
                                    </div>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AddUser(reload: RwSignal<u64>, message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let form = RwSignal::new(NewStaffUser::default());
    let add = Action::new(|u: &NewStaffUser| add_user(u.clone()));
    Effect::new(move |_| {
        if let Some(r) = add.value().get() {
            match r {
                Ok(u) => {
                    message.set(Some(Ok(format!("Added {}.", u.username))));
                    form.set(NewStaffUser::default());
                }
                Err(e) => message.set(Some(Err(e.message().to_string()))),
            }
            reload.update(|n| *n += 1);
        }
    });
    let field = move |get: fn(&NewStaffUser) -> String, set: fn(&mut NewStaffUser, String)| {
        (move || get(&form.get()), move |ev: leptos::ev::Event| form.update(|f| set(f, event_target_value(&ev))))
    };
    let (username, on_username) = field(|f| f.username.clone(), |f, v| f.username = v);
    let (display, on_display) = field(|f| f.display_name.clone(), |f, v| f.display_name = v);
    let (password, on_password) = field(|f| f.password.clone(), |f, v| f.password = v);
    let (clinics, on_clinics) = field(|f| f.clinics.clone(), |f, v| f.clinics = v);
    view! {
        <section class="card add-user" aria-labelledby="add-user-title">
            <h2 id="add-user-title">"Add a user"</h2>
            <form class="filters" on:submit=move |ev| { ev.prevent_default(); add.dispatch(form.get_untracked()); }>
                <div class="field"><label for="nu-name">"User name"</label>
                    <input id="nu-name" type="text" autocomplete="off" prop:value=username on:input=on_username/></div>
                <div class="field"><label for="nu-display">"Full name"</label>
                    <input id="nu-display" type="text" prop:value=display on:input=on_display/></div>
                <div class="field"><label for="nu-password">"Password (10+ characters)"</label>
                    <input id="nu-password" type="password" autocomplete="new-password" prop:value=password on:input=on_password/></div>
                <div class="field"><label for="nu-clinics">"Clinics (e.g. 1, 3; empty for all)"</label>
                    <input id="nu-clinics" type="text" prop:value=clinics on:input=on_clinics/></div>
                <div class="field checkbox"><label>
                    <input type="checkbox" prop:checked=move || form.get().is_admin
                        on:change=move |ev| form.update(|f| f.is_admin = event_target_checked(&ev))/>
                    " Administrator"</label></div>
                <div class="filter-actions"><button type="submit" disabled=move || add.pending().get()>"Add user"</button></div>
            </form>
        </section>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        query_map.with(|m| {
            let clean = |k: &str| m.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            AuditQuery {
                user: clean("user"),
                action: clean("action"),
                date_start: clean("dateStart"),
                date_through: clean("dateThrough"),
                before: clean("before"),
            }
        })
    });
    let data = Resource::new(move || query.get(), load_audit);
    view! {
        <section class="page audit">
            <h1>"Audit trail"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the audit trail…"</p> }>
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match data.await {
                        Ok(page) => view! { <AuditFilters q=q.clone() actions=page.actions.clone()/> <AuditTable page q/> }.into_any(),
                        Err(e) => view! {
                            <AuditFilters q actions=crate::view::access::actions::ALL.iter().map(|a| a.to_string()).collect()/>
                            <p role="alert" class="notice error">{e.message().to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditFilters(q: AuditQuery, actions: Vec<String>) -> impl IntoView {
    let current = q.action.clone().unwrap_or_default();
    view! {
        <form method="GET" action="/audit" class="filters" aria-label="Filter the audit trail">
            <div class="field"><label for="a-user">"User"</label>
                <input id="a-user" name="user" type="text" value=q.user.clone().unwrap_or_default()/></div>
            <div class="field"><label for="a-action">"Action"</label>
                <select id="a-action" name="action">
                    <option value="" selected=current.is_empty()>"Any action"</option>
                    {actions.into_iter().map(|a| {
                        let selected = a == current;
                        view! { <option value=a.clone() selected=selected>{a.clone()}</option> }
                    }).collect_view()}
                </select></div>
            <div class="field"><label for="a-from">"From"</label>
                <input id="a-from" name="dateStart" type="date" value=q.date_start.clone().unwrap_or_default()/></div>
            <div class="field"><label for="a-through">"Through"</label>
                <input id="a-through" name="dateThrough" type="date" value=q.date_through.clone().unwrap_or_default()/></div>
            <div class="filter-actions"><button type="submit">"Show"</button><a href="/audit">"Reset"</a></div>
        </form>
    }
}

#[component]
fn AuditTable(page: AuditPage, q: AuditQuery) -> impl IntoView {
    if page.events.is_empty() {
        return view! { <p class="empty" role="status">"Nothing recorded for these filters."</p> }.into_any();
    }
    let older = page.older.map(|n| {
        let mut pairs = Vec::new();
        for (k, v) in [("user", &q.user), ("action", &q.action), ("dateStart", &q.date_start), ("dateThrough", &q.date_through)] {
            if let Some(v) = v {
                pairs.push(format!("{k}={}", v.replace(' ', "+")));
            }
        }
        pairs.push(format!("before={n}"));
        format!("/audit?{}", pairs.join("&"))
    });
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Audit trail">
            <table class="outcomes audit-table">
                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"Details"</th><th scope="col">"Clinic"</th></tr></thead>
                <tbody>
                    {page.events.iter().cloned().map(|e| {
                        let action = e.action.clone();
                        let clinic = page.clinic_name(e.clinic_num);
                        view! {
                            <tr data-action=action>
                                <td>{when(e.at)}</td>
                                <td>{e.username}</td>
                                <td>{e.action}</td>
                                <td>{e.detail}</td>
                                <td>{clinic}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {older.map(|href| view! { <nav class="pager" aria-label="Pages"><A href=href>"Older events →"</A></nav> })}
    }
    .into_any()
}
