//! Who may do what. Two kinds of principal, both registered by operators
//! with `newsfeedctl` and kept in compacted topics that every instance
//! tails (so a revocation reaches every instance within moments):
//! - a **source** (`<prefix>auth.sources`): a newsroom system that may write
//!   stories whose uri starts with one of its prefixes, at most its rate;
//! - a **client** (`<prefix>auth.clients`): a downstream system with scopes
//!   (`subscriptions` to manage its webhooks, `read` where reading is closed).
//!
//! Tokens are 32 random bytes behind a recognisable prefix (`nfs_` for
//! sources, `nfc_` for clients, so secret scanners can spot a leaked one),
//! shown once when created and stored only as SHA-256 hashes. A fast hash
//! is enough: the token is random, not a password anyone could guess.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::http::Problem;
use crate::table::{Table, TableState};

/// Prefix of every source token.
pub const SOURCE_TOKEN_PREFIX: &str = "nfs_";
/// Prefix of every client token.
pub const CLIENT_TOKEN_PREFIX: &str = "nfc_";
/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;
/// Stories a minute a source may write unless its operator says otherwise.
pub const DEFAULT_SOURCE_RATE: u32 = 600;

/// A bearer token, as handed to its owner once.
pub struct Token(String);

// Never print a token, not even in debug logs.
impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// A new token with `prefix`, from the operating system's random source.
    pub fn generate(prefix: &str) -> anyhow::Result<Self> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(Self(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))))
    }

    /// The token text (to show its owner once).
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// What is stored: the hex SHA-256 of the token.
    pub fn hash(&self) -> String {
        hash_token(&self.0)
    }

    /// The first characters, enough for an operator to tell tokens apart.
    pub fn hint(&self) -> String {
        format!("{}…", &self.0[..self.0.len().min(8)])
    }
}

fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A newsroom system allowed to write stories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Its name, unique among sources.
    pub name: String,
    /// Story uris it may write start with one of these.
    pub uri_prefixes: Vec<String>,
    /// Most stories a minute (per ingest instance).
    pub rate_per_minute: u32,
    /// Hex SHA-256 of its token.
    pub token_hash: String,
    /// The token's first characters.
    pub token_hint: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

impl Source {
    /// True when this source may write the story `uri`.
    pub fn may_write(&self, uri: &str) -> bool {
        self.uri_prefixes
            .iter()
            .any(|p| uri.starts_with(p.as_str()))
    }
}

/// What a client may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Manage its own webhook subscriptions.
    Subscriptions,
    /// Read stories, feeds and streams where reading requires a token.
    Read,
}

impl Scope {
    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscriptions => "subscriptions",
            Self::Read => "read",
        }
    }
}

/// A downstream system with scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    /// Its name, unique among clients.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Hex SHA-256 of its token.
    pub token_hash: String,
    /// The token's first characters.
    pub token_hint: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// A principal kept in a credentials topic.
pub trait Principal: Clone + Send + Sync + serde::de::DeserializeOwned + 'static {
    /// Its name (the record key).
    fn name(&self) -> &str;
    /// Hex SHA-256 of its token.
    fn token_hash(&self) -> &str;
}

impl Principal for Source {
    fn name(&self) -> &str {
        &self.name
    }
    fn token_hash(&self) -> &str {
        &self.token_hash
    }
}

impl Principal for Client {
    fn name(&self) -> &str {
        &self.name
    }
    fn token_hash(&self) -> &str {
        &self.token_hash
    }
}

/// Every principal of one kind, by name and by token hash.
#[derive(Debug)]
pub struct Credentials<P> {
    by_name: HashMap<String, Arc<P>>,
    by_hash: HashMap<String, Arc<P>>,
}

impl<P> Default for Credentials<P> {
    fn default() -> Self {
        Self {
            by_name: HashMap::new(),
            by_hash: HashMap::new(),
        }
    }
}

impl<P: Principal> Credentials<P> {
    /// The principal holding `token`, if any.
    pub fn find(&self, token: &str) -> Option<Arc<P>> {
        self.by_hash.get(&hash_token(token)).cloned()
    }

    /// The principal named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<P>> {
        self.by_name.get(name).cloned()
    }

    /// Every principal, by name.
    pub fn all(&self) -> Vec<Arc<P>> {
        let mut all: Vec<_> = self.by_name.values().cloned().collect();
        all.sort_by(|a, b| a.name().cmp(b.name()));
        all
    }
}

impl<P: Principal> TableState for Credentials<P> {
    fn apply(&mut self, key: &str, value: Option<&[u8]>) -> anyhow::Result<()> {
        if let Some(old) = self.by_name.remove(key) {
            self.by_hash.remove(old.token_hash());
        }
        let Some(value) = value else {
            return Ok(()); // revoked
        };
        let p: P = serde_json::from_slice(value)?;
        anyhow::ensure!(p.name() == key, "record key `{key}` names `{}`", p.name());
        let p = Arc::new(p);
        self.by_hash.insert(p.token_hash().to_owned(), p.clone());
        self.by_name.insert(key.to_owned(), p);
        Ok(())
    }
}

/// Why a request was not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token nobody holds (or held: revoked).
    Unknown,
    /// A token without the scope the request needs.
    Forbidden(Scope),
    /// The credentials topic is not loaded yet.
    NotLoaded,
}

impl AuthError {
    /// The metric label of this outcome.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Missing => "missing_token",
            Self::Unknown => "unknown_token",
            Self::Forbidden(_) => "missing_scope",
            Self::NotLoaded => "credentials_not_loaded",
        }
    }

    /// The answer: 401 with `WWW-Authenticate`, 403, or 503 with `Retry-After`.
    pub fn problem(self, realm: &str) -> Problem {
        match self {
            Self::Missing => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
                "send `Authorization: Bearer <token>`; operators issue tokens with newsfeedctl",
            )
            .with_header(header::WWW_AUTHENTICATE, challenge(realm, None)),
            Self::Unknown => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
                "the bearer token is not valid (unknown or revoked)",
            )
            .with_header(
                header::WWW_AUTHENTICATE,
                challenge(realm, Some("invalid_token")),
            ),
            Self::Forbidden(scope) => Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                format!("the token lacks the `{}` scope", scope.as_str()),
            )
            .with_header(
                header::WWW_AUTHENTICATE,
                challenge(realm, Some("insufficient_scope")),
            ),
            Self::NotLoaded => Problem::unavailable(
                "credentials are still loading from Kafka; nothing was written, retry later",
                2,
            ),
        }
    }
}

fn challenge(realm: &str, error: Option<&str>) -> HeaderValue {
    let text = match error {
        None => format!("Bearer realm=\"{realm}\""),
        Some(e) => format!("Bearer realm=\"{realm}\", error=\"{e}\""),
    };
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("Bearer"))
}

/// The bearer token of a request, if it sent one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Checks requests' bearer tokens against a credentials table.
#[derive(Debug)]
pub struct Authenticator<P> {
    table: Arc<Table<Credentials<P>>>,
}

impl<P> Clone for Authenticator<P> {
    fn clone(&self) -> Self {
        Self {
            table: self.table.clone(),
        }
    }
}

impl<P: Principal> Authenticator<P> {
    /// Over `table`.
    pub fn new(table: Arc<Table<Credentials<P>>>) -> Self {
        Self { table }
    }

    /// True once the credentials are loaded.
    pub fn is_loaded(&self) -> bool {
        self.table.is_caught_up()
    }

    /// The principal whose token `headers` carry.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Arc<P>, AuthError> {
        let token = bearer(headers).ok_or(AuthError::Missing)?;
        if !self.table.is_caught_up() {
            return Err(AuthError::NotLoaded);
        }
        self.table.read().find(token).ok_or(AuthError::Unknown)
    }
}

impl Authenticator<Client> {
    /// The client whose token `headers` carry, if it has `scope`.
    pub fn authorize(&self, headers: &HeaderMap, scope: Scope) -> Result<Arc<Client>, AuthError> {
        let client = self.authenticate(headers)?;
        if client.scopes.contains(&scope) {
            Ok(client)
        } else {
            Err(AuthError::Forbidden(scope))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, token: &Token) -> Source {
        Source {
            name: name.into(),
            uri_prefixes: vec!["https://a.example/".into()],
            rate_per_minute: 60,
            token_hash: token.hash(),
            token_hint: token.hint(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let a = Token::generate(SOURCE_TOKEN_PREFIX).unwrap();
        let b = Token::generate(SOURCE_TOKEN_PREFIX).unwrap();
        assert!(a.reveal().starts_with("nfs_"));
        assert_eq!(a.reveal().len(), 4 + 43);
        assert_ne!(a.reveal(), b.reveal());
        assert_eq!(a.hash().len(), 64);
        assert!(!a.hash().contains(&a.reveal()[4..]));
        assert_eq!(format!("{a:?}"), "Token(…)");
    }

    #[test]
    fn table_finds_by_token_and_forgets_revoked_and_replaced() {
        let mut creds = Credentials::<Source>::default();
        let t1 = Token::generate(SOURCE_TOKEN_PREFIX).unwrap();
        let rec = serde_json::to_vec(&source("wire", &t1)).unwrap();
        creds.apply("wire", Some(&rec)).unwrap();
        assert_eq!(creds.find(t1.reveal()).unwrap().name, "wire");
        assert!(creds.find("nfs_other").is_none());
        // Re-registered with a new token: the old one stops working.
        let t2 = Token::generate(SOURCE_TOKEN_PREFIX).unwrap();
        let rec = serde_json::to_vec(&source("wire", &t2)).unwrap();
        creds.apply("wire", Some(&rec)).unwrap();
        assert!(creds.find(t1.reveal()).is_none());
        assert!(creds.find(t2.reveal()).is_some());
        creds.apply("wire", None).unwrap();
        assert!(creds.find(t2.reveal()).is_none());
        assert!(creds.all().is_empty());
        // A record whose key and name disagree is refused.
        assert!(creds.apply("other", Some(&rec)).is_err());
    }

    #[test]
    fn prefixes_decide_what_a_source_may_write() {
        let t = Token::generate(SOURCE_TOKEN_PREFIX).unwrap();
        let s = source("wire", &t);
        assert!(s.may_write("https://a.example/2026/story"));
        assert!(!s.may_write("https://b.example/2026/story"));
        assert!(!s.may_write("https://a.example"));
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer nfs_x"),
        );
        assert_eq!(bearer(&h), Some("nfs_x"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }
}
