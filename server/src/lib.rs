//! The Web Sched ASAP server as a library: `main` parses the command line and calls [`run`];
//! tests build the same application in-process with [`App::start`].

// Leptos view types nest deeply; the pages need more than the default limit.
#![recursion_limit = "512"]

pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod email;
pub mod http;
pub mod import;
pub mod opendental;
pub mod progress;
pub mod service;
pub mod sms;
pub mod store;
pub mod telemetry;
pub mod worker;

use clock::{OfficeClock, SystemClock};
use config::{Cli, Command, LogFormat, Settings, SmsProviderKind};
use http::AppState;
use http::auth::ApiKeys;
use leptos::config::{Env, LeptosOptions};
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Why the server could not start or a command failed; printed to the operator as is.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("could not listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("server stopped with an error: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Import(#[from] import::ImportError),
    #[error("demo data: {0}")]
    Demo(String),
    #[error("{0}")]
    Command(String),
}

/// An error with the errors that caused it ("error sending request: connection refused").
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

/// Caps glibc's malloc at two arenas. By default it adds one for each thread that allocates; with
/// the SQLite connection threads and the runtime's workers the resident size crept up ~0.4 MiB a
/// minute under the soak. With two it held flat (82 MiB where it had reached 126), at the same
/// throughput and p99. Call before any thread starts.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; M_ARENA_MAX takes a count.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

pub fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // The log goes to standard error, so what a command prints (a new API key, a report) is all
    // of its standard output; colours only for a person at a terminal.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub async fn run(cli: Cli) -> Result<(), StartupError> {
    let settings = cli.settings;
    // These two look at the set-up as it is, without migrating the database.
    match cli.command {
        Some(Command::Doctor) => {
            let report = doctor::examine(&settings).await;
            println!("{report}");
            return if report.problems() == 0 { Ok(()) } else { Err(StartupError::Command("fix the problems above, then run `server doctor` again".into())) };
        }
        Some(Command::Ready) => return cli::ready(settings.addr).await.map_err(StartupError::Command),
        _ => {}
    }
    let store = Store::connect(&settings.database_url).await?;
    let clock = office_clock(&settings, Arc::new(SystemClock))?;
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings, store.clone(), clock).await,
        Command::Import { file } => {
            let summary = import::import_file(&store, &clock, &file).await?;
            println!("{summary}");
            Ok(())
        }
        Command::User { action } => {
            let services = build_services(&settings, store.clone(), clock, None)?;
            let out = cli::user(&services, action).await.map_err(StartupError::Command)?;
            println!("{out}");
            Ok(())
        }
        Command::Apikey { action } => {
            let services = build_services(&settings, store.clone(), clock, None)?;
            let out = cli::apikey(&services, action).await.map_err(StartupError::Command)?;
            println!("{out}");
            Ok(())
        }
        Command::Sync => {
            let services = build_services(&settings, store.clone(), clock, None)?;
            let report = cli::sync(&services).await.map_err(StartupError::Command)?;
            println!("{report}");
            Ok(())
        }
        Command::Check => {
            let report = cli::check(&store, &clock).await.map_err(StartupError::Command)?;
            println!("{report}");
            Ok(())
        }
        Command::Backup { file } => {
            let report = cli::backup(&store, &file).await.map_err(StartupError::Command)?;
            println!("{report}");
            Ok(())
        }
        Command::Doctor | Command::Ready => Ok(()),
        Command::Demo { if_empty } => {
            let summary =
                demo::fill(&store, &clock, &settings.public_base_url(), if_empty).await.map_err(StartupError::Demo)?;
            println!("{summary}");
            Ok(())
        }
    };
    store.close().await;
    result
}

pub fn office_clock(settings: &Settings, clock: Arc<dyn clock::Clock>) -> Result<OfficeClock, StartupError> {
    let zone = match &settings.timezone {
        Some(name) if !name.trim().is_empty() => clock::parse_zone(name).map_err(StartupError::Config)?,
        _ => chrono_tz::Tz::UTC,
    };
    Ok(OfficeClock::new(clock, zone))
}

/// A running server: its address and a handle to stop it.
pub struct App {
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when `ASAP_METRICS_ADDR` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub services: service::Services,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), StartupError>>,
    workers: Option<worker::Workers>,
    feed: worker::Workers,
}

impl App {
    /// Binds `settings.addr` (port 0 picks a free port) and serves in the background, with the
    /// sender and sweeper running unless `settings.workers` is off.
    pub async fn start(settings: Settings, store: Store, clock: OfficeClock) -> Result<App, StartupError> {
        Self::start_with_sms(settings, store, clock, None).await
    }

    /// As `start`, with texts going to the given provider instead of the configured one.
    pub async fn start_with_sms(
        settings: Settings,
        store: Store,
        clock: OfficeClock,
        sms: Option<Arc<dyn sms::SmsProvider>>,
    ) -> Result<App, StartupError> {
        let listener =
            TcpListener::bind(settings.addr).await.map_err(|source| StartupError::Listen { addr: settings.addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Listen { addr: settings.addr, source })?;
        let mut settings = settings.clone();
        settings.addr = addr;
        let services = build_services(&settings, store, clock, sms)?;
        let (stop, mut stopped) = watch::channel(false);
        let router = build_router(&settings, services.clone())?;
        let workers = settings.workers.then(|| worker::Workers::start(services.clone(), stop.subscribe()));
        let feed = worker::Workers::start_feed(services.clone(), stop.subscribe());
        let metrics_addr = match settings.metrics_addr {
            Some(at) => Some(serve_metrics(at, services.clone(), stop.subscribe()).await?),
            None => None,
        };
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
                .map_err(StartupError::Serve)
        });
        Ok(App { addr, metrics_addr, services, stop, task, workers, feed })
    }

    /// Stops accepting, lets requests in flight finish, stops the workers, and waits.
    pub async fn stop(self) -> Result<(), StartupError> {
        let _ = self.stop.send(true);
        let served = self.task.await.map_err(|e| StartupError::Serve(std::io::Error::other(e)))?;
        if let Some(workers) = self.workers {
            workers.join().await;
        }
        self.feed.join().await;
        served
    }
}

/// Installs the metrics recorder and serves `/metrics` on its own listener until `stop`. The
/// recorder keeps histogram samples until a scrape or upkeep folds them, so upkeep runs on a
/// timer too: memory stays flat when nothing scrapes.
async fn serve_metrics(at: SocketAddr, services: service::Services, mut stop: watch::Receiver<bool>) -> Result<SocketAddr, StartupError> {
    let handle = telemetry::install()
        .ok_or_else(|| StartupError::Config("ASAP_METRICS_ADDR: the metrics recorder could not be installed (see the log)".into()))?;
    let listener = TcpListener::bind(at).await.map_err(|source| StartupError::Listen { addr: at, source })?;
    let bound = listener.local_addr().map_err(|source| StartupError::Listen { addr: at, source })?;
    let upkeep = handle.clone();
    let mut upkeep_stop = stop.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = upkeep_stop.wait_for(|s| *s) => return,
                _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => upkeep.run_upkeep(),
            }
        }
    });
    tokio::spawn(async move {
        let served = axum::serve(listener, http::metrics::router(services, handle))
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    tracing::info!(addr = %bound, "metrics on http://{bound}/metrics");
    Ok(bound)
}

/// The use cases with the configured SMS provider and wave plan.
pub fn build_services(
    settings: &Settings,
    store: Store,
    clock: OfficeClock,
    sms: Option<Arc<dyn sms::SmsProvider>>,
) -> Result<service::Services, StartupError> {
    let waves = app::domain::waves::WavePlan::parse_gaps(settings.wave_size, &settings.wave_gaps)
        .map_err(|e| StartupError::Config(format!("ASAP_WAVE_SIZE / ASAP_WAVE_GAPS: {e}")))?;
    let access = service::AccessSettings {
        idle_seconds: i64::from(settings.session_idle_minutes) * 60,
        lifetime_seconds: i64::from(settings.session_hours) * 3600,
        embed_secret: settings.embed_secret.clone(),
        frame_ancestors: settings.frame_ancestors.clone(),
    };
    let mut services = service::Services::new(store, clock, settings.public_base_url()).with_waves(waves).with_ranked_waves(settings.asking_order != "list").with_access(access);
    services.send_lease_seconds = settings.send_lease_seconds;
    let provider: Option<Arc<dyn sms::SmsProvider>> = match (sms, settings.sms_provider) {
        (Some(p), _) => Some(p),
        (None, SmsProviderKind::Outbox) => None,
        (None, SmsProviderKind::Twilio) => Some(Arc::new(
            sms::TwilioProvider::new(twilio_settings(settings)).map_err(|e| StartupError::Config(format!("ASAP_TWILIO_*: {e}")))?,
        )),
    };
    if let Some(p) = provider {
        services = services.with_sms(p);
    }
    if !settings.smtp_url.trim().is_empty() {
        let smtp = email::SmtpProvider::new(&settings.smtp_url, &settings.email_from).map_err(StartupError::Config)?;
        services = services.with_email(Arc::new(smtp));
    }
    if !settings.opendental_url.trim().is_empty() {
        let connection = opendental::Connection::new(&settings.opendental_url, &settings.opendental_key).map_err(StartupError::Config)?;
        let od = opendental::OpenDental::new(connection).map_err(StartupError::Config)?;
        let sync = service::SyncSettings {
            interval: std::time::Duration::from_secs(settings.opendental_sync_seconds),
            recheck_within: std::time::Duration::from_millis(settings.opendental_recheck_ms),
            write_lease: std::time::Duration::from_secs(settings.opendental_write_lease_seconds),
        };
        services = services.with_opendental(Arc::new(od), sync);
    }
    Ok(services)
}

fn twilio_settings(settings: &Settings) -> sms::TwilioSettings {
    sms::TwilioSettings {
        base_url: settings.twilio_base_url.clone(),
        account_sid: settings.twilio_account_sid.clone(),
        auth_token: settings.twilio_auth_token.clone(),
        from: settings.twilio_from.clone(),
        status_callback: Some(format!("{}{}", settings.public_base_url(), http::sms::STATUS_PATH)),
    }
}

fn build_router(settings: &Settings, services: service::Services) -> Result<axum::Router, StartupError> {
    let shared_limit = services.store.backend() == store::Backend::Postgres;
    let api_keys = ApiKeys::new(&settings.api_keys, settings.rate_limit, shared_limit).map_err(StartupError::Config)?;
    if api_keys.is_empty() {
        tracing::info!("no API keys in ASAP_API_KEYS: /api/v1 takes only the keys made with `server apikey add`");
    }
    if let Some(why) = http::pages_problem(&settings.site_root) {
        tracing::error!("the pages' files: {why}; pages will load without their scripts and styles (`server doctor` says how to fix it)");
    }
    let hashes = http::build_hashes();
    let leptos_options = LeptosOptions::builder()
        .output_name("asap")
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .env(Env::PROD)
        .hash_files(hashes.is_some())
        .build();
    let stylesheet = http::stylesheet_href(hashes.as_ref());
    let sms_webhook = (!settings.twilio_auth_token.is_empty()).then(|| http::sms::WebhookAuth {
        auth_token: settings.twilio_auth_token.clone(),
        public_url: settings.public_base_url(),
    });
    let https = settings.public_base_url().starts_with("https://");
    let state = AppState::new(http::AppSettings { services, leptos_options, api_keys: Arc::new(api_keys), sms_webhook, https, stylesheet });
    Ok(http::router(state, &settings.frame_ancestors))
}

async fn serve(settings: Settings, store: Store, clock: OfficeClock) -> Result<(), StartupError> {
    {
        let mut conn = store.pool().acquire().await.map_err(store::StoreError::from)?;
        if store::office::count(&mut conn, "SELECT COUNT(*) FROM staffuser").await? == 0 {
            tracing::warn!("no staff users yet: add the first administrator with `server user add NAME --admin`");
        }
    }
    let app = App::start(settings, store, clock).await?;
    tracing::info!(addr = %app.addr, "serving on http://{}", app.addr);
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests in flight");
    app.stop().await
}

/// Ctrl-C, or SIGTERM from a process supervisor.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
