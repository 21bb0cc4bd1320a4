//! The pages: server-rendered, then hydrated in the browser.

mod admin;
mod history;
mod home;
mod live;
mod messages;
mod outbox;
pub mod patient;
mod picker;
pub mod signin;
mod sync;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
// Pages render whole on the server (SsrMode::Async): the first paint has the data, and the
// pages read the same without JavaScript.
use leptos_router::{
    Lazy, LazyRoute, SsrMode, StaticSegment,
    components::{A, Route, Router, Routes},
    lazy_route,
};

/// The stylesheet's address in this build, provided by the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StylesheetHref(pub String);

/// The HTML document around the app, rendered on the server only. Inside the office portal's
/// iframe the page is compact (no header of its own) and tells the portal its height.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let portal_origin = embedded_in();
    let embedded = portal_origin.is_some();
    let stylesheet = use_context::<StylesheetHref>().map_or_else(|| "/pkg/asap.css".to_string(), |s| s.0);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=stylesheet/>
                {portal_origin.map(|origin| view! {
                    <meta name="asap-portal-origin" content=origin/>
                    <script src="/embed.js" defer></script>
                })}
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class=if embedded { "embedded" } else { "" }>
                <App/>
            </body>
        </html>
    }
}

/// The portal's origin when this request comes from an embedded session.
fn embedded_in() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<crate::view::access::Caller>().cloned())
            .filter(|c| c.embedded && !c.portal_origin.is_empty())
            .map(|c| c.portal_origin)
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Title text="Web Sched ASAP"/>
        <Router>
            // The first stop for the keyboard: past the menus, straight to the page's work.
            // The router would take a bare "#main" for a navigation: the focus is moved here.
            <a class="skip-link" href="#main" on:click=|ev| { ev.prevent_default(); focus_when_shown("main"); }>"Skip to the page"</a>
            <header class="top-bar">
                <span class="brand">"Web Sched ASAP"</span>
                <nav aria-label="Main">
                    <A href="/">"Slot picker"</A>
                    <A href="/history">"ASAP history"</A>
                    <A href="/outbox">"Outbox"</A>
                    <A href="/overview">"Overview"</A>
                </nav>
                <admin::UserMenu/>
            </header>
            <sync::SyncBadge/>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=StaticSegment("") view=picker::PickerPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("overview") view={Lazy::<OverviewRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("history") view={Lazy::<HistoryRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("outbox") view={Lazy::<OutboxRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("messages") view={Lazy::<MessagesRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

// The slot picker is the page a practice manager opens first, so it is in the main bundle; the
// other pages are split into their own WASM chunks, fetched when they are first shown. Each page
// loads its own data, so the routes carry none.

struct OverviewRoute;

#[lazy_route]
impl LazyRoute for OverviewRoute {
    fn data() -> Self {
        OverviewRoute
    }
    fn view(_this: Self) -> AnyView {
        view! { <home::HomePage/> }.into_any()
    }
}

struct HistoryRoute;

#[lazy_route]
impl LazyRoute for HistoryRoute {
    fn data() -> Self {
        HistoryRoute
    }
    fn view(_this: Self) -> AnyView {
        view! { <history::HistoryPage/> }.into_any()
    }
}

struct OutboxRoute;

#[lazy_route]
impl LazyRoute for OutboxRoute {
    fn data() -> Self {
        OutboxRoute
    }
    fn view(_this: Self) -> AnyView {
        view! { <outbox::OutboxPage/> }.into_any()
    }
}

struct UsersRoute;

#[lazy_route]
impl LazyRoute for UsersRoute {
    fn data() -> Self {
        UsersRoute
    }
    fn view(_this: Self) -> AnyView {
        view! { <admin::UsersPage/> }.into_any()
    }
}

struct AuditRoute;

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        AuditRoute
    }
    fn view(_this: Self) -> AnyView {
        view! { <admin::AuditPage/> }.into_any()
    }
}

struct MessagesRoute;

#[lazy_route]
impl LazyRoute for MessagesRoute {
    fn data() -> Self {
        MessagesRoute
    }
    fn view(_this: Self) -> AnyView {
        view! { <messages::MessagesPage/> }.into_any()
    }
}

/// Sets `data-hydrated` on `<html>` once the page is interactive, so tests (and people reading
/// the DOM) can tell a hydrated page from server HTML.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="page">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. " <a href="/">"Go to the slot picker"</a> "."</p>
        </section>
    }
}

/// Moves the keyboard to an element once the view has drawn it.
pub(crate) fn focus_when_shown(id: impl Into<String>) {
    let id: String = id.into();
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document().get_element_by_id(&id).and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
