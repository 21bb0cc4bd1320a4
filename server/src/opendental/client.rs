//! A client for Open Dental's REST API: the remote API (`https://api.opendental.com/api/v1`), the
//! API Service (port 30223) or the Local API (port 30222), all with the same routes
//! (https://www.opendental.com/site/apilocal.html).
//!
//! - Every request carries `Authorization: ODFHIR {DeveloperKey}/{CustomerKey}` and
//!   `Content-Type: application/json` (apiimplementation.html).
//! - Lists are read with `Offset`; a page of 100 (the documented hard limit) means another may
//!   follow (apiimplementation.html, "Pagination").
//! - The remote API throttles each customer key, to one request a second for a key with write
//!   permissions (apiimplementation.html, "Throttling"); requests are spaced to that pace there.
//!   The pages name no status for a throttled request: a 429 (HTTP's "too many requests"), any 5xx
//!   (504 is Open Dental's 60-second limit), a timeout or a refused connection is tried again
//!   after a pause (honouring `Retry-After`), a few times, before the error is reported.

use std::time::{Duration, Instant};

/// The documented page size of list reads.
pub const PAGE_SIZE: usize = 100;

/// How a request to Open Dental failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OdError {
    #[error("Open Dental could not be reached at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Open Dental is busy (HTTP {status}) at {url}")]
    Busy { url: String, status: u16, retry_after: Option<Duration> },
    #[error("Open Dental refused {method} {url} (HTTP {status}): {message}")]
    Refused { method: String, url: String, status: u16, message: String },
    #[error("Open Dental has no {url} (HTTP 404): {message}")]
    NotFound { url: String, message: String },
    #[error("Open Dental's answer to {url} could not be read: {reason}")]
    Unreadable { url: String, reason: String },
}

impl OdError {
    /// Worth trying again later: Open Dental was down, slow or busy.
    pub fn is_transient(&self) -> bool {
        matches!(self, OdError::Unreachable { .. } | OdError::Busy { .. })
    }
}

pub type OdResult<T> = Result<T, OdError>;

/// The connection settings, as the operator gives them.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The API base, e.g. `https://api.opendental.com/api/v1`, without a trailing slash.
    pub base_url: String,
    /// `DeveloperKey/CustomerKey`.
    pub key: String,
    /// The least time between two requests; the remote API's throttle by default.
    pub spacing: Duration,
    /// How long one request may take (Open Dental itself gives up after 60 seconds).
    pub timeout: Duration,
    /// How many times a transient failure is tried again within one call.
    pub retries: u32,
}

impl Connection {
    /// Checks the URL and key the operator gave and picks the pace: one request a second for
    /// the remote API, none for an office's own API Service or Local API (not throttled).
    pub fn new(base_url: &str, key: &str) -> Result<Connection, String> {
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| format!("ASAP_OPENDENTAL_URL `{base_url}` is not a URL ({e}); use e.g. https://api.opendental.com/api/v1"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("ASAP_OPENDENTAL_URL `{base_url}` must start with https:// (or http:// for the office's own network)"));
        }
        let key = key.trim();
        let valid = key.split_once('/').is_some_and(|(d, c)| !d.is_empty() && !c.is_empty() && !c.contains('/'));
        if !valid {
            return Err("ASAP_OPENDENTAL_KEY must be DeveloperKey/CustomerKey, the two keys with a slash between".into());
        }
        let remote = parsed.host_str().is_some_and(|h| h.eq_ignore_ascii_case("api.opendental.com"));
        Ok(Connection {
            base_url,
            key: key.to_string(),
            spacing: if remote { Duration::from_secs(1) } else { Duration::ZERO },
            timeout: Duration::from_secs(65),
            retries: 4,
        })
    }
}

/// One Open Dental, shared by the sync, the write-back and the claim's re-check.
pub struct OpenDental {
    connection: Connection,
    http: reqwest::Client,
    /// When the next request may start (the throttle's pace, across every caller).
    next_start: tokio::sync::Mutex<Instant>,
}

/// What a successful request answered.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `location` header of a create (apispecification.html: "POST … returns a location
    /// header and the object").
    pub location: Option<String>,
}

impl OpenDental {
    pub fn new(connection: Connection) -> Result<OpenDental, String> {
        let http = reqwest::Client::builder()
            .timeout(connection.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("could not set up the HTTP client: {e}"))?;
        Ok(OpenDental { connection, http, next_start: tokio::sync::Mutex::new(Instant::now()) })
    }

    pub fn base_url(&self) -> &str {
        &self.connection.base_url
    }

    /// `GET path?query`, tried again on transient failures.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> OdResult<Answer> {
        self.call(reqwest::Method::GET, path, query, None, self.connection.retries, None).await
    }

    /// A read that must answer quickly or not at all (the claim's re-check): one attempt, and
    /// at most `within`.
    pub async fn get_quick(&self, path: &str, query: &[(&str, String)], within: Duration) -> OdResult<Answer> {
        self.call(reqwest::Method::GET, path, query, None, 0, Some(within)).await
    }

    pub async fn put(&self, path: &str, body: &serde_json::Value) -> OdResult<Answer> {
        self.call(reqwest::Method::PUT, path, &[], Some(body), self.connection.retries, None).await
    }

    /// A create, sent once: a retry after a lost answer could make a second one, so the caller
    /// decides what to do after a failure (look for it first).
    pub async fn post_once(&self, path: &str, body: &serde_json::Value) -> OdResult<Answer> {
        self.call(reqwest::Method::POST, path, &[], Some(body), 0, None).await
    }

    /// One page of a list: `Offset` rows in.
    pub async fn page(&self, path: &str, query: &[(&str, String)], offset: usize) -> OdResult<Vec<u8>> {
        let mut q = query.to_vec();
        if offset > 0 {
            q.push(("Offset", offset.to_string()));
        }
        Ok(self.get(path, &q).await?.body)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        retries: u32,
        within: Option<Duration>,
    ) -> OdResult<Answer> {
        let url = format!("{}{}", self.connection.base_url, path);
        let mut attempt = 0;
        loop {
            self.wait_turn().await;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .query(query)
                .header("Authorization", format!("ODFHIR {}", self.connection.key))
                .header("Content-Type", "application/json");
            if let Some(b) = body {
                request = request.body(b.to_string());
            }
            if let Some(w) = within {
                request = request.timeout(w);
            }
            let outcome = match request.send().await {
                Err(e) => Err(OdError::Unreachable { url: url.clone(), reason: short_reason(&e) }),
                Ok(response) => read(response, method.as_str(), &url).await,
            };
            match outcome {
                Err(e) if e.is_transient() && attempt < retries => {
                    attempt += 1;
                    let pause = match &e {
                        OdError::Busy { retry_after: Some(d), .. } => (*d).min(Duration::from_secs(30)),
                        _ => Duration::from_millis(500 * (1 << (attempt - 1).min(5))),
                    };
                    tracing::warn!(error = %e, attempt, pause_ms = pause.as_millis() as u64, "Open Dental request failed; trying again");
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
    }

    /// Keeps requests `spacing` apart, whoever makes them.
    async fn wait_turn(&self) {
        if self.connection.spacing.is_zero() {
            return;
        }
        let mut next = self.next_start.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep(*next - now).await;
        }
        *next = Instant::now() + self.connection.spacing;
    }
}

async fn read(response: reqwest::Response, method: &str, url: &str) -> OdResult<Answer> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = response
        .bytes()
        .await
        .map_err(|e| OdError::Unreachable { url: url.to_string(), reason: format!("the answer was cut off: {}", short_reason(&e)) })?
        .to_vec();
    match status {
        200..=299 => Ok(Answer { status, body, location }),
        429 | 500..=599 => Err(OdError::Busy { url: url.to_string(), status, retry_after }),
        404 => Err(OdError::NotFound { url: url.to_string(), message: explanation(&body) }),
        _ => Err(OdError::Refused { method: method.to_string(), url: url.to_string(), status, message: explanation(&body) }),
    }
}

/// Open Dental answers a refusal "with explanation" in a form the pages do not fix: plain text
/// or a JSON string. Either is shown as text, cut short.
fn explanation(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = serde_json::from_str::<String>(&text).unwrap_or_else(|_| text.trim().to_string());
    text.chars().take(300).collect()
}

fn short_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "the connection was refused or could not be made".into()
    } else {
        e.to_string().chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_checked_and_paced() {
        let remote = Connection::new("https://api.opendental.com/api/v1/", "dev/cust").unwrap();
        assert_eq!(remote.base_url, "https://api.opendental.com/api/v1");
        assert_eq!(remote.spacing, Duration::from_secs(1), "the remote API's throttle");
        let service = Connection::new("http://192.168.1.20:30223/api/v1", "dev/cust").unwrap();
        assert_eq!(service.spacing, Duration::ZERO, "the API Service is not throttled");
        assert!(Connection::new("api.opendental.com", "dev/cust").unwrap_err().contains("not a URL"));
        assert!(Connection::new("ftp://x/api/v1", "dev/cust").unwrap_err().contains("https://"));
        for bad in ["", "dev", "dev/", "/cust", "a/b/c"] {
            assert!(Connection::new("https://api.opendental.com/api/v1", bad).unwrap_err().contains("DeveloperKey/CustomerKey"), "{bad}");
        }
    }

    #[test]
    fn explanations_are_text_either_way() {
        assert_eq!(explanation(b"\"Schedule not found\""), "Schedule not found");
        assert_eq!(explanation(b"  AptNum is invalid. "), "AptNum is invalid.");
    }
}
