//! Refusing writes that another site's page made the browser send. Browsers say where a request
//! comes from (`Sec-Fetch-Site`, and `Origin` on every POST); a request from another site is
//! refused. A request with neither header does not come from a browser page, which cannot be
//! forged this way.

use axum::http::{HeaderMap, header};

/// True when the browser reports that another site started this request.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), headers.get(header::HOST).and_then(|v| v.to_str().ok())) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin_host(origin) != Some(host),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// `https://example.test:8443` → `example.test:8443`.
fn origin_host(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_site_and_typed_urls_pass() {
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(!is_cross_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!is_cross_site(&headers(&[])));
    }

    #[test]
    fn other_sites_are_refused() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.test"), ("host", "127.0.0.1:3000")])));
        assert!(is_cross_site(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
    }
}
