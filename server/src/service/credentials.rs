//! Passwords, tokens and keys: argon2id password hashes, random session tokens kept only as
//! hashes, the sign-in slow-down and lock-out rule, and the office portal's embed token.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const MIN_PASSWORD_LEN: usize = 10;
const MAX_PASSWORD_LEN: usize = 200;

/// Checks a new password against the rules, with a message the user can act on.
pub fn password_rule(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(format!("The password must be at least {MIN_PASSWORD_LEN} characters long."));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(format!("The password can be at most {MAX_PASSWORD_LEN} characters long."));
    }
    if password.trim().is_empty() {
        return Err("The password cannot be only spaces.".into());
    }
    Ok(())
}

/// A user name as stored: lower case letters, digits, `.`, `_`, `-`; 2 to 50 characters.
pub fn username_rule(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_lowercase();
    if !(2..=50).contains(&name.chars().count()) {
        return Err("A user name is 2 to 50 characters long.".into());
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
        return Err("A user name may use letters, digits, dots, dashes and underscores only.".into());
    }
    Ok(name)
}

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash no password matches, checked when the user name is unknown so that the answer takes
/// as long as for a real user.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("not a real password, only the cost of checking one").unwrap_or_default())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A new random token (256 bits), for session cookies and API keys.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What the sign-in form may do now, after earlier failures for this user name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInGate {
    Open,
    /// Too many failures in a row: wait this many seconds before the next try.
    Wait(i64),
    /// Locked for this many more seconds.
    Locked(i64),
}

/// Failures before each try must wait, the wait, failures before a lock, and the lock.
pub const SLOW_AFTER: i64 = 5;
pub const SLOW_SECONDS: i64 = 30;
pub const LOCK_AFTER: i64 = 10;
pub const LOCK_SECONDS: i64 = 15 * 60;

pub fn sign_in_gate(failures: i64, last_failure: i64, locked_until: i64, now: i64) -> SignInGate {
    if locked_until > now {
        return SignInGate::Locked(locked_until - now);
    }
    if failures >= SLOW_AFTER && now - last_failure < SLOW_SECONDS {
        return SignInGate::Wait(SLOW_SECONDS - (now - last_failure));
    }
    SignInGate::Open
}

/// When the account locks after a failure that brings the count to `failures` (0 = no lock).
pub fn lock_after_failure(failures: i64, now: i64) -> i64 {
    if failures >= LOCK_AFTER { now + LOCK_SECONDS } else { 0 }
}

/// What an embed token says: who, until when, for which portal page, and a nonce that makes it
/// single-use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedClaims {
    /// The staff user name.
    pub sub: String,
    /// Unix seconds after which the token is refused.
    pub exp: i64,
    pub nonce: String,
    /// The portal page's origin, such as `https://portal.example.com`.
    pub origin: String,
}

/// The longest an embed token may be valid for.
pub const EMBED_MAX_SECONDS: i64 = 300;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmbedError {
    #[error("the token is not in the form PAYLOAD.SIGNATURE (base64url)")]
    Malformed,
    #[error("the token's signature does not match")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is valid for longer than {EMBED_MAX_SECONDS} seconds")]
    TooLong,
    #[error("the token's payload is not valid: {0}")]
    Payload(String),
}

/// `base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, the first part))`.
pub fn sign_embed_token(secret: &str, claims: &EmbedClaims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signature = URL_SAFE_NO_PAD.encode(embed_mac(secret, &payload));
    format!("{payload}.{signature}")
}

fn embed_mac(secret: &str, payload: &str) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(payload.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Checks the signature (in constant time), the expiry and the lifetime; the caller checks the
/// nonce was not used before and the origin is on the allow-list.
pub fn verify_embed_token(secret: &str, token: &str, now: i64) -> Result<EmbedClaims, EmbedError> {
    use subtle::ConstantTimeEq;
    let (payload, signature) = token.trim().split_once('.').ok_or(EmbedError::Malformed)?;
    let presented = URL_SAFE_NO_PAD.decode(signature).map_err(|_| EmbedError::Malformed)?;
    let expected = embed_mac(secret, payload);
    if secret.is_empty() || expected.is_empty() || !bool::from(expected.ct_eq(&presented)) {
        return Err(EmbedError::BadSignature);
    }
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| EmbedError::Malformed)?;
    let claims: EmbedClaims = serde_json::from_slice(&json).map_err(|e| EmbedError::Payload(e.to_string()))?;
    if claims.exp <= now {
        return Err(EmbedError::Expired);
    }
    if claims.exp - now > EMBED_MAX_SECONDS {
        return Err(EmbedError::TooLong);
    }
    if claims.nonce.len() < 8 || claims.nonce.len() > 200 {
        return Err(EmbedError::Payload("nonce must be 8 to 200 characters".into()));
    }
    Ok(claims)
}

/// Whether `origin` (scheme://host[:port]) matches one source of a CSP frame-ancestors list
/// such as `'self' https://portal.example.com http://127.0.0.1:*`.
pub fn origin_allowed(frame_ancestors: &str, origin: &str) -> bool {
    let Some((scheme, host_port)) = origin.split_once("://") else { return false };
    if host_port.is_empty() || host_port.contains('/') {
        return false;
    }
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        _ => (host_port, None),
    };
    frame_ancestors.split_whitespace().any(|source| {
        let Some((s_scheme, s_host_port)) = source.split_once("://") else { return false };
        if !s_scheme.eq_ignore_ascii_case(scheme) {
            return false;
        }
        let (s_host, s_port) = match s_host_port.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s_host_port.trim_end_matches('/'), None),
        };
        let host_ok = match s_host.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() && host.ends_with(&format!(".{suffix}")),
            None => s_host.eq_ignore_ascii_case(host),
        };
        let port_ok = match s_port {
            Some("*") => true,
            Some(p) => Some(p) == port,
            None => port.is_none(),
        };
        host_ok && port_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterz"));
        assert!(!verify_password("not a hash", "x"));
        assert!(!verify_password(decoy_hash(), ""));
        assert_ne!(hash_password("same").unwrap(), hash_password("same").unwrap(), "salted");
    }

    #[test]
    fn rules_for_names_and_passwords() {
        assert_eq!(username_rule(" Dana.Front-Desk ").unwrap(), "dana.front-desk");
        assert!(username_rule("a").is_err());
        assert!(username_rule("dana smith").is_err());
        assert!(password_rule("short").is_err());
        assert!(password_rule("          ").is_err());
        assert!(password_rule("long enough pass").is_ok());
    }

    #[test]
    fn failures_slow_down_then_lock() {
        assert_eq!(sign_in_gate(4, 1000, 0, 1001), SignInGate::Open);
        assert_eq!(sign_in_gate(5, 1000, 0, 1010), SignInGate::Wait(20));
        assert_eq!(sign_in_gate(5, 1000, 0, 1030), SignInGate::Open);
        assert_eq!(lock_after_failure(9, 1000), 0);
        assert_eq!(lock_after_failure(10, 1000), 1000 + LOCK_SECONDS);
        assert_eq!(sign_in_gate(10, 1000, 1000 + LOCK_SECONDS, 1100), SignInGate::Locked(LOCK_SECONDS - 100));
        assert_eq!(sign_in_gate(10, 1000, 1000 + LOCK_SECONDS, 1000 + LOCK_SECONDS), SignInGate::Open);
    }

    fn claims(exp: i64) -> EmbedClaims {
        EmbedClaims { sub: "dana".into(), exp, nonce: "n-0123456789".into(), origin: "https://portal.example".into() }
    }

    #[test]
    fn embed_tokens_are_signed_short_lived_and_checked() {
        let token = sign_embed_token("shared secret", &claims(1100));
        assert_eq!(verify_embed_token("shared secret", &token, 1000), Ok(claims(1100)));
        assert_eq!(verify_embed_token("other secret", &token, 1000), Err(EmbedError::BadSignature));
        assert_eq!(verify_embed_token("shared secret", &token, 1100), Err(EmbedError::Expired));
        let long = sign_embed_token("shared secret", &claims(1000 + EMBED_MAX_SECONDS + 1));
        assert_eq!(verify_embed_token("shared secret", &long, 1000), Err(EmbedError::TooLong));
        assert_eq!(verify_embed_token("shared secret", "nodot", 1000), Err(EmbedError::Malformed));
        assert_eq!(verify_embed_token("", &sign_embed_token("", &claims(1100)), 1000), Err(EmbedError::BadSignature));
        // A payload changed after signing.
        let (_, sig) = token.split_once('.').unwrap();
        let forged = format!("{}.{sig}", URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","exp":1100,"nonce":"n-0123456789","origin":"x"}"#));
        assert_eq!(verify_embed_token("shared secret", &forged, 1000), Err(EmbedError::BadSignature));
    }

    #[test]
    fn portal_origins_match_the_allow_list() {
        let list = "'self' https://portal.example.com http://127.0.0.1:* https://*.clinics.example";
        assert!(origin_allowed(list, "https://portal.example.com"));
        assert!(!origin_allowed(list, "https://portal.example.com:8443"));
        assert!(!origin_allowed(list, "http://portal.example.com"));
        assert!(origin_allowed(list, "http://127.0.0.1:4321"));
        assert!(origin_allowed(list, "https://north.clinics.example"));
        assert!(!origin_allowed(list, "https://clinics.example"));
        assert!(!origin_allowed(list, "https://evil.example"));
        assert!(!origin_allowed(list, "https://portal.example.com/path"));
        assert!(!origin_allowed("'self'", "https://portal.example.com"));
    }
}
