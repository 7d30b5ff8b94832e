//! Secrets keys for the services under test: a fresh key file per pipeline
//! (`NEWSFEED_SECRETS_KEY_FILE`), as `openssl rand -base64 32` writes one.

use std::path::PathBuf;

use base64::Engine;

/// The path of key `name` of the pipeline under `prefix`.
pub fn key_file(prefix: &str, name: &str) -> PathBuf {
    crate::repo_root()
        .join("target/e2e-keys")
        .join(format!("{prefix}{name}.key"))
}

/// Writes a new random key to [`key_file`] (readable by this user only)
/// and returns its path.
pub fn new_key_file(prefix: &str, name: &str) -> PathBuf {
    let path = key_file(prefix, name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("key dir");
    }
    let mut key = Vec::with_capacity(32);
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let text = format!(
        "{}\n",
        base64::engine::general_purpose::STANDARD.encode(&key)
    );
    std::fs::write(&path, text).expect("writing key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    path
}
