//! Command line and environment. Every setting is a flag and an environment variable.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Parser)]
#[command(name = "server", version, about = "Web Sched ASAP: Open Dental-compatible AsapComms API and pages")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the API and the pages (the default).
    Serve,
    /// Import office data from a JSON file, all or nothing.
    Import {
        /// The import file (see the specification, section 5).
        file: PathBuf,
    },
    /// Fill the database with a realistic demo practice.
    Demo {
        /// Leave a database that already holds patients untouched instead of failing.
        #[arg(long)]
        if_empty: bool,
    },
    /// Staff users: the first administrator, password resets, the list.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// API keys for integrators (ODFHIR DeveloperKey/CustomerKey), stored hashed.
    Apikey {
        #[command(subcommand)]
        action: ApiKeyCommand,
    },
    /// Check the stored data against the scheduling rules (no double booking, no stale
    /// blockout, no pending offer on a closed or started opening, no text sent twice) and, on
    /// SQLite, the file itself. Exits with an error when any is broken.
    Check,
    /// Read the office's Open Dental once (everything the first time, then what changed) and
    /// deliver the bookings waiting to be written there. Exits with an error when Open Dental
    /// could not be read or is not set up (ASAP_OPENDENTAL_URL, ASAP_OPENDENTAL_KEY).
    Sync,
    /// Check the configuration before a start: the database, the public URL, the embed secret,
    /// frame-ancestors, the SMS provider, the mail server and Open Dental, each reached as the
    /// server would (nothing is sent). Names every problem with its fix; exits with an error
    /// when there is one.
    Doctor,
    /// Ask the running server whether it is ready (GET /readyz on LEPTOS_SITE_ADDR); exits with
    /// an error when it is not. For container health checks, which have no curl.
    Ready,
    /// Copy a live SQLite database to FILE, consistent as of one moment, while the server runs.
    Backup {
        /// Where the copy goes; must not exist yet.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from the terminal (asked twice), or from one line of
    /// standard input when that is not a terminal; never from a flag.
    Add {
        /// The user name to sign in with.
        name: String,
        /// May manage users and read the audit trail.
        #[arg(long)]
        admin: bool,
        /// Only these clinics, as ClinicNums: --clinics 1,3 (default: every clinic).
        #[arg(long, default_value = "")]
        clinics: String,
        /// The name pages show, such as "Dana Reyes (front desk)".
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// Set a new password (read like `add`); the user is signed out everywhere.
    Passwd { name: String },
    /// List users.
    List,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key and print its DeveloperKey/CustomerKey once; only a hash is kept.
    Add {
        /// A name saying who uses it, such as "billing-sync".
        name: String,
        /// Only these clinics: --clinics 1,3 (default: every clinic).
        #[arg(long, default_value = "")]
        clinics: String,
    },
    /// List keys (names, clinics, when made or revoked; never the secret).
    List,
    /// Stop a key from working.
    Revoke { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "ASAP_DATABASE_URL", default_value = "sqlite://data/asap.db")]
    pub database_url: String,

    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Comma-separated DeveloperKey/CustomerKey pairs accepted in `Authorization: ODFHIR …`.
    #[arg(long, env = "ASAP_API_KEYS", value_delimiter = ',', hide_env_values = true)]
    pub api_keys: Vec<String>,

    /// The office's IANA time zone when the TimeZone preference is not set (default: UTC).
    #[arg(long, env = "ASAP_TIMEZONE")]
    pub timezone: Option<String>,

    /// Where the built pages and WASM bundle are (cargo-leptos writes target/site).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// The address patients open from their texts, used to build [AsapURL].
    #[arg(long, env = "ASAP_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Sources allowed to show the pages in an iframe (CSP frame-ancestors).
    #[arg(long, env = "ASAP_FRAME_ANCESTORS", default_value = "'self'")]
    pub frame_ancestors: String,

    /// API requests per second allowed for each API key (0 turns the limit off).
    #[arg(long, env = "ASAP_RATE_LIMIT", default_value_t = 50)]
    pub rate_limit: u32,

    /// Log line format.
    #[arg(long, env = "ASAP_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Where texts go: `outbox` keeps them for the /outbox page (the demo's default);
    /// `twilio` sends them through a Twilio-compatible Messages API.
    #[arg(long, env = "ASAP_SMS_PROVIDER", value_enum, default_value = "outbox")]
    pub sms_provider: SmsProviderKind,

    /// The Messages API's base URL.
    #[arg(long, env = "ASAP_TWILIO_BASE_URL", default_value = "https://api.twilio.com")]
    pub twilio_base_url: String,

    #[arg(long, env = "ASAP_TWILIO_ACCOUNT_SID", default_value = "")]
    pub twilio_account_sid: String,

    /// Also checks the signature of delivery reports and incoming texts.
    #[arg(long, env = "ASAP_TWILIO_AUTH_TOKEN", default_value = "", hide_env_values = true)]
    pub twilio_auth_token: String,

    /// The number texts come from, such as +15550142200.
    #[arg(long, env = "ASAP_TWILIO_FROM", default_value = "")]
    pub twilio_from: String,

    /// Where emails go: empty keeps them in the local outbox for the /outbox page (the demo's
    /// default); otherwise an SMTP server, `smtps://USER:PASS@HOST:465` or
    /// `smtp://USER:PASS@HOST:587?tls=required`.
    #[arg(long, env = "ASAP_SMTP_URL", default_value = "", hide_env_values = true)]
    pub smtp_url: String,

    /// The address emails come from, such as asap@your-office.example (needed with ASAP_SMTP_URL).
    #[arg(long, env = "ASAP_EMAIL_FROM", default_value = "")]
    pub email_from: String,

    /// Texts per wave for one opening.
    #[arg(long, env = "ASAP_WAVE_SIZE", default_value_t = 1)]
    pub wave_size: usize,

    /// The order an opening's waves ask patients in: `ranked` (the asking order, from their
    /// answers on record, as the picker shows it) or `list` (the ASAP list's own order, as Open
    /// Dental asks).
    #[arg(long, env = "ASAP_ASKING_ORDER", default_value = "ranked", value_parser = ["ranked", "list"])]
    pub asking_order: String,

    /// Minutes between waves by how soon the opening starts: under 2 hours 1 minute, and so on.
    #[arg(long, env = "ASAP_WAVE_GAPS", default_value = "2h=1m,12h=2m,48h=4m,8m")]
    pub wave_gaps: String,

    /// Seconds a text's hand-over to the SMS provider may take. A server that stops (or
    /// crashes) mid-hand-over leaves the text held this long; then it is recorded as
    /// interrupted, never sent again.
    #[arg(long, env = "ASAP_SEND_LEASE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(i64).range(1..=3600))]
    pub send_lease_seconds: i64,

    /// Minutes a signed-in session may sit unused before it ends.
    #[arg(long, env = "ASAP_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,

    /// Hours a session lasts at most, however much it is used.
    #[arg(long, env = "ASAP_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,

    /// The secret the office portal signs embed tokens with (HMAC-SHA256); empty turns embedding off.
    #[arg(long, env = "ASAP_EMBED_SECRET", default_value = "", hide_env_values = true)]
    pub embed_secret: String,

    /// The office's Open Dental API: https://api.opendental.com/api/v1 (the remote API), or the
    /// office's API Service (http://SERVER:30223/api/v1) or Local API (port 30222). Empty: this
    /// server keeps its own book (filled by `server import`).
    #[arg(long, env = "ASAP_OPENDENTAL_URL", default_value = "")]
    pub opendental_url: String,

    /// DeveloperKey/CustomerKey for Open Dental's API.
    #[arg(long, env = "ASAP_OPENDENTAL_KEY", default_value = "", hide_env_values = true)]
    pub opendental_key: String,

    /// Seconds between sync passes.
    #[arg(long, env = "ASAP_OPENDENTAL_SYNC_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=86400))]
    pub opendental_sync_seconds: u64,

    /// Milliseconds a claim waits for Open Dental to confirm its time before going ahead on the
    /// local copy.
    #[arg(long, env = "ASAP_OPENDENTAL_RECHECK_MS", default_value_t = 3000, value_parser = clap::value_parser!(u64).range(100..=30000))]
    pub opendental_recheck_ms: u64,

    /// Seconds a write-back worker may hold a booking while Open Dental takes it; after that
    /// another worker (or this one, restarted) delivers it again (deliveries are idempotent).
    #[arg(long, env = "ASAP_OPENDENTAL_WRITE_LEASE_SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub opendental_write_lease_seconds: u64,

    /// Where to serve Prometheus metrics (`/metrics`), e.g. 127.0.0.1:9464. Off when unset. A
    /// listener of its own, so the public address never serves them.
    #[arg(long, env = "ASAP_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Run the sender and the close-out sweep in this process.
    #[arg(long, env = "ASAP_WORKERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub workers: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsProviderKind {
    Outbox,
    Twilio,
}

impl Settings {
    /// Settings as the defaults give them, for tests and tools that build a server in code.
    pub fn defaults() -> Settings {
        Cli::parse_from(["server"]).settings
    }

    /// The public base URL, without a trailing slash.
    pub fn public_base_url(&self) -> String {
        self.public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map_or_else(|| format!("http://{}", self.addr), str::to_string)
            .trim_end_matches('/')
            .to_string()
    }
}
