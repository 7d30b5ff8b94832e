//! `newsfeed-ingest`: the HTTP front door. Reads its settings, sets up
//! telemetry, and serves until SIGINT/SIGTERM; see the library for the rest.

use clap::Parser;
use newsfeed_ingest::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    newsfeed_runtime::telemetry::init("ingest");
    let shutdown = newsfeed_runtime::shutdown::on_signal();
    match newsfeed_ingest::run(config, shutdown).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("newsfeed-ingest: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
