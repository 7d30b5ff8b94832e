//! Enrich's work on one record: decode the ingested event, tag the story,
//! and emit the enriched event. Records that are not article events go to
//! the dead-letter topic with the reason.

use std::sync::Arc;

use chrono::Utc;
use newsfeed_model::EventType;
use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::cloudevents::{TraceParent, headers};
use newsfeed_runtime::exactly_once::{Output, Processor, Rejection, decode_event};
use rdkafka::message::BorrowedMessage;

use crate::taxonomy::SharedTagger;

/// The enrich stage.
#[derive(Debug)]
pub struct Enrich {
    tagger: SharedTagger,
    output: String,
    metrics: Arc<StageMetrics>,
}

impl Enrich {
    /// Tags with `tagger` and writes to `output`.
    pub fn new(tagger: SharedTagger, output: String, metrics: Arc<StageMetrics>) -> Self {
        Self {
            tagger,
            output,
            metrics,
        }
    }
}

impl Processor for Enrich {
    /// Tagging is pure: a story the tagger panics on (a bug) goes to the
    /// dead-letter topic and the rest flow on.
    fn panics_leave_it_unchanged(&self) -> bool {
        true
    }

    fn process(
        &mut self,
        record: &BorrowedMessage<'_>,
        trace: &TraceParent,
    ) -> Result<Vec<Output>, Rejection> {
        let mut event = decode_event(record)?;
        let started = std::time::Instant::now();
        let tagger = self.tagger.get();
        let mut enrichment = tagger.enrich(&mut event.article);
        self.metrics.observe("tag", started.elapsed());
        let now = Utc::now();
        enrichment.enriched_at = Some(now);
        event.enrichment = Some(enrichment);
        let payload = serde_json::to_vec(&event).map_err(|e| Rejection {
            reason: "unencodable",
            detail: e.to_string(),
        })?;
        Ok(vec![Output {
            topic: self.output.clone(),
            partition: None,
            key: event.article.uri.clone().unwrap_or_default().into_bytes(),
            headers: headers(&event, EventType::Enriched, "enrich", now, trace),
            payload: Some(payload),
            article: Some(event.ingested_at),
        }])
    }
}
