//! The command line: `newsfeedctl <area> <action>`.

use clap::{Parser, Subcommand};
use newsfeed_runtime::KafkaArgs;
use newsfeed_runtime::auth::{DEFAULT_SOURCE_RATE, Scope};

use crate::admin::Admin;
use crate::credentials;
use crate::dlq::{self, LetterId, Selection, Stage};
use crate::feeds;
use crate::top::{self, Target};

/// Newsfeed's admin tool for operators.
#[derive(Debug, Parser)]
#[command(
    name = "newsfeedctl",
    version,
    about = "Newsfeed's admin tool for operators."
)]
pub(crate) struct Cli {
    /// Kafka settings (the same as the services').
    #[command(flatten)]
    kafka: KafkaArgs,

    /// Which addresses feed URLs may reach (checked at `feeds add`).
    #[command(flatten)]
    outbound: newsfeed_runtime::outbound::OutboundArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Newsroom systems allowed to write stories to ingest.
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// Downstream systems with scopes on publish (webhook subscriptions, reading).
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// Dead letters of enrich, publish and webhook deliveries: list, show, replay.
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// Feeds (RSS, Atom, JSON Feed, ninjs over HTTP) ingest polls as sources.
    #[command(subcommand)]
    Feeds(FeedsCommand),
    /// A live view of the pipeline from the services' /metrics and /readyz.
    Top(TopArgs),
}

#[derive(Debug, Subcommand)]
enum FeedsCommand {
    /// Registers a feed (or changes its source or interval); prints its id.
    Add {
        /// The feed's http(s) URL; it must reach a public address, or one
        /// NEWSFEED_OUTBOUND_ALLOW_NETS opens.
        url: String,
        /// The registered source its stories are written as (its uri prefixes and rate apply).
        #[arg(long)]
        source: String,
        /// Time between polls (with ±10% jitter): 90, 90s, 5m, 1h; from 1s to 24h.
        #[arg(long, default_value = "60s", value_parser = newsfeed_runtime::feeds::parse_interval)]
        interval: std::time::Duration,
    },
    /// Lists the feeds: url, source, interval, last poll, status, entries seen.
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Removes a feed: ingest stops polling it.
    Remove {
        /// The feed's id (as `feeds list` shows) or its URL.
        feed: String,
    },
}

#[derive(Debug, Subcommand)]
enum DlqCommand {
    /// Lists a stage's dead letters: id, time, uri, reason, where the record was.
    List {
        /// The stage whose dead letters to list.
        #[arg(long, value_enum)]
        stage: Stage,
        /// Only the newest N.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Shows one dead letter whole: why, where from, headers and value.
    Show {
        /// The dead letter, as `dlq list` names it: stage:partition:offset.
        #[arg(value_parser = parse_letter_id)]
        id: LetterId,
    },
    /// Re-sends chosen dead letters to the stage's input (after a taxonomy
    /// or code fix), each at most once however often this runs.
    Replay {
        /// The stage whose dead letters to replay.
        #[arg(long, value_enum)]
        stage: Stage,
        /// Only the dead letters of this story uri.
        #[arg(long, conflicts_with = "since")]
        uri: Option<String>,
        /// Only those dead-lettered since: an RFC 3339 time or an age (30m, 2h, 7d).
        #[arg(long, value_parser = dlq::parse_since)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// Say what would be replayed, and replay nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, clap::Args)]
struct TopArgs {
    /// Ingest's base URL.
    #[arg(
        long,
        env = "NEWSFEED_TOP_INGEST",
        default_value = "http://127.0.0.1:8081"
    )]
    ingest: String,
    /// Enrich's base URL.
    #[arg(
        long,
        env = "NEWSFEED_TOP_ENRICH",
        default_value = "http://127.0.0.1:8082"
    )]
    enrich: String,
    /// Publish's base URL.
    #[arg(
        long,
        env = "NEWSFEED_TOP_PUBLISH",
        default_value = "http://127.0.0.1:8083"
    )]
    publish: String,
    /// Refresh interval, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
    /// Print one snapshot to stdout and exit.
    #[arg(long)]
    once: bool,
}

fn parse_letter_id(s: &str) -> Result<LetterId, String> {
    LetterId::parse(s).map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
enum SourcesCommand {
    /// Registers a source and prints its bearer token (shown only this once).
    Add {
        /// The source's name: lower-case letters, digits, '.', '_' or '-'.
        name: String,
        /// Story uris it may write start with this (repeat for more).
        #[arg(long = "uri-prefix", required = true)]
        uri_prefixes: Vec<String>,
        /// Most stories a minute (per ingest instance); a burst of this many is allowed.
        #[arg(long, default_value_t = DEFAULT_SOURCE_RATE)]
        rate: u32,
        /// Replace an existing source of that name (a new token; the old one stops working).
        #[arg(long)]
        replace: bool,
    },
    /// Lists the sources (never their tokens).
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revokes a source: its token stops working on every ingest instance.
    Revoke {
        /// The source's name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum ClientsCommand {
    /// Registers a client and prints its bearer token (shown only this once).
    Add {
        /// The client's name: lower-case letters, digits, '.', '_' or '-'.
        name: String,
        /// What it may do (repeat, or comma-separate).
        #[arg(long = "scope", required = true, value_delimiter = ',')]
        scopes: Vec<Scope>,
        /// Replace an existing client of that name (a new token; the old one stops working).
        #[arg(long)]
        replace: bool,
    },
    /// Lists the clients (never their tokens).
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revokes a client: its token stops working on every publish instance.
    Revoke {
        /// The client's name.
        name: String,
    },
}

impl Cli {
    /// Runs the command.
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        // `top` reads HTTP only: it needs no Kafka.
        let command = match self.command {
            Command::Top(t) => return run_top(t).await,
            other => other,
        };
        self.kafka.validate()?;
        let admin = Admin::new(&self.kafka);
        let topics = self.kafka.topics();
        match command {
            Command::Sources(c) => match c {
                SourcesCommand::Add {
                    name,
                    uri_prefixes,
                    rate,
                    replace,
                } => {
                    credentials::add_source(
                        &admin,
                        &topics.sources,
                        &name,
                        uri_prefixes,
                        rate,
                        replace,
                    )
                    .await
                }
                SourcesCommand::List { json } => {
                    credentials::list_sources(&admin, &topics.sources, json).await
                }
                SourcesCommand::Revoke { name } => {
                    credentials::revoke(&admin, &topics.sources, "source", &name).await
                }
            },
            Command::Clients(c) => match c {
                ClientsCommand::Add {
                    name,
                    scopes,
                    replace,
                } => credentials::add_client(&admin, &topics.clients, &name, scopes, replace).await,
                ClientsCommand::List { json } => {
                    credentials::list_clients(&admin, &topics.clients, json).await
                }
                ClientsCommand::Revoke { name } => {
                    credentials::revoke(&admin, &topics.clients, "client", &name).await
                }
            },
            Command::Dlq(c) => match c {
                DlqCommand::List { stage, limit, json } => {
                    dlq::list(&admin, &topics, stage, limit, json).await
                }
                DlqCommand::Show { id } => dlq::show(&admin, &topics, id).await,
                DlqCommand::Replay {
                    stage,
                    uri,
                    since,
                    dry_run,
                } => {
                    let selection = Selection { uri, since };
                    dlq::replay(&admin, &topics, stage, &selection, dry_run).await
                }
            },
            Command::Feeds(c) => match c {
                FeedsCommand::Add {
                    url,
                    source,
                    interval,
                } => {
                    let policy = self.outbound.policy()?;
                    feeds::add(&admin, &topics, &policy, &url, &source, interval).await
                }
                FeedsCommand::List { json } => feeds::list(&admin, &topics, json).await,
                FeedsCommand::Remove { feed } => feeds::remove(&admin, &topics, &feed).await,
            },
            Command::Top(_) => Ok(()),
        }
    }
}

async fn run_top(t: TopArgs) -> anyhow::Result<()> {
    let targets = vec![
        Target {
            service: "ingest",
            url: t.ingest,
        },
        Target {
            service: "enrich",
            url: t.enrich,
        },
        Target {
            service: "publish",
            url: t.publish,
        },
    ];
    let every = std::time::Duration::from_millis(t.interval_ms.max(100));
    top::run(targets, every, t.once).await
}
