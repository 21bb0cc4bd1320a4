//! `server doctor`: the configuration checked before a start, every problem named with its fix.
//! The rules on settings alone are plain functions (unit-tested below); the rest reach the
//! database, the SMS provider, the mail server and Open Dental the way the server would, and
//! send nothing.

use crate::config::{Settings, SmsProviderKind};
use crate::store::{Backend, Store};
use std::net::SocketAddr;
use std::time::Duration;

/// How long one reachability check may take.
const REACH_WITHIN: Duration = Duration::from_secs(10);
/// The shortest embed secret accepted: 32 characters, as from `openssl rand -hex 16`.
pub const MIN_EMBED_SECRET: usize = 32;
/// Database and server clocks further apart than this make offers expire at the wrong time.
const MAX_CLOCK_SKEW_SECONDS: f64 = 5.0;

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    Ok(String),
    /// Works, but worth knowing (a demo setting, something off by choice).
    Note(String),
    /// Will not work, or is unsafe; `fix` says what to change.
    Problem { what: String, fix: String },
}

fn problem(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding::Problem { what: what.into(), fix: fix.into() }
}

/// Every check's name and finding, in order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<(&'static str, Finding)>,
}

impl Report {
    fn add(&mut self, check: &'static str, finding: Finding) {
        self.findings.push((check, finding));
    }

    pub fn problems(&self) -> usize {
        self.findings.iter().filter(|(_, f)| matches!(f, Finding::Problem { .. })).count()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (check, finding) in &self.findings {
            match finding {
                Finding::Ok(text) => writeln!(f, "ok       {check}: {text}")?,
                Finding::Note(text) => writeln!(f, "note     {check}: {text}")?,
                Finding::Problem { what, fix } => {
                    writeln!(f, "PROBLEM  {check}: {what}")?;
                    writeln!(f, "         fix: {fix}")?;
                }
            }
        }
        match self.problems() {
            0 => write!(f, "No problems found."),
            1 => write!(f, "1 problem found."),
            n => write!(f, "{n} problems found."),
        }
    }
}

/// Runs every check. Never fails itself: what it cannot reach is a finding.
pub async fn examine(settings: &Settings) -> Report {
    let mut report = Report::default();
    report.add("public URL", public_url(settings.public_url.as_deref(), settings.addr));
    report.add("embed secret", embed_secret(&settings.embed_secret));
    report.add("frame ancestors", frame_ancestors(&settings.frame_ancestors));
    report.add("time zone", time_zone(settings.timezone.as_deref()));
    report.add("API keys", api_keys(&settings.api_keys));
    report.add("waves", waves(settings.wave_size, &settings.wave_gaps));
    report.add("pages", site_root(&settings.site_root));
    report.add("metrics", metrics_addr(settings.metrics_addr, settings.addr));
    database(settings, &mut report).await;
    report.add("texts", texts(settings).await);
    report.add("email", email(settings).await);
    report.add("Open Dental", open_dental(settings).await);
    report
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Patients' links are built on the public URL: in production it must be https.
pub fn public_url(public_url: Option<&str>, addr: SocketAddr) -> Finding {
    let Some(url) = public_url.map(str::trim).filter(|u| !u.is_empty()) else {
        if addr.ip().is_loopback() {
            return Finding::Note(format!(
                "not set: links point at http://{addr}, which only this machine can open (fine for trying it out; \
                 set ASAP_PUBLIC_URL before patients get links)"
            ));
        }
        return problem(
            format!("not set, while the server listens on {addr}: patients' links would point at http://{addr}"),
            "set ASAP_PUBLIC_URL to the https address patients reach, e.g. https://asap.your-office.example",
        );
    };
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return problem(format!("`{url}` is not a URL ({e})"), "write it as https://asap.your-office.example"),
    };
    let host = parsed.host_str().unwrap_or("");
    if parsed.path().trim_end_matches('/') != "" || parsed.query().is_some() || parsed.fragment().is_some() {
        return problem(
            format!("`{url}` has a path or query: patients' links would be {}/asap/CODE", url.trim_end_matches('/')),
            "give only the scheme and the host (and a port if needed), e.g. https://asap.your-office.example",
        );
    }
    match parsed.scheme() {
        "https" => Finding::Ok(format!("{url}")),
        "http" if is_loopback_host(host) => Finding::Note(format!("{url} is plain http on this machine: fine for trying it out, not for patients")),
        "http" => problem(
            format!("{url} is plain http: patients' links and staff passwords would cross the network unencrypted, and cookies are not marked Secure"),
            "serve it behind TLS (a reverse proxy such as Caddy or nginx) and set ASAP_PUBLIC_URL=https://…",
        ),
        other => problem(format!("`{url}` uses {other}:, not https:"), "write it as https://asap.your-office.example"),
    }
}

/// The portal's embed tokens are signed with this secret.
pub fn embed_secret(secret: &str) -> Finding {
    let length = secret.chars().count();
    if secret.is_empty() {
        Finding::Note("not set: the portal embed's sign-in tokens are off (staff sign in with a password)".into())
    } else if length < MIN_EMBED_SECRET {
        problem(
            format!("ASAP_EMBED_SECRET has {length} characters; anyone who guesses it can sign in to the embed"),
            format!("use at least {MIN_EMBED_SECRET} random characters, e.g. the output of `openssl rand -hex 32`"),
        )
    } else if secret.chars().all(|c| c == secret.chars().next().unwrap_or(' ')) {
        problem("ASAP_EMBED_SECRET is one character repeated", "use random characters, e.g. the output of `openssl rand -hex 32`")
    } else {
        Finding::Ok(format!("{length} characters"))
    }
}

/// One source in a CSP `frame-ancestors` list (CSP Level 3): 'self', a scheme (`https:`), or a
/// host with an optional scheme, `*.` wildcard, port and path.
fn is_frame_ancestor_source(source: &str) -> bool {
    if source == "'self'" {
        return true;
    }
    if let Some(scheme) = source.strip_suffix(':') {
        return !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    }
    let rest = match source.split_once("://") {
        Some((scheme, rest)) if matches!(scheme, "https" | "http") => rest,
        Some(_) => return false,
        None => source,
    };
    let host_port = rest.split('/').next().unwrap_or("");
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host_port, None),
    };
    let host = host.strip_prefix("*.").unwrap_or(host);
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let port_ok = port.is_none_or(|p| p == "*" || (!p.is_empty() && p.chars().all(|c| c.is_ascii_digit())));
    host_ok && port_ok && !rest.contains(['\'', '"', ';', ',', ' '])
}

/// Who may frame the staff pages (the portal embed).
pub fn frame_ancestors(value: &str) -> Finding {
    let sources: Vec<&str> = value.split_whitespace().collect();
    let fix = "write space-separated sources, e.g. ASAP_FRAME_ANCESTORS=\"'self' https://portal.your-office.example\" (or 'none')";
    if sources.is_empty() {
        return problem("ASAP_FRAME_ANCESTORS is empty", fix);
    }
    if sources.contains(&"'none'") {
        return if sources.len() == 1 {
            Finding::Ok("'none': no site may frame the pages".into())
        } else {
            problem("'none' together with other sources: browsers ignore the others", fix)
        };
    }
    if let Some(bare) = sources.iter().find(|s| matches!(**s, "self" | "none")) {
        return problem(format!("`{bare}` without quotes names a host called {bare}"), format!("write '{bare}' with the single quotes"));
    }
    let bad: Vec<&str> = sources.iter().copied().filter(|s| !is_frame_ancestor_source(s)).collect();
    if !bad.is_empty() {
        return problem(format!("not a frame-ancestors source: {}", bad.join(", ")), fix);
    }
    if sources.iter().any(|s| *s == "*" || *s == "https:" || *s == "http:") {
        return problem(format!("`{value}` lets any site frame the staff pages"), "name the portal's address instead");
    }
    if let Some(plain) = sources.iter().find(|s| s.starts_with("http://")) {
        return problem(format!("{plain} is plain http: the page framing ours could be altered on the way"), "use the portal's https address");
    }
    Finding::Ok(value.to_string())
}

fn time_zone(zone: Option<&str>) -> Finding {
    match zone.map(str::trim).filter(|z| !z.is_empty()) {
        None => Finding::Note("ASAP_TIMEZONE not set: UTC, unless the office's TimeZone preference says otherwise (below)".into()),
        Some(name) => match crate::clock::parse_zone(name) {
            Ok(_) => Finding::Ok(name.to_string()),
            Err(e) => problem(e, "set ASAP_TIMEZONE to the office's zone, e.g. America/Chicago"),
        },
    }
}

fn api_keys(pairs: &[String]) -> Finding {
    match crate::http::auth::ApiKeys::new(pairs, 0, false) {
        Err(e) => problem(format!("ASAP_API_KEYS: {e}"), "write ASAP_API_KEYS=DeveloperKey/CustomerKey[,…], or make keys with `server apikey add NAME`"),
        Ok(keys) if keys.is_empty() => Finding::Ok("none in the environment (keys made with `server apikey add` are in the database)".into()),
        Ok(_) => Finding::Ok(format!("{} in the environment", pairs.iter().filter(|p| !p.trim().is_empty()).count())),
    }
}

fn waves(size: usize, gaps: &str) -> Finding {
    match app::domain::waves::WavePlan::parse_gaps(size, gaps) {
        Ok(_) => Finding::Ok(format!("{size} patient(s) a wave, gaps {gaps}")),
        Err(e) => problem(format!("ASAP_WAVE_SIZE / ASAP_WAVE_GAPS: {e}"), "see the README's settings table for the form, e.g. 2h=1m,12h=2m,48h=4m,8m"),
    }
}

/// The built pages' files: without them every page loads without its scripts and styles.
fn site_root(root: &str) -> Finding {
    match crate::http::pages_problem(root) {
        None => Finding::Ok(format!("{}/pkg holds this build's files", root.trim_end_matches('/'))),
        Some(why) => problem(
            format!("{why}: pages would load without their scripts and styles"),
            "install the build's target/release/server with the hash.txt beside it, and point LEPTOS_SITE_ROOT at the same build's target/site (/app/site in the container)",
        ),
    }
}

fn metrics_addr(addr: Option<SocketAddr>, site: SocketAddr) -> Finding {
    match addr {
        None => Finding::Note("ASAP_METRICS_ADDR not set: no /metrics for Prometheus".into()),
        Some(a) if a.port() == site.port() && a.port() != 0 && (a.ip() == site.ip() || a.ip().is_unspecified() || site.ip().is_unspecified()) => problem(
            format!("ASAP_METRICS_ADDR {a} is the pages' own address (LEPTOS_SITE_ADDR {site}): the server cannot listen twice there"),
            "give the metrics a port of their own, e.g. 127.0.0.1:9464",
        ),
        Some(a) if a.ip().is_loopback() => Finding::Ok(format!("http://{a}/metrics")),
        Some(a) => Finding::Note(format!(
            "http://{a}/metrics listens beyond this machine: keep that port closed to the internet (a container network or firewall)"
        )),
    }
}

async fn database(settings: &Settings, report: &mut Report) {
    // Which database: the SQLite file as an absolute path (the usual surprise is a relative path
    // run from another folder), or PostgreSQL's host and database without the password.
    let where_ = match crate::store::sqlite_file_in(&settings.database_url) {
        Some(file) => {
            let absolute = std::path::absolute(&file).unwrap_or(file);
            if !absolute.exists() {
                // Not created here: a command run from the wrong folder must not leave an empty
                // database behind for the next one to use.
                report.add(
                    "database",
                    Finding::Note(format!(
                        "there is no database at {} yet; the server creates it when it starts. If the server already \
                         runs, ASAP_DATABASE_URL here is not the one it uses",
                        absolute.display()
                    )),
                );
                return;
            }
            format!("SQLite {}", absolute.display())
        }
        None => match reqwest::Url::parse(settings.database_url.trim()) {
            Ok(u) => format!("PostgreSQL {}{}", u.host_str().unwrap_or("?"), u.path()),
            Err(_) => "the database".to_string(),
        },
    };
    let fix = if where_.starts_with("SQLite") {
        "check ASAP_DATABASE_URL and that this user may read and write the file and its folder"
    } else {
        "check ASAP_DATABASE_URL, that the database server runs, and the user and password"
    };
    match tokio::time::timeout(REACH_WITHIN, Store::try_connect_once(&settings.database_url)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return report.add("database", problem(format!("{where_}: could not connect: {}", crate::with_causes(&e)), fix)),
        Err(_) => return report.add("database", problem(format!("{where_}: no answer within 10 seconds"), fix)),
    }
    let store = match tokio::time::timeout(REACH_WITHIN, Store::connect_unmigrated(&settings.database_url)).await {
        Ok(Ok(store)) => store,
        Ok(Err(e)) => {
            report.add("database", problem(format!("could not open it: {e}"), "check ASAP_DATABASE_URL, the server's address and the credentials"));
            return;
        }
        Err(_) => {
            report.add("database", problem("no answer within 10 seconds", "check that the database server runs and ASAP_DATABASE_URL names it"));
            return;
        }
    };
    match store.migration_state().await {
        Ok(m) if m.unknown_applied > 0 => report.add(
            "database",
            problem(
                format!("{where_} was migrated by a newer version of this server ({} migrations this build does not know)", m.unknown_applied),
                "run the newer version, or restore a backup made before the upgrade",
            ),
        ),
        Ok(m) if m.applied == 0 => report.add(
            "database",
            Finding::Note(format!("{where_} is reachable and empty: the server sets it up when it starts")),
        ),
        Ok(m) if m.applied < m.known => report.add(
            "database",
            Finding::Note(format!("{where_} is reachable; {} of {} migrations applied, the rest are applied when the server starts", m.applied, m.known)),
        ),
        Ok(m) => report.add("database", Finding::Ok(format!("{where_} is reachable, all {} migrations applied", m.known))),
        Err(e) => report.add("database", problem(format!("could not read its migrations: {e}"), "check the database user's rights")),
    }
    if store.backend() == Backend::Postgres {
        match store.database_unix_time().await {
            Ok(db) => {
                let here = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
                let skew = here - db;
                if skew.abs() > MAX_CLOCK_SKEW_SECONDS {
                    report.add(
                        "clock",
                        problem(
                            format!("this machine's clock is {skew:+.1} s from the database server's"),
                            "keep both in sync with NTP (systemd-timesyncd or chrony)",
                        ),
                    );
                } else {
                    report.add("clock", Finding::Ok(format!("within {:.1} s of the database server's", skew.abs())));
                }
            }
            Err(e) => report.add("clock", problem(format!("could not read the database's clock: {e}"), "check the database connection")),
        }
    }
    if let Ok(mut conn) = store.pool().acquire().await {
        // The office's own TimeZone preference (an import or Open Dental sets it) wins over
        // ASAP_TIMEZONE: say which applies.
        if let Ok(prefs) = crate::store::office::preferences(&mut conn).await {
            let stored = prefs.time_zone.trim().to_string();
            if !stored.is_empty() {
                report.add(
                    "office time zone",
                    match crate::clock::parse_zone(&stored) {
                        Ok(_) => Finding::Ok(format!("{stored}, from the office's TimeZone preference (it applies, not ASAP_TIMEZONE)")),
                        Err(e) => problem(format!("the office's TimeZone preference: {e}"), "correct it in the import file or in Open Dental"),
                    },
                );
            }
        }
        if let Ok(0) = crate::store::office::count(&mut conn, "SELECT COUNT(*) FROM staffuser").await {
            report.add("staff users", Finding::Note("none yet: add the first administrator with `server user add NAME --admin`".into()));
        }
    }
    store.close().await;
}

async fn texts(settings: &Settings) -> Finding {
    if settings.sms_provider == SmsProviderKind::Outbox {
        return Finding::Note("ASAP_SMS_PROVIDER=outbox: texts go to the /outbox page, not to patients' phones".into());
    }
    let twilio = crate::sms::TwilioSettings {
        base_url: settings.twilio_base_url.clone(),
        account_sid: settings.twilio_account_sid.clone(),
        auth_token: settings.twilio_auth_token.clone(),
        from: settings.twilio_from.clone(),
        status_callback: None,
    };
    let provider = match crate::sms::TwilioProvider::new(twilio) {
        Ok(p) => p,
        Err(e) => {
            return problem(e, "set ASAP_TWILIO_ACCOUNT_SID, ASAP_TWILIO_AUTH_TOKEN and ASAP_TWILIO_FROM (the sending number, +1…)");
        }
    };
    let sid = settings.twilio_account_sid.trim();
    if !(sid.len() == 34 && sid.starts_with("AC") && sid[2..].chars().all(|c| c.is_ascii_hexdigit())) {
        return problem(format!("ASAP_TWILIO_ACCOUNT_SID `{sid}` is not an account SID"), "copy the Account SID (AC followed by 32 hex digits) from the provider's console");
    }
    let from = settings.twilio_from.trim();
    let e164 = from.strip_prefix('+').is_some_and(|d| (8..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()));
    if !e164 {
        return problem(
            format!("ASAP_TWILIO_FROM `{from}` is not in E.164 form, which the provider requires"),
            "write the sending number with + and the country code, no spaces, e.g. +15550142200",
        );
    }
    match tokio::time::timeout(REACH_WITHIN, provider.check_account()).await {
        Ok(Ok(())) => Finding::Ok(format!("the provider at {} takes the account and token", settings.twilio_base_url)),
        Ok(Err(e)) => problem(e, "check ASAP_TWILIO_BASE_URL, ASAP_TWILIO_ACCOUNT_SID and ASAP_TWILIO_AUTH_TOKEN, and that this machine may reach the provider"),
        Err(_) => problem(format!("{} did not answer within 10 seconds", settings.twilio_base_url), "check this machine's network and firewall"),
    }
}

async fn email(settings: &Settings) -> Finding {
    if settings.smtp_url.trim().is_empty() {
        return Finding::Note("ASAP_SMTP_URL not set: emails go to the /outbox page, not to patients".into());
    }
    let smtp = match crate::email::SmtpProvider::new(&settings.smtp_url, &settings.email_from) {
        Ok(s) => s,
        Err(e) => {
            return problem(e, "write smtps://USER:PASS@HOST:465, or smtp://USER:PASS@HOST:587?tls=required (the README's Email section)");
        }
    };
    if let Some(why) = smtp_in_the_clear(&settings.smtp_url) {
        return problem(why, "use smtps://…:465, or add ?tls=required to an smtp:// address (port 587)");
    }
    match tokio::time::timeout(REACH_WITHIN, smtp.check_connection()).await {
        Ok(Ok(())) => Finding::Ok("the mail server answers and takes the login".into()),
        Ok(Err(e)) => problem(format!("the mail server: {e}"), "check ASAP_SMTP_URL's host, port, TLS mode and login"),
        Err(_) => problem("the mail server did not answer within 10 seconds", "check ASAP_SMTP_URL's host and port, and the firewall"),
    }
}

/// Why an SMTP address would send the login and the patients' emails unencrypted: smtp:// to
/// another machine without `tls=required`.
pub fn smtp_in_the_clear(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url.trim()).ok()?;
    let host = parsed.host_str().unwrap_or("");
    let required = parsed.query_pairs().any(|(k, v)| k == "tls" && v == "required");
    (parsed.scheme() == "smtp" && !required && !is_loopback_host(host)).then(|| {
        format!("ASAP_SMTP_URL is smtp:// to {host} without tls=required: the login and patients' emails may cross the network unencrypted")
    })
}

async fn open_dental(settings: &Settings) -> Finding {
    let (url, key) = (settings.opendental_url.trim(), settings.opendental_key.trim());
    match (url.is_empty(), key.is_empty()) {
        (true, true) => return Finding::Note("not set up: this server keeps its own book (imports)".into()),
        (false, true) => return problem("ASAP_OPENDENTAL_URL is set without ASAP_OPENDENTAL_KEY", "set ASAP_OPENDENTAL_KEY=DeveloperKey/CustomerKey"),
        (true, false) => return problem("ASAP_OPENDENTAL_KEY is set without ASAP_OPENDENTAL_URL", "set ASAP_OPENDENTAL_URL, e.g. https://api.opendental.com/api/v1"),
        (false, false) => {}
    }
    let od = match crate::opendental::Connection::new(url, key).and_then(crate::opendental::OpenDental::new) {
        Ok(od) => od,
        Err(e) => return problem(e, "see the README's Open Dental settings"),
    };
    // GET /clinics (apiclinics.html): a small read every sync makes anyway.
    match od.get_quick("/clinics", &[], REACH_WITHIN).await {
        Ok(_) => Finding::Ok(format!("{url} answers and takes the key")),
        Err(e) => problem(format!("{url}: {e}"), "check ASAP_OPENDENTAL_URL and ASAP_OPENDENTAL_KEY, and that the API Service runs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn is_problem(f: &Finding) -> bool {
        matches!(f, Finding::Problem { .. })
    }

    #[test]
    fn public_url_must_be_https_beyond_this_machine() {
        assert!(matches!(public_url(Some("https://asap.example.com"), addr("0.0.0.0:3000")), Finding::Ok(_)));
        assert!(is_problem(&public_url(Some("http://asap.example.com"), addr("127.0.0.1:3000"))));
        assert!(matches!(public_url(Some("http://localhost:3000"), addr("127.0.0.1:3000")), Finding::Note(_)));
        assert!(matches!(public_url(None, addr("127.0.0.1:3000")), Finding::Note(_)));
        assert!(is_problem(&public_url(None, addr("0.0.0.0:3000"))));
        assert!(is_problem(&public_url(Some("asap.example.com"), addr("0.0.0.0:3000"))));
        assert!(is_problem(&public_url(Some("ftp://asap.example.com"), addr("0.0.0.0:3000"))));
        assert!(matches!(public_url(Some(" https://asap.example.com/ "), addr("0.0.0.0:3000")), Finding::Ok(_)));
        assert!(is_problem(&public_url(Some("https://asap.example.com/asap"), addr("0.0.0.0:3000"))), "links would be /asap/asap/CODE");
        assert!(is_problem(&public_url(Some("https://asap.example.com/?x=1"), addr("0.0.0.0:3000"))));
    }

    #[test]
    fn metrics_need_a_port_of_their_own() {
        assert!(is_problem(&metrics_addr(Some(addr("127.0.0.1:3000")), addr("127.0.0.1:3000"))));
        assert!(is_problem(&metrics_addr(Some(addr("0.0.0.0:3000")), addr("127.0.0.1:3000"))));
        assert!(matches!(metrics_addr(Some(addr("127.0.0.1:9464")), addr("127.0.0.1:3000")), Finding::Ok(_)));
        assert!(matches!(metrics_addr(Some(addr("0.0.0.0:9464")), addr("0.0.0.0:3000")), Finding::Note(_)));
    }

    #[test]
    fn smtp_to_another_machine_must_be_encrypted() {
        assert!(smtp_in_the_clear("smtp://user:pass@mail.example.com:587").is_some());
        assert!(smtp_in_the_clear("smtp://user:pass@mail.example.com:587?tls=required").is_none());
        assert!(smtp_in_the_clear("smtps://user:pass@mail.example.com:465").is_none());
        assert!(smtp_in_the_clear("smtp://127.0.0.1:2525").is_none(), "a relay on this machine");
    }

    #[test]
    fn the_embed_secret_is_long_and_not_one_character() {
        assert!(matches!(embed_secret(""), Finding::Note(_)));
        assert!(is_problem(&embed_secret("short-secret")));
        assert!(is_problem(&embed_secret(&"a".repeat(40))));
        assert!(matches!(embed_secret("4f1c9a0e7b2d4c8e9f0a1b2c3d4e5f60"), Finding::Ok(_)));
    }

    #[test]
    fn frame_ancestors_are_csp_sources() {
        assert!(matches!(frame_ancestors("'self'"), Finding::Ok(_)));
        assert!(matches!(frame_ancestors("'self' https://portal.example.com"), Finding::Ok(_)));
        assert!(matches!(frame_ancestors("https://*.example.com:8443"), Finding::Ok(_)));
        assert!(matches!(frame_ancestors("'none'"), Finding::Ok(_)));
        assert!(is_problem(&frame_ancestors("")));
        assert!(is_problem(&frame_ancestors("self")), "a host called self, not the quoted keyword");
    }

    #[test]
    fn frame_ancestors_refuse_what_browsers_would_drop_or_that_opens_the_pages() {
        assert!(is_problem(&frame_ancestors("'none' https://portal.example.com")));
        assert!(is_problem(&frame_ancestors("https://portal.example.com;")));
        assert!(is_problem(&frame_ancestors("https://portal.example.com,https://b.example.com")));
        assert!(is_problem(&frame_ancestors("'unsafe-inline'")));
        assert!(is_problem(&frame_ancestors("*")));
        assert!(is_problem(&frame_ancestors("https:")));
        assert!(is_problem(&frame_ancestors("http://portal.example.com")));
        assert!(is_problem(&frame_ancestors("ftp://portal.example.com")));
    }

    #[test]
    fn the_report_counts_problems_and_names_each_fix() {
        let mut report = Report::default();
        report.add("a", Finding::Ok("fine".into()));
        report.add("b", problem("broken", "mend it"));
        let text = report.to_string();
        assert_eq!(report.problems(), 1);
        assert!(text.contains("PROBLEM  b: broken\n         fix: mend it"), "{text}");
        assert!(text.ends_with("1 problem found."), "{text}");
    }
}
