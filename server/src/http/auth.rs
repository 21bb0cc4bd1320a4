//! `Authorization: ODFHIR {DeveloperKey}/{CustomerKey}`, checked in constant time, then the
//! per-key rate limit.

use super::AppState;
use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use subtle::ConstantTimeEq;

/// Keys from `ASAP_API_KEYS` (for development; stored keys are managed with `server apikey`),
/// and the per-key rate limit.
pub struct ApiKeys {
    pairs: Vec<String>,
    limit: Limit,
}

/// Where the per-key rate limit is counted.
enum Limit {
    Off,
    /// In this process: one server process per database (SQLite).
    InProcess(DefaultKeyedRateLimiter<String>),
    /// In the database, per key and second: several processes share one PostgreSQL, and the
    /// limit must hold for the key as a whole, not once per process.
    Shared(u32),
}

impl ApiKeys {
    /// `pairs` as `DeveloperKey/CustomerKey`; a rate of 0 turns limiting off; `shared` counts
    /// requests in the database instead of in this process.
    pub fn new(pairs: &[String], per_second: u32, shared: bool) -> Result<Self, String> {
        let mut clean = Vec::new();
        for p in pairs.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            match p.split_once('/') {
                Some((dev, cust)) if !dev.is_empty() && !cust.is_empty() && !cust.contains('/') => {
                    clean.push(p.to_string())
                }
                _ => return Err("each API key must be written DeveloperKey/CustomerKey".into()),
            }
        }
        let limit = match NonZeroU32::new(per_second) {
            None => Limit::Off,
            Some(_) if shared => Limit::Shared(per_second),
            Some(n) => Limit::InProcess(RateLimiter::keyed(Quota::per_second(n))),
        };
        Ok(ApiKeys { pairs: clean, limit })
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Index of the matching pair. Every configured pair is compared, so timing does not reveal
    /// which one (or how much of one) matched.
    fn find(&self, presented: &str) -> Option<usize> {
        let mut found = None;
        for (i, pair) in self.pairs.iter().enumerate() {
            if bool::from(pair.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(i);
            }
        }
        found
    }

    /// The limit counted in this process (nothing to do when it is off or shared).
    fn check_in_process(&self, key: &str) -> Result<(), ApiError> {
        let Limit::InProcess(limiter) = &self.limit else { return Ok(()) };
        limiter.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests { retry_after_secs: wait.as_secs().max(1) }
        })
    }

    async fn check_rate(&self, key: &str, state: &AppState) -> Result<(), ApiError> {
        let Limit::Shared(per_second) = &self.limit else { return self.check_in_process(key) };
        match state.services.shared_rate_allows(key, *per_second).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ApiError::TooManyRequests { retry_after_secs: 1 }),
            Err(e) => Err(ApiError::from(e)),
        }
    }
}

/// An API request whose key was accepted: which key, and the clinics it may see.
pub struct ApiClient {
    pub name: String,
    pub clinics: Option<Vec<i64>>,
}

impl ApiClient {
    pub fn clinics(&self) -> Option<&[i64]> {
        self.clinics.as_deref()
    }
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        const HOW: &str = "Send `Authorization: ODFHIR {DeveloperKey}/{CustomerKey}`.";
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized(format!("The Authorization header is missing. {HOW}")))?;
        let value = value
            .to_str()
            .map_err(|_| ApiError::Unauthorized(format!("The Authorization header is not readable text. {HOW}")))?;
        let (scheme, keys) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        if !scheme.eq_ignore_ascii_case("ODFHIR") {
            return Err(ApiError::Unauthorized(format!("The Authorization scheme must be ODFHIR. {HOW}")));
        }
        let keys = keys.trim();
        let client = match state.api_keys.find(keys) {
            Some(index) => ApiClient { name: format!("ASAP_API_KEYS #{}", index + 1), clinics: None },
            None => match state.services.stored_api_key(keys).await {
                Ok(Some(k)) => ApiClient { name: k.name, clinics: k.clinics },
                Ok(None) => return Err(ApiError::Unauthorized("The DeveloperKey/CustomerKey pair is not recognised.".into())),
                Err(e) => return Err(ApiError::from(e)),
            },
        };
        state.api_keys.check_rate(&client.name, state).await?;
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_pairs() {
        assert!(ApiKeys::new(&["dev/cust".into()], 0, false).is_ok());
        assert!(ApiKeys::new(&["devcust".into()], 0, false).is_err());
        assert!(ApiKeys::new(&["dev/".into()], 0, false).is_err());
        assert!(ApiKeys::new(&["".into()], 0, false).unwrap().is_empty());
    }

    #[test]
    fn finds_only_the_exact_pair() {
        let keys = ApiKeys::new(&["a/b".into(), "dev/cust".into()], 0, false).unwrap();
        assert_eq!(keys.find("dev/cust"), Some(1));
        assert_eq!(keys.find("dev/cus"), None);
        assert_eq!(keys.find("DEV/CUST"), None);
    }

    #[test]
    fn rate_limit_answers_with_a_wait() {
        let keys = ApiKeys::new(&["dev/cust".into()], 1, false).unwrap();
        assert!(keys.check_in_process("k").is_ok());
        match keys.check_in_process("k") {
            Err(ApiError::TooManyRequests { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected 429, got {other:?}"),
        }
    }
}
