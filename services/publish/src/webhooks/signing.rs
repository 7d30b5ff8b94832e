//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): a
//! subscription's secret is `whsec_` + base64 of random bytes, and every
//! request carries `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed with the decoded
//! secret. Any Standard Webhooks library can verify what we send.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use newsfeed_runtime::secrets::{self, Keyring, Sealed, Unsealable};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Random bytes in a new secret (the spec asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// A subscription's signing secret; stored and sent as `whsec_<base64>`.
#[derive(Clone)]
pub(crate) struct Secret {
    text: String,
    key: Vec<u8>,
}

// Never print the key, not even in debug logs.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

impl Secret {
    /// A new secret from the operating system's random source.
    pub(crate) fn generate() -> anyhow::Result<Self> {
        let mut key = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(Self {
            text: format!("{PREFIX}{}", STANDARD.encode(&key)),
            key,
        })
    }

    /// Reads `whsec_<base64>`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let encoded = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| format!("a secret starts with `{PREFIX}`"))?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|e| format!("secret is not base64: {e}"))?;
        if key.is_empty() {
            return Err("secret is empty".into());
        }
        Ok(Self {
            text: text.to_owned(),
            key,
        })
    }

    /// The secret encrypted for Kafka, bound to subscription `id`.
    pub(crate) fn seal(&self, keyring: &Keyring, id: &str) -> anyhow::Result<Sealed> {
        keyring.seal(self.text.as_bytes(), id.as_bytes())
    }

    /// The secret of subscription `id`, from its stored form.
    pub(crate) fn open(
        keyring: Option<&Keyring>,
        stored: &StoredSecret,
        id: &str,
    ) -> Result<Self, Unsealable> {
        let sealed = match stored {
            StoredSecret::Sealed(sealed) => sealed,
            StoredSecret::Legacy(text) => {
                return Self::parse(text).map_err(|_| Unsealable::Damaged("(none)".into()));
            }
        };
        let plain = secrets::open(keyring, sealed, id.as_bytes())?;
        let text =
            String::from_utf8(plain).map_err(|_| Unsealable::Damaged(sealed.key_id.clone()))?;
        Self::parse(&text).map_err(|_| Unsealable::Damaged(sealed.key_id.clone()))
    }

    /// The `whsec_...` form handed to the subscriber.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The `webhook-signature` value for one request.
    pub(crate) fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256>>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// A signing secret as the subscriptions topic holds it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum StoredSecret {
    /// Sealed with the secrets key, bound to the subscription id.
    Sealed(Sealed),
    /// `whsec_…` in plain text, as written before secrets were sealed; read
    /// so that upgrading loses no subscription, and re-sealed as soon as a
    /// key is configured.
    Legacy(String),
}

// Never print a legacy secret.
impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sealed(s) => write!(f, "Sealed({})", s.key_id),
            Self::Legacy(_) => f.write_str("Legacy(whsec_…)"),
        }
    }
}

/// An unguessable URL-safe token of `bytes` random bytes (challenges).
pub(crate) fn random_token(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// A uniformly distributed number in `[0, 1)`, for retry jitter.
pub(crate) fn random_unit() -> f64 {
    let mut buf = [0u8; 4];
    // Without randomness, no jitter: still correct, only less spread.
    if getrandom::fill(&mut buf).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(buf)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        // From the Standard Webhooks specification's reference libraries.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let a = Secret::generate().unwrap();
        let b = Secret::generate().unwrap();
        assert!(a.as_str().starts_with("whsec_"));
        assert_ne!(a.as_str(), b.as_str());
        let again = Secret::parse(a.as_str()).unwrap();
        assert_eq!(again.key.len(), SECRET_BYTES);
        assert_eq!(again.sign("m", 1, b"x"), a.sign("m", 1, b"x"));
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(Secret::parse("whsec_!!!").is_err());
        assert_eq!(format!("{a:?}"), "Secret(whsec_…)");
    }

    #[test]
    fn sealed_secrets_open_only_for_their_subscription() {
        let keyring = Keyring::from_keys([9; 32], Vec::new());
        let secret = Secret::generate().unwrap();
        let sealed = StoredSecret::Sealed(secret.seal(&keyring, "sub_1").unwrap());
        let json = serde_json::to_string(&sealed).unwrap();
        assert!(!json.contains("whsec_"), "{json}");
        assert!(!json.contains(&secret.as_str()["whsec_".len()..]), "{json}");
        let opened = Secret::open(Some(&keyring), &sealed, "sub_1").unwrap();
        assert_eq!(opened.as_str(), secret.as_str());
        assert!(Secret::open(Some(&keyring), &sealed, "sub_2").is_err());
        assert_eq!(
            Secret::open(None, &sealed, "sub_1").unwrap_err(),
            Unsealable::NoKeys
        );
    }

    #[test]
    fn plain_text_secrets_of_earlier_versions_still_read() {
        let legacy: StoredSecret =
            serde_json::from_str(r#""whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw""#).unwrap();
        assert_eq!(format!("{legacy:?}"), "Legacy(whsec_…)");
        let secret = Secret::open(None, &legacy, "sub_1").unwrap();
        assert_eq!(secret.as_str(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let sealed: StoredSecret =
            serde_json::from_str(r#"{"keyId": "k_1", "nonce": "AA==", "ciphertext": "AA=="}"#)
                .unwrap();
        assert_eq!(format!("{sealed:?}"), "Sealed(k_1)");
    }

    #[test]
    fn jitter_stays_in_the_unit_interval() {
        for _ in 0..1000 {
            let u = random_unit();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
    }
}
