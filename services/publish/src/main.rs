//! `newsfeed-publish`: releases tagged stories and serves them to readers. Reads its settings, sets up
//! telemetry, and serves until SIGINT/SIGTERM; see the library for the rest.

use clap::Parser;
use newsfeed_publish::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    newsfeed_runtime::telemetry::init("publish");
    let shutdown = newsfeed_runtime::shutdown::on_signal();
    match newsfeed_publish::run(config, shutdown).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("newsfeed-publish: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
