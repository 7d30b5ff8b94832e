//! A real headless Chromium page, driven line by line through Playwright
//! (`tests/python/browser.py`): the test sends JavaScript, the page answers.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One browser page.
#[derive(Debug)]
pub struct Browser {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Browser {
    /// Opens `url` in headless Chromium.
    pub fn open(url: &str) -> Self {
        let mut child = Command::new(crate::python::interpreter())
            .arg(crate::python::script("browser.py"))
            .arg(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the browser driver");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut b = Self {
            child,
            stdin,
            stdout,
        };
        assert_eq!(b.read(), "ready", "browser did not open {url}");
        b
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("reading from the browser driver");
        let answer: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("browser driver said {line:?}: {e}"));
        match answer.get("ok") {
            Some(v) => v.clone(),
            None => panic!("browser error: {}", answer["error"]),
        }
    }

    /// Evaluates one line of JavaScript in the page and returns its JSON value.
    pub fn eval(&mut self, js: &str) -> Value {
        assert!(!js.contains('\n'), "one line of JavaScript at a time");
        writeln!(self.stdin, "{js}").expect("writing to the browser driver");
        self.stdin.flush().expect("flush");
        self.read()
    }

    /// Evaluates `js` until `done` accepts the value, or panics after `within`.
    pub fn wait_for(&mut self, js: &str, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let v = self.eval(js);
            if done(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "browser: `{js}` never satisfied; last value {v}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
