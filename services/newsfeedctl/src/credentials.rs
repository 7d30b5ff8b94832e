//! `newsfeedctl sources …` and `newsfeedctl clients …`: principals in the
//! compacted credentials topics. A new token goes to stdout, alone on its
//! line, and is never stored or shown again (only its hash is kept).

use anyhow::{Context, bail};
use chrono::{SecondsFormat, Utc};
use newsfeed_runtime::auth::{
    CLIENT_TOKEN_PREFIX, Client, Credentials, Principal, SOURCE_TOKEN_PREFIX, Scope, Source, Token,
};
use serde::Serialize;

use crate::admin::Admin;

/// Registers a source and prints its token.
pub(crate) async fn add_source(
    admin: &Admin,
    topic: &str,
    name: &str,
    uri_prefixes: Vec<String>,
    rate: u32,
    replace: bool,
) -> anyhow::Result<()> {
    check_name(name)?;
    for p in &uri_prefixes {
        check_uri_prefix(p)?;
    }
    if rate == 0 {
        bail!("--rate: must be at least 1 story a minute");
    }
    let existing = admin.load::<Credentials<Source>>(topic).await?;
    if existing.read().get(name).is_some() && !replace {
        bail!("source `{name}` exists; use --replace to issue it a new token, or revoke it first");
    }
    let token = Token::generate(SOURCE_TOKEN_PREFIX)?;
    let source = Source {
        name: name.to_owned(),
        uri_prefixes,
        rate_per_minute: rate,
        token_hash: token.hash(),
        token_hint: token.hint(),
        created_at: Utc::now(),
    };
    admin
        .put(topic, name, Some(&serde_json::to_vec(&source)?))
        .await?;
    println!("{}", token.reveal());
    eprintln!("newsfeedctl: source `{name}` registered; its token (above) is shown only this once");
    Ok(())
}

/// Registers a client and prints its token.
pub(crate) async fn add_client(
    admin: &Admin,
    topic: &str,
    name: &str,
    mut scopes: Vec<Scope>,
    replace: bool,
) -> anyhow::Result<()> {
    check_name(name)?;
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    let existing = admin.load::<Credentials<Client>>(topic).await?;
    if existing.read().get(name).is_some() && !replace {
        bail!("client `{name}` exists; use --replace to issue it a new token, or revoke it first");
    }
    let token = Token::generate(CLIENT_TOKEN_PREFIX)?;
    let client = Client {
        name: name.to_owned(),
        scopes,
        token_hash: token.hash(),
        token_hint: token.hint(),
        created_at: Utc::now(),
    };
    admin
        .put(topic, name, Some(&serde_json::to_vec(&client)?))
        .await?;
    println!("{}", token.reveal());
    eprintln!("newsfeedctl: client `{name}` registered; its token (above) is shown only this once");
    Ok(())
}

/// Revokes `name`: a tombstone, so compaction forgets it too.
pub(crate) async fn revoke(
    admin: &Admin,
    topic: &str,
    kind: &str,
    name: &str,
) -> anyhow::Result<()> {
    let known = if kind == "source" {
        admin
            .load::<Credentials<Source>>(topic)
            .await?
            .read()
            .get(name)
            .is_some()
    } else {
        admin
            .load::<Credentials<Client>>(topic)
            .await?
            .read()
            .get(name)
            .is_some()
    };
    if !known {
        bail!("no {kind} named `{name}`");
    }
    admin.put(topic, name, None).await?;
    eprintln!("newsfeedctl: {kind} `{name}` revoked");
    Ok(())
}

/// One row of `list`: never the token or its hash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_prefixes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate_per_minute: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<&'static str>>,
    token: String,
    created_at: String,
}

/// Prints every source.
pub(crate) async fn list_sources(admin: &Admin, topic: &str, json: bool) -> anyhow::Result<()> {
    let table = admin.load::<Credentials<Source>>(topic).await?;
    let rows: Vec<Row> = table
        .read()
        .all()
        .iter()
        .map(|s| Row {
            name: s.name.clone(),
            uri_prefixes: Some(s.uri_prefixes.clone()),
            rate_per_minute: Some(s.rate_per_minute),
            scopes: None,
            token: s.token_hint.clone(),
            created_at: s.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        })
        .collect();
    print_rows(&rows, json, "sources")
}

/// Prints every client.
pub(crate) async fn list_clients(admin: &Admin, topic: &str, json: bool) -> anyhow::Result<()> {
    let table = admin.load::<Credentials<Client>>(topic).await?;
    let rows: Vec<Row> = table
        .read()
        .all()
        .iter()
        .map(|c| Row {
            name: c.name().to_owned(),
            uri_prefixes: None,
            rate_per_minute: None,
            scopes: Some(c.scopes.iter().map(|s| s.as_str()).collect()),
            token: c.token_hint.clone(),
            created_at: c.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        })
        .collect();
    print_rows(&rows, json, "clients")
}

fn print_rows(rows: &[Row], json: bool, what: &str) -> anyhow::Result<()> {
    if json {
        for r in rows {
            println!("{}", serde_json::to_string(r)?);
        }
        return Ok(());
    }
    if rows.is_empty() {
        eprintln!("newsfeedctl: no {what}");
        return Ok(());
    }
    let detail = |r: &Row| match (&r.uri_prefixes, &r.scopes) {
        (Some(p), _) => format!(
            "{}/min  {}",
            r.rate_per_minute.unwrap_or_default(),
            p.join(" ")
        ),
        (_, Some(s)) => s.join(","),
        _ => String::new(),
    };
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    println!(
        "{:width$}  {:12}  {:20}  {}",
        "NAME",
        "TOKEN",
        "CREATED",
        if what == "sources" {
            "RATE  URI PREFIXES"
        } else {
            "SCOPES"
        }
    );
    for r in rows {
        println!(
            "{:width$}  {:12}  {:20}  {}",
            r.name,
            r.token,
            r.created_at,
            detail(r)
        );
    }
    Ok(())
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if !ok {
        bail!(
            "NAME: `{name}` must be 1–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        );
    }
    Ok(())
}

/// A prefix must at least name a scheme and something after it; for web
/// uris, the whole host and a path start, so `https://a.example` cannot
/// be stretched to `https://a.example.evil/`.
fn check_uri_prefix(prefix: &str) -> anyhow::Result<()> {
    let scheme_ok = prefix.split_once(':').is_some_and(|(s, _)| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    if !scheme_ok {
        bail!(
            "--uri-prefix: `{prefix}` must start with a uri scheme, e.g. https://newsroom.example/ or urn:newsroom:"
        );
    }
    let scheme = prefix
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if scheme == "http" || scheme == "https" {
        let url = url::Url::parse(prefix).with_context(|| format!("--uri-prefix: `{prefix}`"))?;
        let host_end = prefix
            .find("//")
            .map(|i| i + 2)
            .and_then(|start| prefix[start..].find('/').map(|i| start + i));
        if url.host_str().is_none() || host_end.is_none() {
            bail!(
                "--uri-prefix: `{prefix}` must include the whole host and a `/` after it, e.g. https://newsroom.example/"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_prefixes_are_checked() {
        assert!(check_name("wire-1.desk_a").is_ok());
        for bad in ["", "Wire", "-x", "a b", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        for good in [
            "https://newsroom.example/",
            "https://a.example/stories/",
            "urn:newsroom:",
            "tag:a.example,2026:",
            "urn:",
        ] {
            assert!(check_uri_prefix(good).is_ok(), "{good}");
        }
        for bad in [
            "https://newsroom.example",
            "newsroom",
            "https:",
            "https://",
            "1x:abc",
        ] {
            assert!(check_uri_prefix(bad).is_err(), "{bad}");
        }
    }
}
