//! The WASM entry point. All page code lives in `app`; this crate only hydrates it.

// Leptos view types nest deeply; the pages need more than the default limit.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: a split page's chunk is fetched before that page is hydrated.
    leptos::mount::hydrate_lazy(app::ui::App);
}
