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
    body: Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    /// Everything read so far.
    pub text: String,
    /// The start of a character that the next chunk completes.
    partial: Vec<u8>,
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
            body: Box::pin(res.bytes_stream()),
            text: String::new(),
            partial: Vec::new(),
        }
    }

    /// Adds a chunk to the text; a character split between two chunks is
    /// added whole with the second.
    fn push(&mut self, chunk: &[u8]) {
        self.partial.extend_from_slice(chunk);
        let whole = match std::str::from_utf8(&self.partial) {
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            _ => self.partial.len(),
        };
        let rest = self.partial.split_off(whole);
        self.text.push_str(&String::from_utf8_lossy(&self.partial));
        self.partial = rest;
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
                Ok(Some(Ok(chunk))) => self.push(&chunk),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_between_chunks_is_read_whole() {
        let mut sse = Sse {
            body: Box::pin(futures::stream::empty()),
            text: String::new(),
            partial: Vec::new(),
        };
        let bytes = "data: Алматы\n".as_bytes();
        // Split inside "А" (two bytes), then inside "т".
        sse.push(&bytes[..7]);
        sse.push(&bytes[7..12]);
        sse.push(&bytes[12..]);
        assert_eq!(sse.text, "data: Алматы\n");
        // Bytes that are no UTF-8 at all still show, as replacements.
        sse.push(&[0xff, b'x']);
        assert_eq!(sse.text, "data: Алматы\n\u{fffd}x");
    }
}
