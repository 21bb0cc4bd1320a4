//! The site's files: the WASM bundle, its JS and the stylesheet under `/pkg` with content-hashed
//! names (cargo-leptos `hash-files`), served from the brotli or gzip copies made at build time
//! (cargo-leptos `precompress`) and cached for a year; a few fixed files beside them.

use axum::Router;
use axum::http::{HeaderValue, header};
use std::collections::HashMap;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The build's file hashes (`js: …`, `wasm: …`, `css: …`), from the `hash.txt` cargo-leptos
/// writes beside the server binary; None for a build without hashed names.
pub fn build_hashes() -> Option<HashMap<String, String>> {
    let path = std::env::current_exe().ok()?.parent()?.join("hash.txt");
    let text = std::fs::read_to_string(path).ok()?;
    let hashes: HashMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    hashes.contains_key("css").then_some(hashes)
}

/// The stylesheet's address for this build.
pub fn stylesheet_href(hashes: Option<&HashMap<String, String>>) -> String {
    match hashes.and_then(|h| h.get("css")) {
        Some(hash) => format!("/pkg/asap.{hash}.css"),
        None => "/pkg/asap.css".to_string(),
    }
}

pub fn routes<S: Clone + Send + Sync + 'static>(site_root: &str, hashed: bool) -> Router<S> {
    // Hashed names change with their content, so a browser may keep them for good.
    let pkg_cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    let pkg = ServeDir::new(format!("{site_root}/pkg")).precompressed_br().precompressed_gzip();
    let file = |name: &str| ServeFile::new(format!("{site_root}/{name}")).precompressed_br().precompressed_gzip();
    Router::new()
        .nest_service("/pkg", pkg)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(pkg_cache)))
        .merge(
            Router::new()
                .route_service("/patient.css", file("patient.css"))
                .route_service("/embed.js", file("embed.js"))
                .route_service("/favicon.svg", file("favicon.svg"))
                .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"))),
        )
}
