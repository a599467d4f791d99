//! `natrs micro ls|info|stats|ping`: services of the NATS Service API.

use crate::Global;
use crate::duration::format_duration;
use crate::output::{print_json, table};
use anyhow::{Result, bail};
use clap::Subcommand;
use natrs_tokio::service::{Discovery, Target};

/// The service commands.
#[derive(Debug, Subcommand)]
pub(crate) enum MicroCommand {
    /// List the services that answer
    #[command(
        visible_alias = "list",
        after_help = "Examples:\n  natrs micro ls\n  natrs micro ls calculator --json"
    )]
    Ls {
        /// Only instances of this service
        name: Option<String>,
    },
    /// Show the endpoints of a service's instances
    #[command(after_help = "Example:\n  natrs micro info calculator")]
    Info {
        /// Service name
        name: String,
        /// One instance only
        id: Option<String>,
    },
    /// Show request statistics of a service's endpoints
    #[command(after_help = "Example:\n  natrs micro stats calculator --json")]
    Stats {
        /// Service name
        name: String,
        /// One instance only
        id: Option<String>,
    },
    /// Ping services
    #[command(after_help = "Examples:\n  natrs micro ping\n  natrs micro ping calculator")]
    Ping {
        /// Only instances of this service
        name: Option<String>,
    },
}

fn target<'a>(name: Option<&'a str>, id: Option<&'a str>) -> Target<'a> {
    match (name, id) {
        (Some(name), Some(id)) => Target::Instance { name, id },
        (Some(name), None) => Target::Name(name),
        _ => Target::All,
    }
}

pub(crate) async fn run(command: MicroCommand, global: &Global) -> Result<()> {
    let settings = global.connect.settings()?;
    let client = settings.connect().await?;
    let discovery = Discovery::new(client.clone()).timeout(settings.timeout);
    let json = global.json;
    let result = match command {
        MicroCommand::Ls { name } => {
            let mut infos = discovery.info(target(name.as_deref(), None)).await?;
            infos.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            if json {
                print_json(&infos)
            } else if infos.is_empty() {
                bail!("no services answered");
            } else {
                let mut t = table(["Name", "Version", "ID", "Description", "Endpoints"]);
                for i in &infos {
                    t.add_row([
                        i.name.clone(),
                        i.version.clone(),
                        i.id.clone(),
                        i.description.clone(),
                        i.endpoints.len().to_string(),
                    ]);
                }
                println!("{t}");
                Ok(())
            }
        }
        MicroCommand::Info { name, id } => {
            let infos = discovery.info(target(Some(&name), id.as_deref())).await?;
            if infos.is_empty() {
                bail!("no instance of service {name:?} answered");
            }
            if json {
                return print_json(&infos);
            }
            for i in &infos {
                println!("{} {} ({}): {}", i.name, i.version, i.id, i.description);
                let mut t = table(["Endpoint", "Subject", "Queue group"]);
                for e in &i.endpoints {
                    t.add_row([e.name.clone(), e.subject.clone(), e.queue_group.clone()]);
                }
                println!("{t}");
            }
            Ok(())
        }
        MicroCommand::Stats { name, id } => {
            let stats = discovery.stats(target(Some(&name), id.as_deref())).await?;
            if stats.is_empty() {
                bail!("no instance of service {name:?} answered");
            }
            if json {
                return print_json(&stats);
            }
            let mut t = table([
                "ID",
                "Endpoint",
                "Requests",
                "Errors",
                "Processing",
                "Average",
            ]);
            for s in &stats {
                for e in &s.endpoints {
                    t.add_row([
                        s.id.clone(),
                        e.name.clone(),
                        e.num_requests.to_string(),
                        e.num_errors.to_string(),
                        format_duration(e.processing_time),
                        format_duration(e.average_processing_time),
                    ]);
                }
            }
            println!("{t}");
            Ok(())
        }
        MicroCommand::Ping { name } => {
            let pongs = discovery.ping(target(name.as_deref(), None)).await?;
            if json {
                return print_json(&pongs);
            }
            if pongs.is_empty() {
                bail!("no services answered");
            }
            for p in &pongs {
                println!("{} {} {}", p.name, p.version, p.id);
            }
            eprintln!("{} replies", pongs.len());
            Ok(())
        }
    };
    client.drain().await.ok();
    result
}
