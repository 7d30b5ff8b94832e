//! The service binaries as child processes, and a [`Pipeline`] of them with
//! one method per endpoint. Each pipeline has its own topic prefix and
//! ports; processes are killed when it is dropped.

use std::fs::OpenOptions;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

/// The three services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Svc {
    /// `newsfeed-ingest`.
    Ingest,
    /// `newsfeed-enrich`.
    Enrich,
    /// `newsfeed-publish`.
    Publish,
}

impl Svc {
    /// The binary's name.
    pub fn binary(self) -> &'static str {
        match self {
            Self::Ingest => "newsfeed-ingest",
            Self::Enrich => "newsfeed-enrich",
            Self::Publish => "newsfeed-publish",
        }
    }
}

/// Where cargo put the service binaries: beside this executable (a bench
/// binary) or one level up (a test in `deps/`).
pub fn binary_path(svc: Svc) -> PathBuf {
    binary_named(svc.binary())
}

/// Where cargo put the workspace binary `name`.
pub fn binary_named(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let found = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join(name))
        .find(|p| p.exists());
    found.unwrap_or_else(|| {
        panic!(
            "{name} is missing beside {}: build it first (`cargo test --workspace` or `cargo build --workspace --bins`)",
            exe.display()
        )
    })
}

/// A free loopback port for a child process to listen on.
///
/// Ports come from below the kernel's ephemeral range (32768 and up on
/// Linux), in turn from an offset set by this process's id: a port that
/// `bind(0)` handed out and released could be taken by the next outgoing
/// connection (a Kafka client's) before the child binds it.
pub fn free_addr() -> SocketAddr {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(97) % COUNT,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    for _ in 0..COUNT {
        let port = FIRST + NEXT.fetch_add(1, Ordering::Relaxed) % COUNT;
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port as u16)) {
            return l.local_addr().expect("addr");
        }
    }
    panic!("no free loopback port in {FIRST}..{}", FIRST + COUNT)
}

/// One running (or stopped) service process.
#[derive(Debug)]
pub struct Service {
    /// Which service.
    pub svc: Svc,
    /// Its HTTP address.
    pub addr: SocketAddr,
    env: Vec<(String, String)>,
    child: Option<Child>,
    /// Its log file (stderr, across restarts).
    pub log: PathBuf,
    /// Length of the log when the process was last started.
    log_start: u64,
}

impl Service {
    /// Starts `svc` with `env` on a free port.
    pub fn spawn(svc: Svc, env: Vec<(String, String)>, log: PathBuf) -> Self {
        let mut s = Self {
            svc,
            addr: free_addr(),
            env,
            child: None,
            log,
            log_start: 0,
        };
        s.start();
        s
    }

    /// (Re)starts the process with the same port and settings.
    pub fn start(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        self.log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let child = Command::new(binary_path(self.svc))
            .envs(crate::broker::service_env(self.svc))
            .envs(self.env.iter().cloned())
            .env("NEWSFEED_HTTP_ADDR", self.addr.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawning service");
        self.child = Some(child);
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The process's resident set (VmRSS) in bytes, as ops see it.
    pub fn rss_bytes(&self) -> Option<u64> {
        process_usage(self.pid()?).map(|u| u.rss_bytes)
    }

    /// Sets `key=value` for the next [`Service::start`] (e.g. a rotated key).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// SIGKILL: no chance to drain or commit.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for exit (graceful shutdown).
    pub fn terminate(&mut self) -> ExitStatus {
        let mut c = self.child.take().expect("service not running");
        let status = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = c.try_wait().expect("wait") {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within 30 s of SIGTERM",
                self.svc.binary()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `/readyz` answers 200.
    pub async fn wait_ready(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        let client = reqwest::Client::new();
        let mut rebinds = 0;
        loop {
            if let Ok(r) = client.get(self.url("/readyz")).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            if let Some(Some(status)) = self.child.as_mut().map(|c| c.try_wait().ok().flatten()) {
                if self.lost_its_port() && rebinds < 3 {
                    // Another process took the port between its choice and
                    // the bind: choose another one.
                    rebinds += 1;
                    self.child = None;
                    self.addr = free_addr();
                    self.start();
                    continue;
                }
                panic!(
                    "{} exited with {status}; log: {}",
                    self.svc.binary(),
                    self.tail_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready within {within:?}; log: {}",
                self.svc.binary(),
                self.tail_log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether the process, since its last start, logged that its address
    /// was taken.
    fn lost_its_port(&self) -> bool {
        self.logged_since(self.log_start, "Address already in use")
    }

    /// Whether the log after byte `since` contains `needle`.
    fn logged_since(&self, since: u64, needle: &str) -> bool {
        std::fs::read(&self.log).is_ok_and(|bytes| {
            let after = bytes.get(since as usize..).unwrap_or_default();
            String::from_utf8_lossy(after).contains(needle)
        })
    }

    /// The log's length now: where lines logged from here on start.
    pub fn log_len(&self) -> u64 {
        std::fs::metadata(&self.log).map_or(0, |m| m.len())
    }

    /// Waits up to `within` for the log after byte `since` (a
    /// [`Service::log_len`]) to contain `needle`; panics with the log's last
    /// lines if it does not.
    pub async fn wait_for_log(&self, needle: &str, since: u64, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while !self.logged_since(since, needle) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} never logged {needle:?}: {}",
                self.log.display(),
                self.tail_log()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The last lines of the log, for failure messages.
    pub fn tail_log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A set of services under one topic prefix.
#[derive(Debug)]
pub struct Pipeline {
    /// The topic prefix.
    pub prefix: String,
    /// The running services.
    pub services: Vec<Service>,
    base_env: Vec<(String, String)>,
    /// HTTP client.
    pub http: reqwest::Client,
    /// Token of the source `test`, registered for every pipeline (may write
    /// the uris the test stories use); sent by [`Pipeline::post_raw`].
    pub source_token: String,
    /// Token of the client `test`, with the `subscriptions` and `read` scopes.
    pub client_token: String,
}

/// What `/proc/<pid>/status` says of a process: its threads and resident set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub threads: u64,
    /// VmRSS in bytes, as ops see it.
    pub rss_bytes: u64,
}

impl Usage {
    /// The larger of each figure.
    pub fn max(self, other: Usage) -> Usage {
        Usage {
            threads: self.threads.max(other.threads),
            rss_bytes: self.rss_bytes.max(other.rss_bytes),
        }
    }
}

/// The threads and VmRSS of process `pid`; `None` once it has exited.
pub fn process_usage(pid: u32) -> Option<Usage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some(Usage {
        threads: field("Threads:")?,
        rss_bytes: field("VmRSS:")? * 1024,
    })
}

/// Uri prefixes of the test source: those of the stories in [`crate::stories`],
/// the tests and IPTC's examples.
pub const TEST_URI_PREFIXES: &[&str] = &[
    "https://news.example.com/",
    "https://newsroom.example/",
    "http://ninjs.example.com/",
    "http://www.businesswire.com/",
    "urn:",
];

/// An HTTP client whose pooled connections idle out (5 s) well before the
/// services close idle keep-alive connections (the header timeout, 30 s by
/// default), so a request never races a connection being closed.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("HTTP client")
}

/// The first JSON error answer's parts: status, content type, body.
pub type Answer = (StatusCode, String, Value);

impl Pipeline {
    /// All three services, ready.
    pub async fn start(test: &str) -> Self {
        Self::start_some(test, &[Svc::Ingest, Svc::Enrich, Svc::Publish], &[]).await
    }

    /// Only `which`, with extra environment, ready.
    pub async fn start_some(test: &str, which: &[Svc], env: &[(&str, &str)]) -> Self {
        let prefix = crate::unique_prefix(test);
        let mut p = Self::spawn(&prefix, which, env);
        for s in &mut p.services {
            s.wait_ready(Duration::from_secs(60)).await;
        }
        p
    }

    /// Spawns without waiting for readiness.
    pub fn spawn(prefix: &str, which: &[Svc], env: &[(&str, &str)]) -> Self {
        crate::broker::grant(prefix);
        let logs = crate::repo_root().join("target/e2e-logs");
        std::fs::create_dir_all(&logs).expect("log dir");
        let mut base: Vec<(String, String)> = vec![
            ("NEWSFEED_KAFKA_BROKERS".into(), crate::brokers().into()),
            ("NEWSFEED_TOPIC_PREFIX".into(), prefix.into()),
            ("NEWSFEED_INSTANCE_ID".into(), "test".into()),
            // Publish's store: under the target dir, one per prefix and instance.
            (
                "NEWSFEED_DATA_DIR".into(),
                crate::repo_root()
                    .join("target/e2e-data")
                    .display()
                    .to_string(),
            ),
            (
                "RUST_LOG".into(),
                std::env::var("TEST_SERVICE_LOG").unwrap_or_else(|_| "info".into()),
            ),
            // Publish seals webhook secrets; tests' subscribers listen on loopback.
            (
                "NEWSFEED_SECRETS_KEY_FILE".into(),
                crate::secrets::new_key_file(prefix, "secrets")
                    .display()
                    .to_string(),
            ),
            ("NEWSFEED_OUTBOUND_ALLOW_NETS".into(), "127.0.0.0/8".into()),
            // The fixture stories carry fixed dates: a retention of a century
            // keeps them listed whenever the suite runs. The retention tests
            // set their own.
            ("NEWSFEED_PUBLISH_RETENTION".into(), "36500d".into()),
        ];
        base.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let ctl = crate::ctl::Ctl::new(prefix);
        let mut source = vec!["sources", "add", "test", "--rate", "1000000"];
        for p in TEST_URI_PREFIXES {
            source.extend(["--uri-prefix", p]);
        }
        let source_token = ctl.token(&source);
        let client_token = ctl.token(&["clients", "add", "test", "--scope", "subscriptions,read"]);
        let services = which
            .iter()
            .map(|svc| {
                Service::spawn(
                    *svc,
                    base.clone(),
                    logs.join(format!("{prefix}{}.log", svc.binary())),
                )
            })
            .collect();
        Self {
            prefix: prefix.to_owned(),
            services,
            base_env: base,
            http: http_client(),
            source_token,
            client_token,
        }
    }

    /// Starts one more instance of `svc` named `instance` (its own
    /// `NEWSFEED_INSTANCE_ID`, port and log) and waits until it is ready;
    /// returns its index in [`Pipeline::services`].
    pub async fn add(&mut self, svc: Svc, instance: &str) -> usize {
        let mut env = self.base_env.clone();
        env.push(("NEWSFEED_INSTANCE_ID".into(), instance.into()));
        let log = crate::repo_root().join(format!(
            "target/e2e-logs/{}{}-{instance}.log",
            self.prefix,
            svc.binary()
        ));
        let mut extra = Service::spawn(svc, env, log);
        extra.wait_ready(Duration::from_secs(60)).await;
        self.services.push(extra);
        self.services.len() - 1
    }

    /// Where publish instance `instance` keeps its story store.
    pub fn publish_store(&self, instance: &str) -> PathBuf {
        crate::repo_root()
            .join("target/e2e-data")
            .join(&self.prefix)
            .join(instance)
            .join("publish.redb")
    }

    /// The service `svc`.
    pub fn svc(&mut self, svc: Svc) -> &mut Service {
        self.services
            .iter_mut()
            .find(|s| s.svc == svc)
            .expect("service not in this pipeline")
    }

    fn url(&self, svc: Svc, path: &str) -> String {
        self.services
            .iter()
            .find(|s| s.svc == svc)
            .expect("service not in this pipeline")
            .url(path)
    }

    /// `http://<svc>/path`.
    pub fn svc_url(&self, svc: Svc, path: &str) -> String {
        self.url(svc, path)
    }

    /// The HTTP address of `svc`.
    pub fn svc_addr(&self, svc: Svc) -> SocketAddr {
        self.services
            .iter()
            .find(|s| s.svc == svc)
            .expect("service not in this pipeline")
            .addr
    }

    /// `http://publish/path`.
    pub fn publish_url(&self, path: &str) -> String {
        self.url(Svc::Publish, path)
    }

    /// Full topic name under this pipeline's prefix.
    pub fn topic(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// `POST /v1/articles` with `body` as `content_type`, as the test source.
    pub async fn post_raw(&self, content_type: &str, body: impl Into<reqwest::Body>) -> Answer {
        self.post_as(Some(&self.source_token), content_type, body)
            .await
    }

    /// `POST /v1/articles` with `token` (none: no `Authorization` header).
    pub async fn post_as(
        &self,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Answer {
        let mut req = self
            .http
            .post(self.url(Svc::Ingest, "/v1/articles"))
            .header("content-type", content_type);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.body(body).send().await.expect("POST /v1/articles");
        answer(r).await
    }

    /// `POST /v1/articles` as a source just added: ingest reads new tokens
    /// from Kafka, so for a moment the token is unknown; a 401 is retried
    /// for up to 30 s (it spends none of the source's rate).
    pub async fn post_as_new(&self, token: &str, content_type: &str, body: String) -> Answer {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = self.post_as(Some(token), content_type, body.clone()).await;
            if answer.0 != StatusCode::UNAUTHORIZED || Instant::now() >= deadline {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to 30 s for publish to know a client token just added: its
    /// answer to the token (listing the client's subscriptions, which
    /// changes nothing) is no longer 401.
    pub async fn wait_client_known(&self, token: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self
                .http
                .get(self.url(Svc::Publish, "/v1/subscriptions"))
                .bearer_auth(token)
                .send()
                .await
                .expect("GET /v1/subscriptions");
            if r.status() != StatusCode::UNAUTHORIZED {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "publish never learnt a new client token"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `POST /v1/articles` with one document.
    pub async fn post_article(&self, doc: &Value) -> Answer {
        self.post_raw("application/json", doc.to_string()).await
    }

    /// `GET /v1/articles/{uri}` from publish.
    pub async fn get_article(&self, uri: &str) -> Answer {
        let encoded =
            percent_encoding::utf8_percent_encode(uri, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let r = self
            .http
            .get(self.url(Svc::Publish, &format!("/v1/articles/{encoded}")))
            .send()
            .await
            .expect("GET article");
        answer(r).await
    }

    /// `GET /v1/topics/{slug}/articles?limit=N` from publish.
    pub async fn topic_articles(&self, slug: &str, limit: usize) -> Answer {
        let path = format!("/v1/topics/{slug}/articles?limit={limit}");
        let r = self
            .http
            .get(self.url(Svc::Publish, &path))
            .send()
            .await
            .expect("GET topic");
        answer(r).await
    }

    /// Polls publish until `uri` is readable and `accept` likes it.
    pub async fn wait_for_article(
        &self,
        uri: &str,
        within: Duration,
        accept: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let (status, _, body) = self.get_article(uri).await;
            if status == StatusCode::OK && accept(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{uri} not published as expected within {within:?}; last answer {status}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The value of metric `series` on `svc`, as a selector: a name and the
    /// labels to match in any order (`newsfeed_articles_rejected_total{reason="invalid"}`);
    /// the sum over the series that match; 0 when none does.
    pub async fn metric(&self, svc: Svc, series: &str) -> f64 {
        metric_value(&self.metrics_text(svc).await, series)
    }

    /// The value of metric `series` (as in [`Pipeline::metric`]) on the
    /// service at `index` of [`Pipeline::services`]: one instance of several.
    pub async fn instance_metric(&self, index: usize, series: &str) -> f64 {
        let url = self.services[index].url("/metrics");
        let r = self.http.get(url).send().await.expect("GET /metrics");
        metric_value(&r.text().await.expect("metrics body"), series)
    }

    /// Polls metric `series` of `svc` until it reaches `at_least`; returns its value.
    pub async fn wait_for_metric(
        &self,
        svc: Svc,
        series: &str,
        at_least: f64,
        within: Duration,
    ) -> f64 {
        let deadline = Instant::now() + within;
        loop {
            let v = self.metric(svc, series).await;
            if v >= at_least {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "{series} on {} stayed at {v}, wanted {at_least}",
                svc.binary()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// `GET /metrics` of `svc`.
    pub async fn metrics_text(&self, svc: Svc) -> String {
        let r = self
            .http
            .get(self.url(svc, "/metrics"))
            .send()
            .await
            .expect("GET /metrics");
        r.text().await.expect("metrics body")
    }
}

/// Status, content type and JSON body (or the text as a JSON string) of a response.
pub async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = r.text().await.unwrap_or_default();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The sum of the series of a Prometheus text page that match `series` (a
/// name and the labels to match in any order); 0 when none does.
pub fn metric_value(text: &str, series: &str) -> f64 {
    let wanted = Series::parse(series);
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(s, _)| Series::parse(s).matches(&wanted))
        .filter_map(|(_, v)| v.parse::<f64>().ok())
        .sum()
}

/// A series of the text exposition: its name and labels.
#[derive(Debug, PartialEq)]
struct Series<'a> {
    name: &'a str,
    labels: Vec<(&'a str, &'a str)>,
}

impl<'a> Series<'a> {
    /// `name{a="x",b="y"}` (label values without commas or escaped quotes, as ours are).
    fn parse(s: &'a str) -> Self {
        let Some((name, rest)) = s.split_once('{') else {
            return Self {
                name: s,
                labels: Vec::new(),
            };
        };
        let labels = rest
            .trim_end_matches('}')
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim_matches('"')))
            .collect();
        Self { name, labels }
    }

    /// Same name, and every label of `wanted` present with its value.
    fn matches(&self, wanted: &Series<'_>) -> bool {
        self.name == wanted.name && wanted.labels.iter().all(|l| self.labels.contains(l))
    }
}
