//! Record headers: the CloudEvents Kafka protocol binding in binary content
//! mode, plus W3C trace context, so any CloudEvents SDK can read our records.

use chrono::{DateTime, Utc};
use newsfeed_model::{ArticleEvent, EventType};
use rdkafka::message::{Header, Headers, OwnedHeaders};

/// `ce_source` of events written by `service`.
pub fn source(service: &str) -> String {
    format!("/newsfeed/{service}")
}

/// Headers for `event` of `kind` written by `service`, continuing `trace`.
pub fn headers(
    event: &ArticleEvent,
    kind: EventType,
    service: &str,
    time: DateTime<Utc>,
    trace: &TraceParent,
) -> OwnedHeaders {
    let id = event.event_id(kind);
    let time = newsfeed_model::event::proto_timestamp::format(&time);
    let mut h = OwnedHeaders::new_with_capacity(8)
        .insert(header("ce_specversion", "1.0"))
        .insert(header("ce_id", &id))
        .insert(header("ce_source", &source(service)))
        .insert(header("ce_type", kind.ce_type()))
        .insert(header("ce_time", &time))
        .insert(header("content-type", "application/json"));
    if let Some(uri) = event.article.uri.as_deref() {
        h = h.insert(header("ce_subject", uri));
    }
    h.insert(header("traceparent", &trace.to_string()))
}

fn header<'a>(key: &'a str, value: &'a str) -> Header<'a, &'a str> {
    Header {
        key,
        value: Some(value),
    }
}

/// The value of header `key`, if present and UTF-8.
pub fn header_str<'a, H: Headers>(headers: &'a H, key: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.key == key)
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
}

/// A W3C `traceparent`: version 00, trace id, parent (span) id, flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    sampled: bool,
}

impl TraceParent {
    /// Starts a new trace.
    pub fn new_root() -> Self {
        let trace_id = *uuid::Uuid::new_v4().as_bytes();
        Self {
            trace_id,
            span_id: new_span_id(),
            sampled: true,
        }
    }

    /// Parses a `traceparent` header value.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().split('-');
        let (version, trace, span, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version.len() != 2
            || version == "ff"
            || trace.len() != 32
            || span.len() != 16
            || flags.len() != 2
        {
            return None;
        }
        let mut trace_id = [0u8; 16];
        let mut span_id = [0u8; 8];
        hex_decode(trace, &mut trace_id)?;
        hex_decode(span, &mut span_id)?;
        let flags = u8::from_str_radix(flags, 16).ok()?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(Self {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// The same trace, with a new span for the next hop.
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id,
            span_id: new_span_id(),
            sampled: self.sampled,
        }
    }

    /// Continues the trace in `value`, or starts one when it is absent or invalid.
    pub fn continue_from(value: Option<&str>) -> Self {
        value
            .and_then(Self::parse)
            .map(|t| t.child())
            .unwrap_or_else(Self::new_root)
    }

    /// The trace id as 32 hex digits.
    pub fn trace_id(&self) -> String {
        hex(&self.trace_id)
    }

    /// The raw trace id, span id and sampled flag.
    pub fn ids(&self) -> ([u8; 16], [u8; 8], bool) {
        (self.trace_id, self.span_id, self.sampled)
    }

    /// This hop's span id as 16 hex digits (the parent id the next hop sees).
    pub fn span_id(&self) -> String {
        hex(&self.span_id)
    }
}

impl std::fmt::Display for TraceParent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            hex(&self.trace_id),
            hex(&self.span_id),
            u8::from(self.sampled)
        )
    }
}

fn new_span_id() -> [u8; 8] {
    let mut id = [0u8; 8];
    id.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..8]);
    id
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str, out: &mut [u8]) -> Option<()> {
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_round_trips_and_children_keep_the_trace() {
        let root = TraceParent::new_root();
        let parsed = TraceParent::parse(&root.to_string()).unwrap();
        assert_eq!(parsed, root);
        let child = root.child();
        assert_eq!(child.trace_id(), root.trace_id());
        assert_ne!(child.to_string(), root.to_string());
        assert!(
            TraceParent::parse("00-00000000000000000000000000000000-0000000000000001-01").is_none()
        );
        assert!(TraceParent::parse("garbage").is_none());
    }
}
