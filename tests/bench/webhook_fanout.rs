//! Webhooks at scale: SUBSCRIPTIONS subscriptions (1,000 by default) on one
//! publish instance, all at a local receiver; STORIES stories, each
//! published and then updated. Prints publish's threads and VmRSS (idle with
//! no subscriptions, idle with all of them, peak while delivering) beside
//! the goals (< 64 threads, < 256 MB), deliveries per second, and whether
//! every subscription got every event once with each story's update after
//! its publication; then publish is killed (SIGKILL) and restarted with
//! more stories waiting, and every subscription resumes where it was. Real
//! broker, real binaries:
//!
//!     deploy/local/bench      (or: target/release/webhook-fanout SUBSCRIPTIONS STORIES)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use futures::StreamExt;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc, process_usage, webhook_receiver};
use serde_json::json;

/// (threads, VmRSS bytes) of a process.
fn usage(pid: u32) -> Option<(u64, u64)> {
    process_usage(pid).map(|u| (u.threads, u.rss_bytes))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<usize>()
            .expect("SUBSCRIPTIONS STORIES as numbers")
    });
    let subscriptions = args.next().unwrap_or(1000);
    let stories = args.next().unwrap_or(20);
    let mut p = Pipeline::start("hooks-bench").await;
    let pid = p.svc(Svc::Publish).pid().expect("publish runs");
    let (addr, seen) = webhook_receiver::start().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (threads_before, rss_before) = usage(pid).expect("publish status");

    let created = Instant::now();
    let p = Arc::new(p);
    let made: Vec<StatusCode> = futures::stream::iter(0..subscriptions)
        .map(|n| {
            let p = p.clone();
            async move {
                let r = p
                    .http
                    .post(p.publish_url("/v1/subscriptions"))
                    .bearer_auth(&p.client_token)
                    .json(&json!({"url": format!("http://{addr}/hook/{n}")}))
                    .send()
                    .await
                    .expect("POST /v1/subscriptions");
                r.status()
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut statuses: HashMap<StatusCode, usize> = HashMap::new();
    for s in &made {
        *statuses.entry(*s).or_default() += 1;
    }
    assert_eq!(
        statuses.get(&StatusCode::CREATED),
        Some(&subscriptions),
        "subscriptions created: {statuses:?}"
    );
    let took_create = created.elapsed();
    // Let every delivery task start and settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (threads_idle, rss_idle) = usage(pid).expect("publish status");

    let peak = Arc::new(Mutex::new((threads_idle, rss_idle)));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            while let Some((t, r)) = usage(pid) {
                {
                    let mut m = peak.lock().expect("lock");
                    *m = (m.0.max(t), m.1.max(r));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let ids: Vec<String> = (0..stories).map(|_| uri("hooks-bench")).collect();
    let started = Instant::now();
    for version in [1, 2] {
        for id in &ids {
            let (status, _, body) = p.post_article(&kazakhstan_unrest(id, version)).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        }
    }
    let expected = subscriptions * stories * 2;
    let deadline = Instant::now() + Duration::from_secs(600);
    let count = || webhook_receiver::count(&seen);
    while count() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = started.elapsed();
    // Anything late (a duplicate) would arrive now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    sampler.abort();
    let (threads_peak, rss_peak) = *peak.lock().expect("lock");

    // Publish is killed (SIGKILL) and restarted while stories keep coming:
    // every subscription resumes from its recorded progress, its catch-up
    // read through the shared reader.
    let Ok(mut p) = Arc::try_unwrap(p) else {
        panic!("the pipeline has one owner again");
    };
    p.svc(Svc::Publish).kill9();
    let later: Vec<String> = (0..stories).map(|_| uri("hooks-bench-later")).collect();
    for id in &later {
        let (status, _, body) = p.post_article(&kazakhstan_unrest(id, 1)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    p.svc(Svc::Publish).start();
    let restarted = Instant::now();
    let pid = p.svc(Svc::Publish).pid().expect("publish runs");
    let peak_after = Arc::new(Mutex::new((0, 0)));
    let sampler = {
        let peak = peak_after.clone();
        tokio::spawn(async move {
            while let Some((t, r)) = usage(pid) {
                {
                    let mut m = peak.lock().expect("lock");
                    *m = (m.0.max(t), m.1.max(r));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let expected_after = expected + subscriptions * stories;
    while count() < expected_after && Instant::now() < deadline + Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took_resume = restarted.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    sampler.abort();
    let (threads_resume, rss_resume) = *peak_after.lock().expect("lock");

    let seen = seen.lock().expect("lock");
    let mut missing_after = 0;
    for n in 0..subscriptions {
        let got = seen.get(&n).map(Vec::as_slice).unwrap_or_default();
        for id in &later {
            if !got.iter().any(|(u, _)| u == id) {
                missing_after += 1;
            }
        }
    }
    let (mut out_of_order, mut duplicates, mut missing) = (0, 0, 0);
    for n in 0..subscriptions {
        let got = seen.get(&n).cloned().unwrap_or_default();
        let mut first_seen: HashMap<(&str, u32), usize> = HashMap::new();
        for (i, (u, v)) in got.iter().enumerate() {
            if first_seen.insert((u.as_str(), *v), i).is_some() {
                duplicates += 1;
            }
        }
        for id in &ids {
            match (
                first_seen.get(&(id.as_str(), 1)),
                first_seen.get(&(id.as_str(), 2)),
            ) {
                (Some(a), Some(b)) if a < b => {}
                (Some(_), Some(_)) => out_of_order += 1,
                (a, b) => missing += usize::from(a.is_none()) + usize::from(b.is_none()),
            }
        }
    }
    let delivered = count_of(&seen) - subscriptions * stories;
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "webhooks: {subscriptions} subscriptions on one publish instance (created in {:.1} s), \
         {stories} stories published then updated",
        took_create.as_secs_f64()
    );
    println!(
        "{:<44} {:>10} {:>10} {:>10}",
        "publish", "no subs", "idle", "peak"
    );
    println!(
        "{:<44} {:>10} {:>10} {:>10}   goal < 64: {}",
        "threads (/proc Threads)",
        threads_before,
        threads_idle,
        threads_peak,
        verdict(threads_peak < 64)
    );
    println!(
        "{:<44} {:>10.1} {:>10.1} {:>10.1}   goal < 256 MB: {}",
        "VmRSS (MB)",
        mb(rss_before),
        mb(rss_idle),
        mb(rss_peak),
        verdict(rss_peak < 256 << 20)
    );
    println!(
        "deliveries: {delivered} of {expected} in {:.1} s = {:.0}/s (first POST to last delivery)",
        took.as_secs_f64(),
        delivered as f64 / took.as_secs_f64()
    );
    println!(
        "per-subscription order (update after publication): {out_of_order} violations; \
         {duplicates} duplicates (re-sends, after the kill below included); {missing} missing"
    );
    println!(
        "kill -9 of publish, {stories} more stories, restart: all {} deliveries resumed in {:.1} s \
         ({missing_after} missing); peak {threads_resume} threads, {:.1} MB while catching up",
        subscriptions * stories,
        took_resume.as_secs_f64(),
        mb(rss_resume)
    );
}

fn count_of(seen: &HashMap<usize, Vec<(String, u32)>>) -> usize {
    seen.values().map(Vec::len).sum()
}
