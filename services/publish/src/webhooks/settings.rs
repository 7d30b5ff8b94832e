//! Webhook knobs, flags that also read `NEWSFEED_WEBHOOK_*` environment
//! variables, and the retry policy they shape: exponential backoff with
//! jitter, bounded by a number of attempts and a time budget per event.

use std::time::Duration;

use anyhow::bail;

/// How deliveries are timed, retried and given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// First retry delay; each further retry doubles it (`NEWSFEED_WEBHOOK_RETRY_BASE_MS`).
    pub(crate) retry_base: Duration,
    /// Longest delay between two attempts (`NEWSFEED_WEBHOOK_RETRY_MAX_MS`).
    pub(crate) retry_cap: Duration,
    /// Most attempts per event, the first included (`NEWSFEED_WEBHOOK_MAX_ATTEMPTS`).
    pub(crate) max_attempts: u32,
    /// Longest time one event is retried before it is dead-lettered
    /// (`NEWSFEED_WEBHOOK_RETRY_BUDGET_MS`).
    pub(crate) retry_budget: Duration,
    /// Timeout of every HTTP request to a subscriber (`NEWSFEED_WEBHOOK_TIMEOUT_MS`).
    pub(crate) timeout: Duration,
    /// Consecutive dead-lettered events that disable a subscription
    /// (`NEWSFEED_WEBHOOK_DISABLE_AFTER`).
    pub(crate) disable_after: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_millis(500),
            retry_cap: Duration::from_secs(60),
            max_attempts: 8,
            // Four minutes of retries per event; a stop (shutdown, a
            // rebalance) cuts the wait short and the event is sent again later.
            retry_budget: Duration::from_secs(240),
            timeout: Duration::from_secs(10),
            disable_after: 5,
        }
    }
}

/// The webhook flags; each also reads its `NEWSFEED_WEBHOOK_*` variable.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookArgs {
    /// First retry delay of a failed delivery, in milliseconds; each further retry doubles it.
    #[arg(long, env = "NEWSFEED_WEBHOOK_RETRY_BASE_MS", default_value_t = 500)]
    pub webhook_retry_base_ms: u64,

    /// Longest delay between two delivery attempts, in milliseconds.
    #[arg(long, env = "NEWSFEED_WEBHOOK_RETRY_MAX_MS", default_value_t = 60_000)]
    pub webhook_retry_max_ms: u64,

    /// Most attempts per event, the first included, before it is dead-lettered.
    #[arg(long, env = "NEWSFEED_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8)]
    pub webhook_max_attempts: u64,

    /// Longest time one event is retried before it is dead-lettered, in
    /// milliseconds.
    #[arg(
        long,
        env = "NEWSFEED_WEBHOOK_RETRY_BUDGET_MS",
        default_value_t = 240_000
    )]
    pub webhook_retry_budget_ms: u64,

    /// Timeout of every HTTP request to a subscriber, in milliseconds.
    #[arg(long, env = "NEWSFEED_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,

    /// Consecutive dead-lettered events that disable a subscription.
    #[arg(long, env = "NEWSFEED_WEBHOOK_DISABLE_AFTER", default_value_t = 5)]
    pub webhook_disable_after: u64,
}

impl Default for WebhookArgs {
    fn default() -> Self {
        let d = Settings::default();
        Self {
            webhook_retry_base_ms: d.retry_base.as_millis() as u64,
            webhook_retry_max_ms: d.retry_cap.as_millis() as u64,
            webhook_max_attempts: u64::from(d.max_attempts),
            webhook_retry_budget_ms: d.retry_budget.as_millis() as u64,
            webhook_timeout_ms: d.timeout.as_millis() as u64,
            webhook_disable_after: u64::from(d.disable_after),
        }
    }
}

impl WebhookArgs {
    /// The checked settings; names the variable on error.
    pub(crate) fn settings(&self) -> anyhow::Result<Settings> {
        let within = |name: &str, n: u64, min: u64, max: u64| -> anyhow::Result<u64> {
            if (min..=max).contains(&n) {
                Ok(n)
            } else {
                bail!("{name}: `{n}` is not a whole number from {min} to {max}")
            }
        };
        let ms = |name: &str, n: u64, min: u64, max: u64| {
            within(name, n, min, max).map(Duration::from_millis)
        };
        let count = |name: &str, n: u64, min: u64, max: u64| {
            within(name, n, min, max).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        };
        let s = Settings {
            retry_base: ms(
                "NEWSFEED_WEBHOOK_RETRY_BASE_MS",
                self.webhook_retry_base_ms,
                1,
                3_600_000,
            )?,
            retry_cap: ms(
                "NEWSFEED_WEBHOOK_RETRY_MAX_MS",
                self.webhook_retry_max_ms,
                1,
                3_600_000,
            )?,
            max_attempts: count(
                "NEWSFEED_WEBHOOK_MAX_ATTEMPTS",
                self.webhook_max_attempts,
                1,
                100,
            )?,
            retry_budget: ms(
                "NEWSFEED_WEBHOOK_RETRY_BUDGET_MS",
                self.webhook_retry_budget_ms,
                0,
                86_400_000,
            )?,
            timeout: ms(
                "NEWSFEED_WEBHOOK_TIMEOUT_MS",
                self.webhook_timeout_ms,
                100,
                300_000,
            )?,
            disable_after: count(
                "NEWSFEED_WEBHOOK_DISABLE_AFTER",
                self.webhook_disable_after,
                1,
                1_000_000,
            )?,
        };
        if s.retry_cap < s.retry_base {
            bail!(
                "NEWSFEED_WEBHOOK_RETRY_MAX_MS: must be at least NEWSFEED_WEBHOOK_RETRY_BASE_MS ({} ms)",
                s.retry_base.as_millis()
            );
        }
        Ok(s)
    }
}

impl Settings {
    /// The wait after the `failed`-th failed attempt (1-based): the base
    /// doubled per failure up to the cap, then "equal jitter" — a random
    /// point in its upper half, so subscribers coming back from an outage
    /// are not hit by every retry at once. `unit` is a random number in `[0, 1)`.
    pub(crate) fn backoff(&self, failed: u32, unit: f64) -> Duration {
        let doublings = failed.saturating_sub(1).min(31);
        let full = self
            .retry_base
            .saturating_mul(1u32 << doublings)
            .min(self.retry_cap);
        full / 2 + full.mul_f64(unit.clamp(0.0, 1.0) / 2.0)
    }

    /// Whether another attempt is allowed after `failed` failed attempts,
    /// `elapsed` since the first one, if it would start after `delay`.
    pub(crate) fn may_retry(&self, failed: u32, elapsed: Duration, delay: Duration) -> bool {
        failed < self.max_attempts && elapsed + delay <= self.retry_budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_bounds_up_to_the_cap() {
        let s = Settings::default();
        for failed in 1..=12u32 {
            let full = (Duration::from_millis(500) * 2u32.pow(failed - 1)).min(s.retry_cap);
            for unit in [0.0, 0.25, 0.999_999] {
                let d = s.backoff(failed, unit);
                assert!(
                    d >= full / 2 && d <= full,
                    "attempt {failed}: {d:?} vs {full:?}"
                );
            }
        }
        assert_eq!(s.backoff(1, 0.0), Duration::from_millis(250));
        assert_eq!(s.backoff(40, 0.0), Duration::from_secs(30));
        assert!(s.backoff(40, 0.999_999) <= Duration::from_secs(60));
    }

    #[test]
    fn retries_stop_at_the_attempt_or_time_budget() {
        let s = Settings::default();
        let short = Duration::from_secs(1);
        assert!(s.may_retry(1, Duration::ZERO, short));
        assert!(s.may_retry(7, Duration::ZERO, short));
        assert!(!s.may_retry(8, Duration::ZERO, short));
        assert!(!s.may_retry(2, Duration::from_millis(239_500), short));
        // The whole default schedule fits in the time budget.
        let worst: Duration = (1..8).map(|f| s.backoff(f, 0.999_999) + s.timeout).sum();
        assert!(worst + s.timeout <= s.retry_budget, "{worst:?}");
    }

    #[test]
    fn flags_shape_the_settings_and_bad_values_name_the_variable() {
        assert_eq!(
            WebhookArgs::default().settings().unwrap(),
            Settings::default()
        );
        let s = WebhookArgs {
            webhook_retry_base_ms: 100,
            ..WebhookArgs::default()
        }
        .settings()
        .unwrap();
        assert_eq!(s.retry_base, Duration::from_millis(100));
        assert_eq!(s.max_attempts, 8);
        let err = WebhookArgs {
            webhook_max_attempts: 0,
            ..WebhookArgs::default()
        }
        .settings()
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("NEWSFEED_WEBHOOK_MAX_ATTEMPTS"), "{err}");
        let err = WebhookArgs {
            webhook_retry_max_ms: 10,
            ..WebhookArgs::default()
        }
        .settings()
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("NEWSFEED_WEBHOOK_RETRY_MAX_MS"), "{err}");
    }
}
