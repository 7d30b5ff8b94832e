//! One delivery worker per active subscription: a consumer of
//! `<prefix>articles.published` in the subscription's own group
//! (`<prefix>publish.webhook.<id>`), so the instances of publish share a
//! subscription's partitions and a restart resumes at the group's offsets.
//!
//! A worker takes one record at a time and commits its offset only once the
//! subscriber acknowledged it or it went to `<prefix>webhooks.dlq`: delivery
//! is at least once, and a duplicate is always a re-send with the same
//! `webhook-id`. Strictly one record at a time also keeps every story's
//! events in order and means a subscriber gets one request at a time.
//! Each worker has its own thread (the consumer blocks) and its own retry
//! clock, so a slow or dead subscriber delays nobody else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use newsfeed_model::{ArticleEvent, EventType};
use newsfeed_runtime::cloudevents::{TraceParent, header_str};
use newsfeed_runtime::kafka::{ObservedContext, until_connected};
use newsfeed_runtime::spans::Hop;
use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::producer::FutureRecord;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::delivery::{Deliveries, dead_letter_headers, post_signed, webhook_body};
use super::signing::Secret;
use super::subscriptions::{DeliveryStats, Status, Subscription};
use crate::stage::reader_topics_of;

/// Sets the group of a new subscription at the current end of the published
/// topic before the subscription exists (blocking), so it receives exactly
/// the stories published after it registered. This stands in for
/// `auto.offset.reset=latest`, which would also skip stories published
/// between the 201 and the worker's first join; the groups' `earliest`
/// reset only applies if this commit were lost (e.g. offsets expired).
pub(crate) fn start_at_end(ctx: &Deliveries, subscription: &Subscription) -> anyhow::Result<()> {
    let consumer: BaseConsumer<ObservedContext> = ctx
        .clients
        .consumer(&subscription.group_suffix(), ObservedContext::default())?;
    let topic = &ctx.topics.published;
    let timeout = ctx.clients.args().timeout();
    let meta = consumer.fetch_metadata(Some(topic), timeout)?;
    let mut tpl = TopicPartitionList::new();
    for p in meta.topics().iter().flat_map(|t| t.partitions()) {
        // With read_committed this is the last stable offset: an open
        // transaction's stories still come after it.
        let (_, end) = newsfeed_runtime::kafka::watermarks(&consumer, topic, p.id(), timeout)?;
        tpl.add_partition_offset(topic, p.id(), Offset::Offset(end))?;
    }
    if tpl.count() == 0 {
        anyhow::bail!("{topic} has no partitions yet");
    }
    consumer.commit(&tpl, CommitMode::Sync)?;
    Ok(())
}

/// A running worker.
#[derive(Debug)]
pub(crate) struct Worker {
    cancel: CancellationToken,
    thread: std::thread::JoinHandle<()>,
}

impl Worker {
    /// Starts delivering to `subscription`, signing with its opened
    /// `secret`, until `cancel` fires or it is deleted or disabled.
    pub(crate) fn spawn(
        ctx: Arc<Deliveries>,
        subscription: Subscription,
        secret: Secret,
        cancel: CancellationToken,
    ) -> std::io::Result<Self> {
        let token = cancel.clone();
        let thread = std::thread::Builder::new()
            .name(format!("webhook-{}", &subscription.id))
            .spawn(move || {
                let stats = ctx
                    .journal
                    .read()
                    .instance_stats(&subscription.id, ctx.journal.instance());
                let mut run = Run {
                    ctx,
                    subscription,
                    secret,
                    cancel: token,
                    stats,
                    dirty: false,
                    flushed: Instant::now(),
                    dead_in_a_row: 0,
                };
                run.run();
            })?;
        Ok(Self { cancel, thread })
    }

    /// Asks the worker to stop after the request in hand.
    pub(crate) fn stop(&self) {
        self.cancel.cancel();
    }

    /// True once the thread ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the thread (blocking).
    pub(crate) fn join(self) {
        let _ = self.thread.join();
    }
}

/// What became of one record.
enum Outcome {
    /// Delivered, dead-lettered or not for this subscriber: commit it.
    Done,
    /// Stopped before it was done: leave it uncommitted for a later re-send.
    Interrupted,
    /// Done, and the subscription is to be disabled for this reason.
    Disable(String),
}

/// How sending one event ended.
enum Sent {
    /// The subscriber answered 2xx.
    Acknowledged,
    /// Every attempt allowed failed; `error` is the last one's.
    GaveUp { error: String, attempts: u32 },
    /// The worker was stopped between attempts.
    Stopped,
}

/// One worker's state on its thread.
struct Run {
    ctx: Arc<Deliveries>,
    subscription: Subscription,
    secret: Secret,
    cancel: CancellationToken,
    stats: DeliveryStats,
    dirty: bool,
    flushed: Instant,
    dead_in_a_row: u32,
}

impl Run {
    fn run(&mut self) {
        let id = self.subscription.id.clone();
        let Some(consumer) = self.connect() else {
            return;
        };
        tracing::info!(subscription = %id, origin = %self.subscription.origin(), "webhook deliveries started");
        while !self.cancel.is_cancelled() {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(record)) => {
                    let ctx = self.ctx.clone();
                    let parent = record
                        .headers()
                        .and_then(|h| header_str(h, "traceparent"))
                        .and_then(TraceParent::parse);
                    let trace = parent
                        .as_ref()
                        .map_or_else(TraceParent::new_root, TraceParent::child);
                    let span =
                        newsfeed_runtime::telemetry::record_span("webhooks", &record, &trace);
                    let mut attributes = newsfeed_runtime::spans::record_attributes(&record);
                    attributes.push(KeyValue::new("newsfeed.webhook.subscription", id.clone()));
                    let mut hop = Hop::start(
                        "webhooks",
                        SpanKind::Consumer,
                        parent.as_ref(),
                        &trace,
                        attributes,
                    );
                    let handled = self.handle(&record, &trace).instrument(span);
                    let outcome = ctx.runtime.block_on(handled);
                    if let Outcome::Disable(why) = &outcome {
                        hop.fail(why.clone());
                    }
                    drop(hop);
                    match outcome {
                        Outcome::Done => commit(&consumer, &record),
                        Outcome::Interrupted => break,
                        Outcome::Disable(reason) => {
                            commit(&consumer, &record);
                            ctx.runtime.block_on(self.disable(reason));
                            break;
                        }
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!(subscription = %id, error = %e, "webhook consumer error")
                }
                None => {}
            }
            self.ctx.runtime.clone().block_on(self.flush(false));
        }
        self.ctx.runtime.clone().block_on(self.flush(true));
        tracing::info!(subscription = %id, "webhook deliveries stopped");
    }

    fn connect(&self) -> Option<BaseConsumer<ObservedContext>> {
        let (ctx, suffix) = (&self.ctx, self.subscription.group_suffix());
        let topic = ctx.topics.published.clone();
        ctx.runtime
            .block_on(until_connected("webhook consumer", &self.cancel, || {
                // Lag is not reported: one gauge per topic cannot tell groups apart.
                let c = ctx.clients.consumer(&suffix, ObservedContext::default());
                let c = c.and_then(|c| Ok(c.subscribe(&[&topic]).map(|()| c)?));
                async move { c }
            }))
    }

    async fn handle(&mut self, record: &BorrowedMessage<'_>, trace: &TraceParent) -> Outcome {
        if !self.ctx.journal.read().is_active(&self.subscription.id) {
            return Outcome::Interrupted;
        }
        let Some(payload) = record.payload() else {
            return Outcome::Done;
        };
        let event: ArticleEvent = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => {
                let detail = format!("not an ArticleEvent: {e}");
                return self
                    .dead_letter(record, "undecodable", &detail, "", 0)
                    .await;
            }
        };
        if !self.subscription.wants(&reader_topics_of(record, &event)) {
            return Outcome::Done;
        }
        // The record's CloudEvents id is stable per story version, so every
        // re-send of this event carries the same webhook-id.
        let msg_id = record
            .headers()
            .and_then(|h| header_str(h, "ce_id"))
            .map(str::to_owned)
            .unwrap_or_else(|| event.event_id(EventType::Published));
        let body = webhook_body(&event);
        match self.deliver(&msg_id, body, trace).await {
            Sent::Acknowledged => {
                self.dead_in_a_row = 0;
                Outcome::Done
            }
            Sent::GaveUp { error, attempts } => {
                self.dead_in_a_row += 1;
                match self
                    .dead_letter(record, "delivery_failed", &error, &msg_id, attempts)
                    .await
                {
                    Outcome::Done if self.dead_in_a_row >= self.ctx.settings.disable_after => {
                        Outcome::Disable(format!(
                            "{} events in a row could not be delivered; last error: {error}",
                            self.dead_in_a_row
                        ))
                    }
                    other => other,
                }
            }
            Sent::Stopped => Outcome::Interrupted,
        }
    }

    /// Sends until acknowledged, the retry budget is spent, or stopped;
    /// every attempt carries the delivery's `traceparent`, so a subscriber
    /// can continue the story's trace.
    async fn deliver(&mut self, msg_id: &str, body: Vec<u8>, trace: &TraceParent) -> Sent {
        let traceparent = trace.to_string();
        let (ctx, id) = (self.ctx.clone(), self.subscription.id.clone());
        let first = Instant::now();
        let mut failed = 0;
        loop {
            let started = Instant::now();
            let sent = post_signed(
                &ctx.http,
                &self.subscription.url,
                &self.secret,
                msg_id,
                body.clone(),
                Some(&traceparent),
            )
            .await;
            ctx.metrics.attempted(started.elapsed());
            let error = match sent {
                Ok(r) if r.status().is_success() => {
                    ctx.metrics.delivered(&id, msg_id, failed + 1);
                    self.stats.delivered += 1;
                    self.stats.last_delivery_at = Some(Utc::now());
                    self.dirty = true;
                    return Sent::Acknowledged;
                }
                Ok(r) => format!("HTTP {}", r.status()),
                Err(e) => e.to_string(),
            };
            failed += 1;
            self.stats.last_error = Some(error.clone());
            self.stats.last_error_at = Some(Utc::now());
            self.dirty = true;
            let delay = ctx.settings.backoff(failed, super::signing::random_unit());
            if !ctx.settings.may_retry(failed, first.elapsed(), delay) {
                return Sent::GaveUp {
                    error,
                    attempts: failed,
                };
            }
            ctx.metrics.retried(&id, msg_id, &error, delay);
            self.stats.retried += 1;
            self.flush(false).await;
            ctx.metrics.waiting(true);
            let stopped = tokio::select! {
                _ = self.cancel.cancelled() => true,
                _ = tokio::time::sleep(delay) => false,
            };
            ctx.metrics.waiting(false);
            if stopped || !ctx.journal.read().is_active(&id) {
                return Sent::Stopped;
            }
        }
    }

    /// Writes the record to the dead-letter topic with why, retrying the
    /// write until Kafka takes it (the offset is committed only after).
    async fn dead_letter(
        &mut self,
        record: &BorrowedMessage<'_>,
        reason: &str,
        detail: &str,
        msg_id: &str,
        attempts: u32,
    ) -> Outcome {
        let ctx = self.ctx.clone();
        ctx.metrics
            .dead_lettered(&self.subscription.id, msg_id, detail);
        let headers = dead_letter_headers(
            record,
            &self.subscription.id,
            reason,
            detail,
            msg_id,
            attempts,
        );
        let timeout = ctx.clients.args().timeout();
        loop {
            let mut dead =
                FutureRecord::<[u8], [u8]>::to(&ctx.topics.webhooks_dlq).headers(headers.clone());
            if let Some(k) = record.key() {
                dead = dead.key(k);
            }
            if let Some(p) = record.payload() {
                dead = dead.payload(p);
            }
            match ctx.producer.send(dead, timeout).await {
                Ok(_) => break,
                Err((e, _)) => {
                    tracing::warn!(error = %e, "writing webhook dead letter failed; retrying")
                }
            }
            tokio::select! {
                _ = self.cancel.cancelled() => return Outcome::Interrupted,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        self.stats.dead_lettered += 1;
        self.dirty = true;
        Outcome::Done
    }

    /// Marks the subscription disabled, for every instance to see.
    async fn disable(&mut self, reason: String) {
        tracing::warn!(subscription = %self.subscription.id, %reason, "disabling webhook subscription");
        let journal = self.ctx.journal.clone();
        let Some(mut disabled) = journal.read().get(&self.subscription.id).cloned() else {
            return; // deleted meanwhile
        };
        disabled.status = Status::Disabled;
        disabled.disabled_reason = Some(reason);
        disabled.disabled_at = Some(Utc::now());
        let _ = until_connected("disabling webhook subscription", &self.cancel, || {
            journal.put(&disabled)
        })
        .await;
    }

    /// Publishes this instance's stats: at most once a second unless `now`.
    async fn flush(&mut self, now: bool) {
        if !self.dirty || (!now && self.flushed.elapsed() < Duration::from_secs(1)) {
            return;
        }
        // Stats of a deleted subscription would outlive it in the compacted topic.
        if self.ctx.journal.read().get(&self.subscription.id).is_none() {
            return;
        }
        match self
            .ctx
            .journal
            .put_stats(&self.subscription.id, &self.stats)
            .await
        {
            Ok(()) => self.dirty = false,
            Err(e) => tracing::warn!(error = format!("{e:#}"), "writing webhook stats failed"),
        }
        self.flushed = Instant::now();
    }
}

/// Commits `record`'s offset; a failure only means a re-send later.
fn commit(consumer: &BaseConsumer<ObservedContext>, record: &BorrowedMessage<'_>) {
    let mut tpl = TopicPartitionList::new();
    let next = Offset::Offset(record.offset() + 1);
    let added = tpl.add_partition_offset(record.topic(), record.partition(), next);
    if let Err(e) = added.and_then(|()| consumer.commit(&tpl, CommitMode::Sync)) {
        tracing::warn!(error = %e, "committing webhook offset failed; the event may be re-sent");
    }
}
