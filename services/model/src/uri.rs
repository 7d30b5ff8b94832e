//! Story identifiers.

use std::fmt;

/// The longest story URI accepted; longer ones are almost always a bug upstream.
pub const MAX_URI_LEN: usize = 2048;

/// A story's identifier: a complete (absolute) URI, at most [`MAX_URI_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArticleUri(String);

/// Why a string is not an [`ArticleUri`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// Empty string.
    #[error("must not be empty")]
    Empty,
    /// Too long.
    #[error("must be at most {MAX_URI_LEN} bytes")]
    TooLong,
    /// Not an absolute URI.
    #[error(
        "must be a complete URI with a scheme, such as https://example.com/story/1 or urn:newsroom:1 ({0})"
    )]
    NotAbsolute(String),
}

impl ArticleUri {
    /// Checks that `s` is a complete URI.
    pub fn parse(s: &str) -> Result<Self, UriError> {
        check_uri(s)?;
        Ok(Self(s.to_owned()))
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that `s` is a complete URI (the ninjs schema's `format: uri`).
pub fn check_uri(s: &str) -> Result<(), UriError> {
    if s.is_empty() {
        return Err(UriError::Empty);
    }
    if s.len() > MAX_URI_LEN {
        return Err(UriError::TooLong);
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UriError::NotAbsolute("contains whitespace".into()));
    }
    match url::Url::parse(s) {
        Ok(_) => Ok(()),
        Err(e) => Err(UriError::NotAbsolute(e.to_string())),
    }
}

impl fmt::Display for ArticleUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ArticleUri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_complete_uris() {
        for ok in [
            "https://news.example.com/2026/11/almaty-rally",
            "urn:newsfeed:story:42",
            "http://ninjs.example.com/newsitems/20130709simp123",
        ] {
            assert_eq!(ArticleUri::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_relative_empty_and_spaced() {
        assert_eq!(ArticleUri::parse(""), Err(UriError::Empty));
        assert!(matches!(
            ArticleUri::parse("story-1"),
            Err(UriError::NotAbsolute(_))
        ));
        assert!(matches!(
            ArticleUri::parse("https://x.example/a b"),
            Err(UriError::NotAbsolute(_))
        ));
        assert_eq!(
            ArticleUri::parse(&format!("urn:x:{}", "a".repeat(3000))),
            Err(UriError::TooLong)
        );
    }
}
