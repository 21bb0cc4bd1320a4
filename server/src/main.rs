//! The `server` command: parses the command line and hands it to the library.

use clap::Parser;
use server::config::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    server::limit_malloc_arenas();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(serve()),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> ExitCode {
    let cli = Cli::parse();
    server::init_tracing(cli.settings.log_format);
    match server::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
