//! `/signin`: a plain form, served on its own so it works before any session exists and without
//! JavaScript.

use leptos::prelude::*;

/// What the sign-in page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInForm {
    /// Where to go once signed in (a path on this site).
    pub next: String,
    /// The name typed before, kept after a refusal.
    pub username: String,
    /// Why the last try did not sign in.
    pub message: Option<String>,
}

#[component]
pub fn SignInBody(form: SignInForm) -> impl IntoView {
    view! {
        <main class="signin">
            <h1>"Web Sched ASAP"</h1>
            <p class="muted">"Sign in to offer openings and see the ASAP history."</p>
            {form.message.map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            <form method="post" action="/signin" class="card">
                <input type="hidden" name="next" value=form.next/>
                <div class="field">
                    <label for="username">"User name"</label>
                    <input id="username" name="username" type="text" autocomplete="username" required value=form.username/>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                <button type="submit">"Sign in"</button>
            </form>
        </main>
    }
}

#[cfg(feature = "ssr")]
pub fn render_sign_in_page(form: SignInForm, stylesheet: &str) -> String {
    let owner = Owner::new();
    let body = owner.with(|| view! { <SignInBody form/> }.to_html());
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign in · Web Sched ASAP</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"{stylesheet}\"></head><body>{body}</body></html>"
    )
}
