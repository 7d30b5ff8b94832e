//! TLS and SASL to the broker: `NEWSFEED_KAFKA_SECURITY_PROTOCOL`,
//! `NEWSFEED_KAFKA_SASL_MECHANISM`, `NEWSFEED_KAFKA_SASL_USERNAME`,
//! `NEWSFEED_KAFKA_SASL_PASSWORD_FILE` and `NEWSFEED_KAFKA_CA_FILE`, part of
//! every service's [`KafkaArgs`](super::KafkaArgs). `KafkaClients::base()`
//! turns them into client settings.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// How clients authenticate to the broker and protect the connection.
/// The password is only ever read from its file, when a client is built;
/// it is not kept in the settings, so it cannot reach logs or `Debug` output.
#[derive(Debug, Clone, clap::Args)]
pub struct KafkaSecurity {
    /// Connection security: plaintext, ssl (TLS), sasl_plaintext or sasl_ssl (SASL over TLS).
    #[arg(
        long = "kafka-security-protocol",
        env = "NEWSFEED_KAFKA_SECURITY_PROTOCOL",
        default_value = "plaintext",
        value_parser = SecurityProtocol::parse
    )]
    pub protocol: SecurityProtocol,

    /// SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN (PLAIN only over TLS).
    #[arg(
        long = "kafka-sasl-mechanism",
        env = "NEWSFEED_KAFKA_SASL_MECHANISM",
        default_value = "SCRAM-SHA-512",
        value_parser = SaslMechanism::parse
    )]
    pub sasl_mechanism: SaslMechanism,

    /// SASL user name (with a sasl_* protocol).
    #[arg(long = "kafka-sasl-username", env = "NEWSFEED_KAFKA_SASL_USERNAME")]
    pub sasl_username: Option<String>,

    /// File holding the SASL password (trailing newline ignored); read when clients are built.
    #[arg(
        long = "kafka-sasl-password-file",
        env = "NEWSFEED_KAFKA_SASL_PASSWORD_FILE"
    )]
    pub sasl_password_file: Option<PathBuf>,

    /// PEM file of the CA certificate(s) that signed the broker's certificate
    /// (with ssl or sasl_ssl; default: the system's trust store).
    #[arg(long = "kafka-ca-file", env = "NEWSFEED_KAFKA_CA_FILE")]
    pub ca_file: Option<PathBuf>,
}

/// `NEWSFEED_KAFKA_SECURITY_PROTOCOL`: Kafka's four security protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityProtocol {
    /// No TLS, no authentication.
    Plaintext,
    /// TLS, no SASL.
    Ssl,
    /// SASL without TLS.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

impl SecurityProtocol {
    fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "plaintext" => Ok(Self::Plaintext),
            "ssl" => Ok(Self::Ssl),
            "sasl_plaintext" => Ok(Self::SaslPlaintext),
            "sasl_ssl" => Ok(Self::SaslSsl),
            _ => Err(format!(
                "NEWSFEED_KAFKA_SECURITY_PROTOCOL: `{}` is not one of plaintext, ssl, sasl_plaintext, sasl_ssl",
                short(value)
            )),
        }
    }

    /// The name librdkafka and Kafka use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plaintext => "plaintext",
            Self::Ssl => "ssl",
            Self::SaslPlaintext => "sasl_plaintext",
            Self::SaslSsl => "sasl_ssl",
        }
    }

    /// True for `sasl_plaintext` and `sasl_ssl`.
    pub fn uses_sasl(self) -> bool {
        matches!(self, Self::SaslPlaintext | Self::SaslSsl)
    }

    /// True for `ssl` and `sasl_ssl`.
    pub fn uses_tls(self) -> bool {
        matches!(self, Self::Ssl | Self::SaslSsl)
    }
}

/// `NEWSFEED_KAFKA_SASL_MECHANISM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    /// SCRAM with SHA-256.
    ScramSha256,
    /// SCRAM with SHA-512.
    ScramSha512,
    /// The password itself on the wire: only over TLS.
    Plain,
}

impl SaslMechanism {
    fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_uppercase().as_str() {
            "SCRAM-SHA-256" => Ok(Self::ScramSha256),
            "SCRAM-SHA-512" => Ok(Self::ScramSha512),
            "PLAIN" => Ok(Self::Plain),
            _ => Err(format!(
                "NEWSFEED_KAFKA_SASL_MECHANISM: `{}` is not one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN",
                short(value)
            )),
        }
    }

    /// The name librdkafka and Kafka use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
            Self::Plain => "PLAIN",
        }
    }
}

/// At most 40 characters of a value, for error messages.
fn short(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

/// A SASL password as read from its file. `Debug` never shows it.
pub struct Password(String);

impl Password {
    /// The password itself, for the client configuration only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl KafkaSecurity {
    /// Checks that the settings fit together and the files can be read.
    pub fn validate(&self) -> anyhow::Result<()> {
        let protocol = self.protocol.as_str();
        if self.protocol.uses_sasl() {
            if self.sasl_username.as_deref().is_none_or(str::is_empty) {
                bail!(
                    "NEWSFEED_KAFKA_SASL_USERNAME: required when NEWSFEED_KAFKA_SECURITY_PROTOCOL is {protocol}"
                );
            }
            if self.sasl_password_file.is_none() {
                bail!(
                    "NEWSFEED_KAFKA_SASL_PASSWORD_FILE: required when NEWSFEED_KAFKA_SECURITY_PROTOCOL is {protocol}"
                );
            }
            self.sasl_password()?;
            if self.sasl_mechanism == SaslMechanism::Plain && !self.protocol.uses_tls() {
                bail!(
                    "NEWSFEED_KAFKA_SASL_MECHANISM: PLAIN sends the password in clear text; \
                     use it only with NEWSFEED_KAFKA_SECURITY_PROTOCOL=sasl_ssl, or use SCRAM-SHA-512"
                );
            }
        } else if self.sasl_username.is_some() || self.sasl_password_file.is_some() {
            let var = if self.sasl_username.is_some() {
                "NEWSFEED_KAFKA_SASL_USERNAME"
            } else {
                "NEWSFEED_KAFKA_SASL_PASSWORD_FILE"
            };
            bail!(
                "{var}: set, but NEWSFEED_KAFKA_SECURITY_PROTOCOL is {protocol}, so it would not be used \
                 (set NEWSFEED_KAFKA_SECURITY_PROTOCOL=sasl_ssl)"
            );
        }
        if let Some(ca) = &self.ca_file {
            if !self.protocol.uses_tls() {
                bail!(
                    "NEWSFEED_KAFKA_CA_FILE: set, but NEWSFEED_KAFKA_SECURITY_PROTOCOL is {protocol}, so it \
                     would not be used (set NEWSFEED_KAFKA_SECURITY_PROTOCOL=ssl or sasl_ssl)"
                );
            }
            let pem = read_file("NEWSFEED_KAFKA_CA_FILE", ca)?;
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                bail!(
                    "NEWSFEED_KAFKA_CA_FILE: `{}` holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    ca.display()
                );
            }
        }
        Ok(())
    }

    /// The SASL password, read from `NEWSFEED_KAFKA_SASL_PASSWORD_FILE` now
    /// (so a rotated file is picked up by the next client); `None` without SASL.
    pub fn sasl_password(&self) -> anyhow::Result<Option<Password>> {
        let Some(path) = self
            .sasl_password_file
            .as_deref()
            .filter(|_| self.protocol.uses_sasl())
        else {
            return Ok(None);
        };
        let text = read_file("NEWSFEED_KAFKA_SASL_PASSWORD_FILE", path)?;
        let password = text.trim_end_matches(['\n', '\r']);
        if password.is_empty() {
            bail!(
                "NEWSFEED_KAFKA_SASL_PASSWORD_FILE: `{}` is empty",
                path.display()
            );
        }
        Ok(Some(Password(password.to_owned())))
    }
}

/// Reads a settings file; the error names the variable and the path, never the content.
fn read_file(var: &str, path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) => bail!("{var}: cannot read `{}`: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KafkaArgs;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        kafka: KafkaArgs,
    }

    fn validate(args: &[&str]) -> Result<KafkaArgs, String> {
        let cli = Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        cli.kafka.validate().map_err(|e| e.to_string())?;
        Ok(cli.kafka)
    }

    fn temp_file(name: &str, content: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("newsfeed-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    #[test]
    fn security_settings_that_do_not_fit_name_the_variable() {
        let password = temp_file("password", "s3cret-value\n");
        let pw = password.to_str().unwrap();
        let cases: &[(&[&str], &str)] = &[
            (
                &["--kafka-security-protocol", "tls"],
                "NEWSFEED_KAFKA_SECURITY_PROTOCOL",
            ),
            (
                &["--kafka-sasl-mechanism", "GSSAPI"],
                "NEWSFEED_KAFKA_SASL_MECHANISM",
            ),
            (
                &[
                    "--kafka-security-protocol",
                    "sasl_ssl",
                    "--kafka-sasl-password-file",
                    pw,
                ],
                "NEWSFEED_KAFKA_SASL_USERNAME",
            ),
            (
                &[
                    "--kafka-security-protocol",
                    "sasl_ssl",
                    "--kafka-sasl-username",
                    "ingest",
                ],
                "NEWSFEED_KAFKA_SASL_PASSWORD_FILE",
            ),
            (
                &[
                    "--kafka-security-protocol",
                    "sasl_ssl",
                    "--kafka-sasl-username",
                    "ingest",
                    "--kafka-sasl-password-file",
                    "/nonexistent/password",
                ],
                "NEWSFEED_KAFKA_SASL_PASSWORD_FILE",
            ),
            (
                &[
                    "--kafka-security-protocol",
                    "sasl_plaintext",
                    "--kafka-sasl-mechanism",
                    "PLAIN",
                    "--kafka-sasl-username",
                    "ingest",
                    "--kafka-sasl-password-file",
                    pw,
                ],
                "NEWSFEED_KAFKA_SASL_MECHANISM",
            ),
            (
                &["--kafka-sasl-username", "ingest"],
                "NEWSFEED_KAFKA_SASL_USERNAME",
            ),
            (&["--kafka-ca-file", pw], "NEWSFEED_KAFKA_CA_FILE"),
            (
                &[
                    "--kafka-security-protocol",
                    "ssl",
                    "--kafka-ca-file",
                    "/nonexistent/ca.pem",
                ],
                "NEWSFEED_KAFKA_CA_FILE",
            ),
            (
                &["--kafka-security-protocol", "ssl", "--kafka-ca-file", pw],
                "NEWSFEED_KAFKA_CA_FILE",
            ),
        ];
        for (args, var) in cases {
            let err = validate(args).expect_err(&format!("{args:?} should be refused"));
            assert!(err.contains(var), "{args:?}: `{err}` does not name {var}");
            assert!(
                !err.contains("s3cret"),
                "{args:?}: `{err}` shows the password"
            );
        }
        let empty = temp_file("empty", "\n");
        let err = validate(&[
            "--kafka-security-protocol",
            "sasl_ssl",
            "--kafka-sasl-username",
            "ingest",
            "--kafka-sasl-password-file",
            empty.to_str().unwrap(),
        ])
        .unwrap_err();
        assert!(
            err.starts_with("NEWSFEED_KAFKA_SASL_PASSWORD_FILE"),
            "{err}"
        );
    }

    #[test]
    fn the_password_is_read_from_its_file_and_never_shown() {
        let password = temp_file("password", "s3cret-value\n");
        let ca = temp_file(
            "ca.pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        );
        let args = validate(&[
            "--kafka-security-protocol",
            "SASL_SSL",
            "--kafka-sasl-mechanism",
            "scram-sha-256",
            "--kafka-sasl-username",
            "ingest",
            "--kafka-sasl-password-file",
            password.to_str().unwrap(),
            "--kafka-ca-file",
            ca.to_str().unwrap(),
        ])
        .unwrap();
        assert_eq!(args.security.protocol, SecurityProtocol::SaslSsl);
        assert_eq!(args.security.sasl_mechanism, SaslMechanism::ScramSha256);
        let secret = args.security.sasl_password().unwrap().unwrap();
        assert_eq!(secret.expose(), "s3cret-value");
        assert!(!format!("{args:?} {secret:?}").contains("s3cret"));
    }

    #[test]
    fn help_lists_every_security_variable() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for var in [
            "NEWSFEED_KAFKA_SECURITY_PROTOCOL",
            "NEWSFEED_KAFKA_SASL_MECHANISM",
            "NEWSFEED_KAFKA_SASL_USERNAME",
            "NEWSFEED_KAFKA_SASL_PASSWORD_FILE",
            "NEWSFEED_KAFKA_CA_FILE",
        ] {
            assert!(help.contains(var), "--help lacks {var}");
        }
    }
}
