//! `newsfeed-publish`: releases tagged stories and serves them to readers.
//! Reads its settings and runs until SIGINT/SIGTERM; see the library.

use clap::Parser;
use newsfeed_publish::Config;

// Bursts of stories allocate and free many buffers; mimalloc gives the
// memory back, so the resident set follows what publish holds now.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let telemetry = config.telemetry.clone();
    newsfeed_runtime::service::run("publish", &telemetry, |shutdown| {
        newsfeed_publish::run(config, shutdown)
    })
    .await
}
