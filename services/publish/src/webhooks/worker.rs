//! One delivery task per subscription this instance owns: an async task
//! (no thread, no Kafka client of its own) that walks the published topic
//! from the subscription's progress, reading from the shared
//! [`EventLog`](super::events::EventLog).
//!
//! A task sends one event at a time and records its progress (in the
//! offsets topic) only once the subscriber acknowledged it or it went to
//! `<prefix>webhooks.dlq`: delivery is at least once, and a duplicate is
//! always a re-send with the same `webhook-id`. Strictly one event at a time
//! also keeps every story's events in order and means a subscriber gets one
//! request at a time. Each task has its own retry clock, so a slow or dead
//! subscriber delays nobody else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use newsfeed_runtime::cloudevents::{TraceParent, header_str};
use newsfeed_runtime::kafka::until_connected;
use newsfeed_runtime::spans::Hop;
use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;
use rdkafka::message::Message;
use rdkafka::producer::FutureRecord;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::delivery::{Deliveries, dead_letter_headers, post_signed};
use super::events::{Content, Event, Next};
use super::ownership::Progress;
use super::signing::Secret;
use super::subscriptions::{DeliveryStats, Status, Subscription};

/// Events taken from the live buffer at once.
const LIVE_BATCH: usize = 64;
/// Events one catch-up read returns at most.
const CATCH_UP_BATCH: usize = 256;

/// A running delivery task.
#[derive(Debug)]
pub(crate) struct Worker {
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Worker {
    /// Starts delivering to `subscription` from `progress`, signing with its
    /// opened `secret`, until `cancel` fires or it is deleted or disabled.
    pub(crate) fn spawn(
        ctx: Arc<Deliveries>,
        subscription: Subscription,
        secret: Secret,
        progress: Progress,
        cancel: CancellationToken,
    ) -> Self {
        let run = Run {
            ctx,
            subscription,
            secret,
            cancel: cancel.clone(),
            progress,
            unsaved: false,
            stats: DeliveryStats::default(),
            dirty: false,
            flushed: Instant::now(),
            dead_in_a_row: 0,
        };
        Self {
            cancel,
            task: tokio::spawn(run.run()),
        }
    }

    /// Asks the task to stop after the request in hand.
    pub(crate) fn stop(&self) {
        self.cancel.cancel();
    }

    /// True once the task ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for the task to end.
    pub(crate) async fn join(self) {
        let _ = self.task.await;
    }
}

/// What became of one event.
enum Outcome {
    /// Delivered or dead-lettered: move past it and record that.
    Done,
    /// Not for this subscriber (filtered out, or empty): move past it. The
    /// position is recorded with the next delivery or at the end of the
    /// batch; one lost to a crash only means filtering the event again.
    Passed,
    /// Stopped before it was done: leave it for a later re-send.
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
    /// The task was stopped between attempts.
    Stopped,
}

/// One task's state.
struct Run {
    ctx: Arc<Deliveries>,
    subscription: Subscription,
    secret: Secret,
    cancel: CancellationToken,
    /// Next offset per partition of the published topic.
    progress: Progress,
    /// `progress` has moved since it was last written.
    unsaved: bool,
    stats: DeliveryStats,
    dirty: bool,
    flushed: Instant,
    dead_in_a_row: u32,
}

impl Run {
    async fn run(mut self) {
        let id = self.subscription.id.clone();
        // Read here, not where the task is spawned: the supervisor holds the
        // registry then, and a second read lock can deadlock with the tail's
        // waiting write lock.
        self.stats = self
            .ctx
            .journal
            .read()
            .instance_stats(&id, self.ctx.journal.instance());
        tracing::info!(subscription = %id, origin = %self.subscription.origin(), "webhook deliveries started");
        let mut grew = self.ctx.events.changes();
        while !self.cancel.is_cancelled() {
            grew.borrow_and_update();
            let mut busy = false;
            for partition in self.ctx.events.partitions() {
                match self.step(partition).await {
                    Step::Idle => {}
                    Step::Busy => busy = true,
                    Step::End => {
                        self.flush(true).await;
                        tracing::info!(subscription = %id, "webhook deliveries stopped");
                        return;
                    }
                }
            }
            self.flush(false).await;
            if !busy {
                tokio::select! {
                    _ = self.cancel.cancelled() => {}
                    _ = grew.changed() => {}
                    // Flushes stats and retries a failed catch-up read.
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
        self.flush(true).await;
        tracing::info!(subscription = %id, "webhook deliveries stopped");
    }

    /// Delivers the next events of `partition`, if any, and records how
    /// far it got.
    async fn step(&mut self, partition: i32) -> Step {
        let step = self.step_events(partition).await;
        self.save();
        step
    }

    async fn step_events(&mut self, partition: i32) -> Step {
        let Some(at) = self
            .progress
            .get(&partition)
            .copied()
            .or_else(|| self.ctx.events.live_from(partition))
        else {
            return Step::Idle;
        };
        let (events, next) = match self.ctx.events.next(partition, at, LIVE_BATCH) {
            Next::Wait => return Step::Idle,
            Next::Events(events) => (events, None),
            Next::Behind => match self
                .ctx
                .events
                .read_behind(partition, at, CATCH_UP_BATCH)
                .await
            {
                Ok(batch) => (batch.events.clone(), Some(batch.next)),
                Err(e) => {
                    tracing::warn!(subscription = %self.subscription.id, error = format!("{e:#}"), "reading published events failed; retrying");
                    return Step::Idle;
                }
            },
        };
        for event in events.iter().filter(|e| e.offset() >= at) {
            let outcome = self.traced(event).await;
            if matches!(outcome, Outcome::Interrupted) {
                return Step::End;
            }
            self.advance(partition, event.offset() + 1);
            if !matches!(outcome, Outcome::Passed) {
                self.save();
            }
            if let Outcome::Disable(reason) = outcome {
                self.disable(reason).await;
                return Step::End;
            }
            if self.cancel.is_cancelled() {
                return Step::End;
            }
        }
        if let Some(next) = next {
            self.advance(partition, next);
        }
        if events.is_empty() && next.is_none_or(|n| n <= at) {
            Step::Idle
        } else {
            Step::Busy
        }
    }

    /// Moves past everything before `next` in `partition`.
    fn advance(&mut self, partition: i32, next: i64) {
        let at = self.progress.entry(partition).or_insert(next);
        if *at > next {
            return;
        }
        *at = next;
        self.unsaved = true;
    }

    /// Records the progress in the offsets topic (the subscription's
    /// changelog) if it moved since it was last written.
    fn save(&mut self) {
        if !self.unsaved {
            return;
        }
        self.unsaved = false;
        let ctx = &self.ctx;
        let Some(owner) = ctx.ownership.partition_of(&self.subscription.id) else {
            return;
        };
        let Ok(value) = serde_json::to_vec(&self.progress) else {
            return;
        };
        let record = FutureRecord::<str, [u8]>::to(ctx.ownership.topic())
            .key(&self.subscription.id)
            .payload(&value)
            .partition(owner);
        // Not awaited: records of one producer to one partition stay in
        // order, and the producer is flushed before a partition is given up
        // and at shutdown. A record lost to a crash means a re-send.
        if let Err((e, _)) = ctx.producer.send_result(record) {
            tracing::warn!(subscription = %self.subscription.id, error = %e, "recording webhook progress failed; the event may be re-sent");
        }
    }

    /// Handles one event inside its trace span and hop.
    async fn traced(&mut self, event: &Event) -> Outcome {
        let record = &event.record;
        let parent = record
            .headers()
            .and_then(|h| header_str(h, "traceparent"))
            .and_then(TraceParent::parse);
        let trace = parent
            .as_ref()
            .map_or_else(TraceParent::new_root, TraceParent::child);
        let span = newsfeed_runtime::telemetry::record_span("webhooks", record, &trace);
        let mut attributes = newsfeed_runtime::spans::record_attributes(record);
        attributes.push(KeyValue::new(
            "newsfeed.webhook.subscription",
            self.subscription.id.clone(),
        ));
        let mut hop = Hop::start(
            "webhooks",
            SpanKind::Consumer,
            parent.as_ref(),
            &trace,
            attributes,
        );
        let outcome = self.handle(event, &trace).instrument(span).await;
        if let Outcome::Disable(why) = &outcome {
            hop.fail(why.clone());
        }
        outcome
    }

    async fn handle(&mut self, event: &Event, trace: &TraceParent) -> Outcome {
        if !self.ctx.journal.read().is_active(&self.subscription.id) {
            return Outcome::Interrupted;
        }
        let (slugs, body, msg_id) = match &event.content {
            Content::Empty => return Outcome::Passed,
            Content::Undecodable(detail) => {
                return self.dead_letter(event, "undecodable", detail, "", 0).await;
            }
            Content::Story {
                slugs,
                body,
                msg_id,
            } => (slugs, body, msg_id),
        };
        if !self.subscription.wants(slugs) {
            return Outcome::Passed;
        }
        match self.deliver(msg_id, body, trace).await {
            Sent::Acknowledged => {
                self.dead_in_a_row = 0;
                Outcome::Done
            }
            Sent::GaveUp { error, attempts } => {
                self.dead_in_a_row += 1;
                match self
                    .dead_letter(event, "delivery_failed", &error, msg_id, attempts)
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
    async fn deliver(&mut self, msg_id: &str, body: &bytes::Bytes, trace: &TraceParent) -> Sent {
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

    /// Writes the event to the dead-letter topic with why, retrying the
    /// write until Kafka takes it (progress is recorded only after).
    async fn dead_letter(
        &mut self,
        event: &Event,
        reason: &str,
        detail: &str,
        msg_id: &str,
        attempts: u32,
    ) -> Outcome {
        let ctx = self.ctx.clone();
        let record = &event.record;
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

/// What one pass over a partition did.
enum Step {
    /// Nothing to deliver yet.
    Idle,
    /// Delivered or moved on: look again at once.
    Busy,
    /// Stopped, deleted or disabled: the task ends.
    End,
}
