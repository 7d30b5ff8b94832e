//! Tracing, set up once per process from [`TelemetryArgs`]: a filter (`RUST_LOG`,
//! default `info`) and a format (`NEWSFEED_LOG_FORMAT`: `text`, or `json`
//! for one JSON object per line). Text has colour only on a terminal.
//!
//! Work on one story runs inside a [`story_span`]: in JSON, every line
//! logged inside it carries the span's fields at the top level —
//! `trace_id`, `span_id`, `uri`, and `topic`/`partition`/`offset` for a
//! Kafka record — so one `jq 'select(.trace_id == …)'` follows a story
//! through every service.

use std::io::IsTerminal;

use rdkafka::message::Message;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::cloudevents::TraceParent;
use crate::spans::{Exporter, SpanArgs};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (coloured only when stderr is a terminal).
    Text,
    /// One JSON object per line, span fields flattened in.
    Json,
}

/// An unknown format stops the service: a typo must not silently give
/// operators a format their log pipeline cannot read.
fn parse_log_format(value: &str) -> Result<LogFormat, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(format!(
            "NEWSFEED_LOG_FORMAT: `{}` is not a log format; use text or json",
            newsfeed_model::echo::clip(value)
        )),
    }
}

/// The logging and span-export flags every service takes.
#[derive(Debug, Clone, clap::Args)]
pub struct TelemetryArgs {
    /// Log line format: `text` or `json`.
    #[arg(long, env = "NEWSFEED_LOG_FORMAT", value_parser = parse_log_format, default_value = "text")]
    pub log_format: LogFormat,

    /// Which log lines to write, as `tracing` filter directives (e.g. `info,newsfeed_publish=debug`).
    #[arg(long, env = "RUST_LOG", default_value = "info,rdkafka=warn")]
    pub log_filter: String,

    /// Span export (OpenTelemetry OTLP).
    #[command(flatten)]
    pub spans: SpanArgs,
}

/// Installs the global subscriber, writing to stderr, and starts span
/// export when it is configured.
pub fn init(service: &'static str, args: &TelemetryArgs) -> anyhow::Result<Exporter> {
    let exporter = crate::spans::install(service, &args.spans)?;
    let filter = EnvFilter::try_new(&args.log_filter).unwrap_or_else(|e| {
        eprintln!("newsfeed-{service}: RUST_LOG: {e}; using `info`");
        EnvFilter::new("info,rdkafka=warn")
    });
    let installed = match args.log_format {
        LogFormat::Json => tracing_subscriber::registry()
            .with(filter)
            .with(SpanFieldsLayer)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .event_format(JsonLines),
            )
            .try_init(),
        LogFormat::Text => tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::stderr().is_terminal()),
            )
            .try_init(),
    };
    if installed.is_ok() {
        tracing::info!(service, version = env!("CARGO_PKG_VERSION"), "starting");
    }
    Ok(exporter)
}

/// The span of one stage's work on one Kafka record: its trace, its story
/// (the record key) and its coordinates.
pub fn record_span(
    stage: &'static str,
    record: &impl Message,
    trace: &TraceParent,
) -> tracing::Span {
    let uri = record
        .key()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    tracing::info_span!(
        "story",
        stage,
        trace_id = %trace.trace_id(),
        span_id = %trace.span_id(),
        uri = %newsfeed_model::echo::clip_uri(&uri),
        topic = record.topic(),
        partition = record.partition(),
        offset = record.offset(),
    )
}

/// The span of handling one story outside a record (an HTTP request, an
/// embargo lifting); `uri` may be recorded later, once it is known.
pub fn story_span(stage: &'static str, trace: &TraceParent) -> tracing::Span {
    tracing::info_span!(
        "story",
        stage,
        trace_id = %trace.trace_id(),
        span_id = %trace.span_id(),
        uri = tracing::field::Empty,
    )
}

/// Keeps each span's fields as JSON values, for [`JsonLines`].
struct SpanFieldsLayer;

/// A span's fields, in its extensions.
struct SpanFields(Map<String, Value>);

impl<S> tracing_subscriber::Layer<S> for SpanFieldsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(SpanFields(fields)) = ext.get_mut::<SpanFields>() {
            values.record(&mut JsonVisitor(fields));
        }
    }
}

/// One JSON object per line: time, level, target, the fields of every
/// enclosing span (outermost first), then the event's own fields.
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        );
        line.insert("level".into(), Value::String(meta.level().to_string()));
        line.insert("target".into(), Value::String(meta.target().to_owned()));
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        event.record(&mut JsonVisitor(&mut line));
        let text = serde_json::to_string(&line).map_err(|_| std::fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// Records `tracing` fields into a JSON object.
struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().into(), Value::String(value.into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::Bool(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::String(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_lines_carry_the_story_span_fields() {
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::registry().with(SpanFieldsLayer).with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || writer.clone())
                .event_format(JsonLines),
        );
        let trace = TraceParent::new_root();
        tracing::subscriber::with_default(subscriber, || {
            let span = story_span("ingest", &trace);
            let _in = span.enter();
            span.record("uri", "urn:x:1");
            tracing::warn!(reason = "invalid", partition = 3, "article rejected");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["trace_id"], trace.trace_id());
        assert_eq!(line["span_id"], trace.span_id());
        assert_eq!(line["uri"], "urn:x:1");
        assert_eq!(line["reason"], "invalid");
        assert_eq!(line["partition"], 3);
        assert_eq!(line["message"], "article rejected");
        assert_eq!(line["level"], "WARN");
    }

    #[test]
    fn an_unknown_log_format_is_refused() {
        use clap::Parser;
        #[derive(Debug, clap::Parser)]
        struct Cli {
            #[command(flatten)]
            log: TelemetryArgs,
        }
        assert_eq!(
            Cli::try_parse_from(["x", "--log-format", "JSON"])
                .unwrap()
                .log
                .log_format,
            LogFormat::Json
        );
        let err = Cli::try_parse_from(["x", "--log-format", "xml"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("NEWSFEED_LOG_FORMAT: `xml` is not a log format; use text or json"),
            "{err}"
        );
    }
}
