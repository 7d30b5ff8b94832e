//! `newsfeed-ingest`: the HTTP front door. Reads its settings and serves until
//! SIGINT/SIGTERM; see the library for the rest.

use clap::Parser;

// Large request bodies parse into many small allocations; mimalloc hands
// the memory back to the system after them, where glibc's allocator kept
// the heap grown.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use newsfeed_ingest::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let telemetry = config.telemetry.clone();
    newsfeed_runtime::service::run("ingest", &telemetry, |shutdown| {
        newsfeed_ingest::run(config, shutdown)
    })
    .await
}
