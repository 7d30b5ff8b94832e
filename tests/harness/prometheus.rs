//! A real Prometheus server (Debian's `prometheus`, or
//! `NEWSFEED_TEST_PROMETHEUS`) scraping a pipeline every second with the
//! shipped rules (`deploy/monitoring/rules/`), and its HTTP API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A Prometheus process; stopped and its data removed on drop.
#[derive(Debug)]
pub struct Prometheus {
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    http: reqwest::Client,
}

impl Prometheus {
    /// Starts Prometheus scraping `targets` (service name, address) as the
    /// shipped `deploy/monitoring/prometheus.yml` does, and waits until it is ready.
    pub async fn start(name: &str, targets: &[(&str, SocketAddr)]) -> Self {
        let root = crate::repo_root();
        let dir = root
            .join("target/e2e-logs")
            .join(format!("{name}prometheus"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("prometheus dir");
        let rules: Vec<String> = ["recording.yml", "alerts.yml"]
            .iter()
            .map(|f| {
                let path = root.join("deploy/monitoring/rules").join(f);
                format!("  - {}\n", path.display())
            })
            .collect();
        let static_configs: Vec<String> = targets
            .iter()
            .map(|(service, addr)| {
                format!("      - targets: [\"{addr}\"]\n        labels: {{ service: {service} }}\n")
            })
            .collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n{}\
             scrape_configs:\n  - job_name: newsfeed\n    honor_labels: true\n    static_configs:\n{}",
            rules.concat(),
            static_configs.concat()
        );
        std::fs::write(dir.join("prometheus.yml"), config).expect("prometheus.yml");
        let addr = crate::services::free_addr();
        let log = std::fs::File::create(dir.join("prometheus.log")).expect("log");
        let tool =
            std::env::var("NEWSFEED_TEST_PROMETHEUS").unwrap_or_else(|_| "prometheus".into());
        let child = Command::new(&tool)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{tool}: {e} (deploy/local/prerequisites --test installs Debian's prometheus)"
                )
            });
        let p = Self {
            child,
            dir,
            url: format!("http://{addr}"),
            http: crate::services::http_client(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = p.http.get(format!("{}/-/ready", p.url)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "prometheus not ready: {}",
                p.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `GET /api/v1/query` of `expr` at the current time: the result vector.
    pub async fn query(&self, expr: &str) -> Vec<Value> {
        let v = self.api("/api/v1/query", &[("query", expr)]).await;
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// `GET /api/v1/rules`: every rule of every group.
    pub async fn rules(&self) -> Vec<Value> {
        let v = self.api("/api/v1/rules", &[]).await;
        v["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// `GET /api/v1/alerts`: alerts pending or firing.
    pub async fn alerts(&self) -> Vec<Value> {
        let v = self.api("/api/v1/alerts", &[]).await;
        v["data"]["alerts"].as_array().cloned().unwrap_or_default()
    }

    /// A successful API answer's JSON; panics with Prometheus's error otherwise.
    async fn api(&self, path: &str, params: &[(&str, &str)]) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .query(params)
            .send()
            .await
            .expect("prometheus API");
        let v: Value = r.json().await.expect("prometheus JSON");
        assert_eq!(v["status"], "success", "{path} {params:?}: {v}");
        v
    }

    /// What Prometheus logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(self.dir.join("data"));
    }
}
