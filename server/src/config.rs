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
}

impl Settings {
    /// The public base URL, without a trailing slash.
    pub fn public_base_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_string()
    }
}
