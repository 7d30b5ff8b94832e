//! Who may write: each request's bearer token names a source (registered
//! with `newsfeedctl sources add`), whose uri prefixes bound the stories it
//! may write and whose rate bounds how many a minute. The rate is enforced
//! per ingest instance with a GCRA limiter (governor): a source may send
//! its whole minute's allowance at once, and it refills evenly — one story
//! every 60/N seconds.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use newsfeed_runtime::auth::Source;

/// Sources this instance has rate-limited at most this many distinct
/// names before forgetting the idle ones (bounded memory).
const MAX_TRACKED: usize = 4096;

/// One limiter per source, built from its registered rate.
#[derive(Debug, Default)]
pub struct RateLimits {
    limiters: Mutex<HashMap<String, (u32, Arc<DefaultDirectRateLimiter>)>>,
}

/// Over the source's rate: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Wait this long.
    RetryAfter(Duration),
    /// More stories than the source may ever send at once.
    NeverFits(u32),
}

impl RateLimits {
    /// Takes `n` stories from `source`'s allowance, or says when to retry.
    pub fn take(&self, source: &Source, n: u32) -> Result<(), Limited> {
        let rate = source.rate_per_minute.max(1);
        let limiter = self.limiter(&source.name, rate);
        let Some(n) = NonZeroU32::new(n) else {
            return Ok(());
        };
        match limiter.check_n(n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(Limited::RetryAfter(
                not_until.wait_time_from(DefaultClock::default().now()),
            )),
            Err(_) => Err(Limited::NeverFits(rate)),
        }
    }

    fn limiter(&self, name: &str, rate: u32) -> Arc<DefaultDirectRateLimiter> {
        let mut all = self.limiters.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((r, l)) = all.get(name)
            && *r == rate
        {
            return l.clone();
        }
        if all.len() >= MAX_TRACKED {
            all.clear();
        }
        let quota = Quota::per_minute(NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN));
        let limiter = Arc::new(RateLimiter::direct(quota));
        all.insert(name.to_owned(), (rate, limiter.clone()));
        limiter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(rate: u32) -> Source {
        Source {
            name: "wire".into(),
            uri_prefixes: vec!["urn:a:".into()],
            rate_per_minute: rate,
            token_hash: String::new(),
            token_hint: String::new(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn burst_of_the_whole_rate_then_refusal_with_a_wait() {
        let limits = RateLimits::default();
        let s = source(60);
        for _ in 0..60 {
            limits.take(&s, 1).unwrap();
        }
        match limits.take(&s, 1) {
            Err(Limited::RetryAfter(d)) => assert!(d <= Duration::from_secs(1), "{d:?}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(limits.take(&s, 61), Err(Limited::NeverFits(60)));
    }

    #[test]
    fn a_changed_rate_takes_effect() {
        let limits = RateLimits::default();
        limits.take(&source(2), 2).unwrap();
        assert!(limits.take(&source(2), 1).is_err());
        limits.take(&source(10), 5).unwrap();
    }
}
