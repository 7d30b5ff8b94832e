//! A real OTLP/HTTP trace receiver (`tests/python/otlp_receiver.py`,
//! decoding with the OpenTelemetry project's protobuf classes), as a process.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The Python OTLP receiver; killed when dropped.
#[derive(Debug)]
pub struct Collector {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Collector {
    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts the receiver on a free port.
    pub fn start() -> Self {
        let logs = crate::repo_root().join("target/e2e-logs");
        std::fs::create_dir_all(&logs).expect("log dir");
        let log = logs.join(format!("otlp-{}.jsonl", uuid::Uuid::new_v4().simple()));
        let mut child = Command::new(crate::python::interpreter())
            .arg(crate::python::script("otlp_receiver.py"))
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting otlp_receiver.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("receiver stdout"))
            .read_line(&mut line)
            .expect("reading the receiver's port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok());
        let port = port.unwrap_or_else(|| panic!("receiver said {line:?}"));
        Self { child, port, log }
    }

    /// Every span received so far, one JSON object each.
    pub fn spans(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
