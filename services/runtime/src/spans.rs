//! Span export with OpenTelemetry (OTLP over HTTP/protobuf), on only when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//! is set.
//!
//! A story's trace is the W3C trace context it carries in its records'
//! `traceparent` header ([`TraceParent`]): each hop — ingest's request,
//! enrich's and publish's work on a record, a webhook delivery — is one
//! span whose id is the `traceparent` the hop hands on, and whose parent is
//! the one it received. The exported spans therefore join up exactly as the
//! headers and the log lines (`trace_id`, `span_id`) do.

use std::cell::Cell;
use std::sync::OnceLock;

use anyhow::{Context, bail};
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId,
    TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context as OtelContext, KeyValue};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator, SdkTracer, SdkTracerProvider};

use crate::cloudevents::TraceParent;

/// The span-export flags; each is also the standard OpenTelemetry variable.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SpanArgs {
    /// Where to send spans (OTLP over HTTP), e.g. `http://collector:4318`;
    /// `/v1/traces` is appended. Unset: spans are not exported.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otel_exporter_otlp_endpoint: Option<String>,

    /// The full URL for spans, overriding the endpoint above.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
    pub otel_exporter_otlp_traces_endpoint: Option<String>,

    /// The OTLP protocol: `http/protobuf` (the only one supported).
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_PROTOCOL",
        default_value = "http/protobuf"
    )]
    pub otel_exporter_otlp_protocol: String,

    /// The `service.name` resource attribute (default `newsfeed-<service>`).
    #[arg(long, env = "OTEL_SERVICE_NAME")]
    pub otel_service_name: Option<String>,

    /// More resource attributes, `key=value,…` (e.g. `deployment.environment=prod`).
    #[arg(long, env = "OTEL_RESOURCE_ATTRIBUTES", default_value = "")]
    pub otel_resource_attributes: String,
}

impl SpanArgs {
    /// The traces URL, when export is on.
    fn traces_url(&self) -> Option<String> {
        let set = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        set(&self.otel_exporter_otlp_traces_endpoint).or_else(|| {
            set(&self.otel_exporter_otlp_endpoint)
                .map(|e| format!("{}/v1/traces", e.trim_end_matches('/')))
        })
    }

    /// Checks the settings and says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.traces_url().is_some() && self.otel_exporter_otlp_protocol != "http/protobuf" {
            bail!(
                "OTEL_EXPORTER_OTLP_PROTOCOL: `{}` is not supported; use http/protobuf",
                self.otel_exporter_otlp_protocol
            );
        }
        self.resource_attributes()?;
        Ok(())
    }

    fn resource_attributes(&self) -> anyhow::Result<Vec<KeyValue>> {
        self.otel_resource_attributes
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    Ok(KeyValue::new(k.trim().to_owned(), v.trim().to_owned()))
                }
                _ => bail!("OTEL_RESOURCE_ATTRIBUTES: `{pair}` is not key=value"),
            })
            .collect()
    }
}

/// The installed exporter; [`Exporter::shutdown`] sends what is buffered.
#[derive(Debug)]
pub struct Exporter(Option<SdkTracerProvider>);

static TRACER: OnceLock<SdkTracer> = OnceLock::new();

thread_local! {
    /// The ids the span being built on this thread must take.
    static NEXT_IDS: Cell<Option<([u8; 16], [u8; 8])>> = const { Cell::new(None) };
}

/// Gives a hop's span the ids its `traceparent` already carries (random
/// ones for spans built outside [`Hop::start`]).
#[derive(Debug, Default)]
struct HopIds(RandomIdGenerator);

impl IdGenerator for HopIds {
    fn new_trace_id(&self) -> TraceId {
        NEXT_IDS
            .get()
            .map_or_else(|| self.0.new_trace_id(), |(t, _)| TraceId::from_bytes(t))
    }

    fn new_span_id(&self) -> SpanId {
        NEXT_IDS
            .get()
            .map_or_else(|| self.0.new_span_id(), |(_, s)| SpanId::from_bytes(s))
    }
}

/// Starts exporting spans if `args` name an endpoint.
pub fn install(service: &'static str, args: &SpanArgs) -> anyhow::Result<Exporter> {
    args.validate()?;
    let Some(url) = args.traces_url() else {
        return Ok(Exporter(None));
    };
    let name = args
        .otel_service_name
        .clone()
        .unwrap_or_else(|| format!("newsfeed-{service}"));
    let resource = Resource::builder()
        .with_service_name(name)
        .with_attributes(args.resource_attributes()?)
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    // The blocking HTTP client may neither be built nor dropped on an async
    // executor thread: do both on a thread of their own.
    let provider = std::thread::spawn(move || -> anyhow::Result<SdkTracerProvider> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(url)
            .build()
            .context("OTEL_EXPORTER_OTLP_ENDPOINT: building the OTLP span exporter")?;
        Ok(SdkTracerProvider::builder()
            .with_id_generator(HopIds::default())
            .with_resource(resource)
            .with_batch_exporter(exporter)
            .build())
    })
    .join()
    .map_err(|_| anyhow::anyhow!("building the OTLP span exporter panicked"))??;
    let _ = TRACER.set(provider.tracer("newsfeed"));
    Ok(Exporter(Some(provider)))
}

impl Exporter {
    /// Sends the spans still buffered and stops exporting.
    pub fn shutdown(self) {
        if let Some(provider) = self.0 {
            let _ = std::thread::spawn(move || {
                if let Err(e) = provider.shutdown() {
                    eprintln!("exporting the last spans failed: {e}");
                }
            })
            .join();
        }
    }
}

/// The OpenTelemetry messaging attributes of consuming `record`.
pub fn record_attributes(record: &impl rdkafka::Message) -> Vec<KeyValue> {
    let mut a = vec![
        KeyValue::new("messaging.system", "kafka"),
        KeyValue::new("messaging.operation.type", "process"),
        KeyValue::new("messaging.destination.name", record.topic().to_owned()),
        KeyValue::new(
            "messaging.destination.partition.id",
            record.partition().to_string(),
        ),
        KeyValue::new("messaging.kafka.offset", record.offset()),
    ];
    if let Some(key) = record.key() {
        a.push(KeyValue::new(
            "newsfeed.story.uri",
            newsfeed_model::echo::clip_uri(&String::from_utf8_lossy(key)),
        ));
    }
    a
}

/// One hop of a story's trace, exported when it ends (on drop).
#[derive(Debug)]
pub struct Hop(Option<opentelemetry_sdk::trace::Span>);

impl Hop {
    /// Starts hop `name` of kind `kind`: span `this`, child of `parent`
    /// (the `traceparent` received; `None` for a trace's first hop).
    pub fn start(
        name: &'static str,
        kind: SpanKind,
        parent: Option<&TraceParent>,
        this: &TraceParent,
        attributes: Vec<KeyValue>,
    ) -> Self {
        let Some(tracer) = TRACER.get() else {
            return Self(None);
        };
        let (trace_id, span_id, sampled) = this.ids();
        let builder = tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes);
        let cx = match parent {
            Some(p) => {
                let (t, s, sampled) = p.ids();
                let flags = if sampled {
                    TraceFlags::SAMPLED
                } else {
                    TraceFlags::default()
                };
                let remote = SpanContext::new(
                    TraceId::from_bytes(t),
                    SpanId::from_bytes(s),
                    flags,
                    true,
                    TraceState::default(),
                );
                OtelContext::new().with_remote_span_context(remote)
            }
            None if sampled => OtelContext::new(),
            None => return Self(None),
        };
        // The span takes the ids of `this` (see `HopIds`); building is
        // synchronous, so the thread-local cannot be seen by another span.
        NEXT_IDS.set(Some((trace_id, span_id)));
        let span = tracer.build_with_context(builder, &cx);
        NEXT_IDS.set(None);
        Self(Some(span))
    }

    /// Adds an attribute.
    pub fn set(&mut self, key: &'static str, value: impl Into<opentelemetry::Value>) {
        if let Some(span) = &mut self.0 {
            span.set_attribute(KeyValue::new(key, value));
        }
    }

    /// Marks the hop failed, saying why.
    pub fn fail(&mut self, why: impl Into<String>) {
        if let Some(span) = &mut self.0 {
            span.set_status(Status::error(why.into()));
        }
    }
}

impl Drop for Hop {
    fn drop(&mut self) {
        if let Some(span) = &mut self.0 {
            span.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_the_specification() {
        let mut a = SpanArgs {
            otel_exporter_otlp_protocol: "http/protobuf".into(),
            ..SpanArgs::default()
        };
        assert_eq!(a.traces_url(), None);
        a.otel_exporter_otlp_endpoint = Some("http://c:4318/".into());
        assert_eq!(a.traces_url().as_deref(), Some("http://c:4318/v1/traces"));
        a.otel_exporter_otlp_traces_endpoint = Some("http://t:1/x".into());
        assert_eq!(a.traces_url().as_deref(), Some("http://t:1/x"));
        a.otel_exporter_otlp_protocol = "grpc".into();
        assert!(
            a.validate()
                .unwrap_err()
                .to_string()
                .starts_with("OTEL_EXPORTER_OTLP_PROTOCOL")
        );
        a.otel_exporter_otlp_protocol = "http/protobuf".into();
        a.otel_resource_attributes = "deployment.environment=prod, team = news".into();
        assert_eq!(a.resource_attributes().unwrap().len(), 2);
        a.otel_resource_attributes = "nonsense".into();
        assert!(a.validate().is_err());
    }

    #[test]
    fn without_an_endpoint_hops_cost_nothing() {
        let t = TraceParent::new_root();
        let mut hop = Hop::start("x", SpanKind::Internal, None, &t, vec![]);
        hop.set("k", "v");
        assert!(hop.0.is_none());
    }
}
