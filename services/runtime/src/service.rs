//! The frame every service binary runs in: telemetry (logs, span export), the shutdown signal,
//! and an exit code that tells an orchestrator what happened.

use std::future::Future;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::telemetry::TelemetryArgs;

/// Runs `service` until it returns: 0 after a clean shutdown, 1 (with the
/// error chain logged and on stderr) when it failed.
pub async fn run<F, Fut>(name: &'static str, telemetry: &TelemetryArgs, service: F) -> ExitCode
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let exporter = match crate::telemetry::init(name, telemetry) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("newsfeed-{name}: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = crate::shutdown::on_signal();
    let code = match service(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("newsfeed-{name}: {e:#}");
            ExitCode::FAILURE
        }
    };
    exporter.shutdown();
    code
}
