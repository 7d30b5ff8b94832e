//! The command line: `newsfeedctl <area> <action>`.

use clap::{Parser, Subcommand};
use newsfeed_runtime::KafkaArgs;
use newsfeed_runtime::auth::{DEFAULT_SOURCE_RATE, Scope};

use crate::admin::Admin;
use crate::credentials;

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
        self.kafka.validate()?;
        let admin = Admin::new(&self.kafka);
        let topics = self.kafka.topics();
        match self.command {
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
        }
    }
}
