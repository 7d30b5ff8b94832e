//! Secrets that must be kept in Kafka (webhook signing secrets) are stored
//! sealed: encrypted and authenticated with XChaCha20-Poly1305 (RustCrypto's
//! `chacha20poly1305`; 24-byte random nonces, so random nonces never
//! collide in practice), bound to the record they belong to by associated
//! data, and tagged with the id of the key that sealed them.
//!
//! The key is 32 random bytes, base64 in the file `NEWSFEED_SECRETS_KEY_FILE`
//! (`openssl rand -base64 32 > FILE`). A key's id is derived from the key
//! itself, so rotating is: make a new key file, point
//! `NEWSFEED_SECRETS_KEY_FILE` at it and list the old one in
//! `NEWSFEED_SECRETS_PREVIOUS_KEY_FILES`. New secrets are sealed with the
//! new key; older records still open with the old one.

use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// The key settings.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SecretsArgs {
    /// File holding the base64-encoded 32-byte key that seals secrets kept in
    /// Kafka (`openssl rand -base64 32 > FILE`). Without it nothing that
    /// needs a stored secret (webhook subscriptions) can be created.
    #[arg(long, env = "NEWSFEED_SECRETS_KEY_FILE", default_value = "")]
    pub secrets_key_file: String,

    /// Earlier key files, comma-separated: secrets sealed with them still
    /// open after a key rotation.
    #[arg(long, env = "NEWSFEED_SECRETS_PREVIOUS_KEY_FILES", default_value = "")]
    pub secrets_previous_key_files: String,
}

impl SecretsArgs {
    /// The keys, or `None` when no key file is set; names the variable on error.
    pub fn keyring(&self) -> anyhow::Result<Option<Keyring>> {
        let previous: Vec<&str> = self
            .secrets_previous_key_files
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let current = self.secrets_key_file.trim();
        if current.is_empty() {
            if !previous.is_empty() {
                bail!(
                    "NEWSFEED_SECRETS_PREVIOUS_KEY_FILES: set, but NEWSFEED_SECRETS_KEY_FILE is not"
                );
            }
            return Ok(None);
        }
        let current = read_key("NEWSFEED_SECRETS_KEY_FILE", Path::new(current))?;
        let previous = previous
            .iter()
            .map(|p| read_key("NEWSFEED_SECRETS_PREVIOUS_KEY_FILES", Path::new(p)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Some(Keyring::from_keys(current, previous)))
    }
}

/// Reads a key file; the error names `var` and the file, never its content.
fn read_key(var: &str, path: &Path) -> anyhow::Result<[u8; KEY_BYTES]> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("{var}: reading {shown}"))?;
    let key = STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|k| <[u8; KEY_BYTES]>::try_from(k).ok());
    let Some(key) = key else {
        bail!(
            "{var}: {shown} does not hold a base64-encoded {KEY_BYTES}-byte key \
             (make one with `openssl rand -base64 32 > {shown}`)"
        );
    };
    warn_if_readable_by_others(var, path);
    Ok(key)
}

#[cfg(unix)]
fn warn_if_readable_by_others(var: &str, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            file = %path.display(),
            "{var}: the key file is readable by other users; chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &str, _: &Path) {}

/// A secret as stored: which key sealed it, the nonce and the ciphertext
/// (with its tag), both base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sealed {
    /// Id of the key that sealed it.
    pub key_id: String,
    /// The random nonce.
    pub nonce: String,
    /// Ciphertext and authentication tag.
    pub ciphertext: String,
}

/// Why a sealed secret did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsealable {
    /// No key was configured at all.
    #[error("cannot be opened: NEWSFEED_SECRETS_KEY_FILE is not set")]
    NoKeys,
    /// Sealed with a key that is not configured.
    #[error(
        "sealed with key {0}, which is neither NEWSFEED_SECRETS_KEY_FILE nor in NEWSFEED_SECRETS_PREVIOUS_KEY_FILES"
    )]
    UnknownKey(String),
    /// The key is there but the data does not authenticate.
    #[error("does not open with key {0} (damaged, or copied from another record)")]
    Damaged(String),
}

/// The current key and the previous ones.
#[derive(Clone)]
pub struct Keyring {
    current: Key,
    previous: Vec<Key>,
}

#[derive(Clone)]
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl Key {
    fn new(bytes: &[u8; KEY_BYTES]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"newsfeed secrets key id\0")
            .chain_update(bytes)
            .finalize();
        let id: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            id: format!("k_{id}"),
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }
}

// Key ids only: never the keys.
impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// A keyring sealing with `current` and also opening with `previous`.
    pub fn from_keys(current: [u8; KEY_BYTES], previous: Vec<[u8; KEY_BYTES]>) -> Self {
        Self {
            current: Key::new(&current),
            previous: previous.iter().map(Key::new).collect(),
        }
    }

    /// The id new secrets are sealed under.
    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` for the record `context` (e.g. its key).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> anyhow::Result<Sealed> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing a secret failed"))?;
        Ok(Sealed {
            key_id: self.current.id.clone(),
            nonce: STANDARD.encode(nonce),
            ciphertext: STANDARD.encode(ciphertext),
        })
    }

    /// Opens what [`Keyring::seal`] sealed for the same `context`.
    pub fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, Unsealable> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| Unsealable::UnknownKey(sealed.key_id.clone()))?;
        let damaged = || Unsealable::Damaged(key.id.clone());
        let nonce = STANDARD.decode(&sealed.nonce).map_err(|_| damaged())?;
        let ciphertext = STANDARD.decode(&sealed.ciphertext).map_err(|_| damaged())?;
        if nonce.len() != NONCE_BYTES {
            return Err(damaged());
        }
        key.cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| damaged())
    }
}

/// Opens `sealed` with `keyring`, which may be missing.
pub fn open(
    keyring: Option<&Keyring>,
    sealed: &Sealed,
    context: &[u8],
) -> Result<Vec<u8>, Unsealable> {
    keyring.ok_or(Unsealable::NoKeys)?.open(sealed, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> [u8; KEY_BYTES] {
        [byte; KEY_BYTES]
    }

    #[test]
    fn seals_and_opens_bound_to_the_record() {
        let ring = Keyring::from_keys(key(1), Vec::new());
        let sealed = ring.seal(b"whsec_abc", b"sub_1").unwrap();
        assert_eq!(sealed.key_id, ring.current_key_id());
        assert!(!sealed.ciphertext.contains("whsec"));
        assert_eq!(ring.open(&sealed, b"sub_1").unwrap(), b"whsec_abc");
        let again = ring.seal(b"whsec_abc", b"sub_1").unwrap();
        assert_ne!(sealed.nonce, again.nonce, "nonces are random");
        assert_ne!(sealed.ciphertext, again.ciphertext);
        // Moved to another record, or tampered with: refused.
        assert!(matches!(
            ring.open(&sealed, b"sub_2"),
            Err(Unsealable::Damaged(_))
        ));
        let mut tampered = sealed.clone();
        tampered.ciphertext = STANDARD.encode(b"something else entirely..");
        assert!(matches!(
            ring.open(&tampered, b"sub_1"),
            Err(Unsealable::Damaged(_))
        ));
    }

    #[test]
    fn rotation_opens_old_records_and_seals_with_the_new_key() {
        let old = Keyring::from_keys(key(1), Vec::new());
        let sealed_old = old.seal(b"s1", b"a").unwrap();
        let rotated = Keyring::from_keys(key(2), vec![key(1)]);
        assert_ne!(rotated.current_key_id(), old.current_key_id());
        assert_eq!(rotated.open(&sealed_old, b"a").unwrap(), b"s1");
        let sealed_new = rotated.seal(b"s2", b"b").unwrap();
        assert_eq!(sealed_new.key_id, rotated.current_key_id());
        assert_eq!(
            old.open(&sealed_new, b"b"),
            Err(Unsealable::UnknownKey(sealed_new.key_id.clone()))
        );
        assert_eq!(open(None, &sealed_new, b"b"), Err(Unsealable::NoKeys));
        assert!(!format!("{rotated:?}").contains("cipher"));
    }

    #[test]
    fn key_files_are_read_and_bad_ones_name_the_variable() {
        let dir = std::env::temp_dir().join(format!("newsfeed-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.key");
        std::fs::write(&good, format!("{}\n", STANDARD.encode(key(7)))).unwrap();
        let short = dir.join("short.key");
        std::fs::write(&short, STANDARD.encode([1u8; 16])).unwrap();
        let args = |current: Option<&Path>, previous: &str| SecretsArgs {
            secrets_key_file: current.map(|p| p.display().to_string()).unwrap_or_default(),
            secrets_previous_key_files: previous.to_owned(),
        };

        let ring = args(Some(&good), "").keyring().unwrap().unwrap();
        assert_eq!(
            ring.current_key_id(),
            Keyring::from_keys(key(7), Vec::new()).current_key_id()
        );
        assert!(args(None, "").keyring().unwrap().is_none());
        assert!(args(Some(Path::new("")), "").keyring().unwrap().is_none());
        let err = args(Some(&short), "").keyring().unwrap_err().to_string();
        assert!(err.starts_with("NEWSFEED_SECRETS_KEY_FILE: "), "{err}");
        let missing = dir.join("missing.key");
        let err = args(Some(&missing), "").keyring().unwrap_err().to_string();
        assert!(err.starts_with("NEWSFEED_SECRETS_KEY_FILE: "), "{err}");
        let err = args(Some(&good), &short.display().to_string())
            .keyring()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("NEWSFEED_SECRETS_PREVIOUS_KEY_FILES: "),
            "{err}"
        );
        let err = args(None, &good.display().to_string())
            .keyring()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("NEWSFEED_SECRETS_PREVIOUS_KEY_FILES: "),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
