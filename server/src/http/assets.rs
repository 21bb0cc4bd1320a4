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

/// What is wrong with the built pages' files, if anything: the folder missing, or the files
/// `hash.txt` (beside this binary) names not in it, as when the binary was copied without its
/// `hash.txt` or beside an older one. Pages would load without their scripts and styles.
pub fn pages_problem(site_root: &str) -> Option<String> {
    let pkg = std::path::Path::new(site_root).join("pkg");
    if !pkg.is_dir() {
        return Some(format!("LEPTOS_SITE_ROOT is {site_root}, which has no pkg folder"));
    }
    let names: Vec<String> = match build_hashes() {
        Some(h) => [("js", "js"), ("wasm", "wasm"), ("css", "css")]
            .iter()
            .filter_map(|(key, ext)| h.get(*key).map(|hash| format!("asap.{hash}.{ext}")))
            .collect(),
        None => vec!["asap.js".into(), "asap.wasm".into(), "asap.css".into()],
    };
    let missing: Vec<&String> = names.iter().filter(|n| !pkg.join(n.as_str()).is_file()).collect();
    if missing.is_empty() {
        return None;
    }
    let beside = std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join("hash.txt").display().to_string())).unwrap_or_default();
    Some(format!(
        "{} has no {} (the names come from {beside}{})",
        pkg.display(),
        missing.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "),
        if build_hashes().is_none() { ", which is missing" } else { "" }
    ))
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
