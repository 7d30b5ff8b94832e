//! Reading a server-sent-events body (publish's `/v1/stream`) as a browser
//! would, into text, until a condition holds.

use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};

/// Why [`Sse::read_until`] stopped before its condition held.
#[derive(Debug)]
pub enum Stopped {
    /// The server ended the stream.
    Ended,
    /// The connection failed.
    Failed(String),
    /// The time allowed passed.
    TimedOut,
}

/// A stream's body, and what has been read of it.
pub struct Sse {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    /// Everything read so far.
    pub text: String,
}

impl std::fmt::Debug for Sse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sse")
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

impl Sse {
    pub fn new(res: reqwest::Response) -> Self {
        Sse {
            body: Box::pin(res.bytes_stream().map(|r| r.map(|b| b.to_vec()))),
            text: String::new(),
        }
    }

    /// Reads until `done` holds of the text read so far, or the stream
    /// stops, or `within` passes.
    pub async fn read_until(
        &mut self,
        within: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Result<(), Stopped> {
        let until = tokio::time::Instant::now() + within;
        while !done(&self.text) {
            match tokio::time::timeout_at(until, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.text.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Some(Err(e))) => return Err(Stopped::Failed(e.to_string())),
                Ok(None) => return Err(Stopped::Ended),
                Err(_) => return Err(Stopped::TimedOut),
            }
        }
        Ok(())
    }

    /// Reads until the text holds `needle`; panics, with what was read,
    /// if the stream stops or `within` passes first.
    pub async fn expect(&mut self, needle: &str, within: Duration) {
        if let Err(why) = self.read_until(within, |t| t.contains(needle)).await {
            panic!("no {needle} on the stream ({why:?}): {:?}", self.text);
        }
    }
}
