//! `newsfeed-ingest`: the HTTP front door. Reads its settings and serves until
//! SIGINT/SIGTERM; see the library for the rest.

use clap::Parser;
use newsfeed_ingest::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    newsfeed_runtime::service::run("ingest", |shutdown| newsfeed_ingest::run(config, shutdown))
        .await
}
