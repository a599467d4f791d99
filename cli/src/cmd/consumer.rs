//! `natrs consumer ...`: JetStream consumers. (`report` comes as a module of
//! its own.)

use super::confirm_or_force;
use crate::Global;
use crate::diff::config_diff;
use crate::duration::{before_now, format_duration, from_now, parse_duration};
use crate::output::{self, headers_json, payload_json, print_json, table};
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use futures_util::StreamExt;
use natrs_tokio::jetstream::api::consumer::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, ReplayPolicy,
};
use natrs_tokio::jetstream::consumer::FetchOptions;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The consumer commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ConsumerCommand {
    /// List a stream's consumers
    #[command(
        visible_alias = "list",
        after_help = "Example:\n  natrs consumer ls ORDERS --json"
    )]
    Ls {
        /// Stream name
        stream: String,
        /// Only the names
        #[arg(short = 'n', long)]
        names: bool,
    },
    /// Show a consumer's configuration and state
    #[command(after_help = "Example:\n  natrs consumer info ORDERS worker")]
    Info {
        /// Stream name
        stream: String,
        /// Consumer name
        consumer: String,
    },
    /// Create a consumer from flags or a JSON file
    #[command(
        visible_alias = "create",
        after_help = "Examples:\n  natrs consumer add ORDERS worker --filter 'orders.eu.>' --ack explicit --deliver all\n  natrs consumer add ORDERS --config worker.json"
    )]
    Add {
        /// Stream name
        stream: String,
        /// Consumer name (durable); left out, the server names an ephemeral one
        consumer: Option<String>,
        #[command(flatten)]
        flags: ConsumerFlags,
    },
    /// Change a consumer: shows the difference and asks first (or --force)
    #[command(after_help = "Example:\n  natrs consumer edit ORDERS worker --max-deliver 5 --force")]
    Edit {
        /// Stream name
        stream: String,
        /// Consumer name
        consumer: String,
        #[command(flatten)]
        flags: ConsumerFlags,
        /// Apply without asking
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Remove a consumer
    #[command(
        visible_alias = "delete",
        after_help = "Example:\n  natrs consumer rm ORDERS worker --force"
    )]
    Rm {
        /// Stream name
        stream: String,
        /// Consumer name
        consumer: String,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Fetch messages from a pull consumer and acknowledge them
    #[command(
        after_help = "Examples:\n  natrs consumer next ORDERS worker\n  natrs consumer next ORDERS worker --count 10 --no-ack --raw"
    )]
    Next {
        /// Stream name
        stream: String,
        /// Consumer name
        consumer: String,
        /// How many messages
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// Don't acknowledge them
        #[arg(long = "no-ack")]
        no_ack: bool,
        /// Print only the bodies
        #[arg(short = 'r', long)]
        raw: bool,
        /// How long to wait for messages
        #[arg(long, value_parser = parse_duration, default_value = "5s")]
        wait: Duration,
    },
    /// Pause a consumer until a time or for a duration
    #[command(
        after_help = "Examples:\n  natrs consumer pause ORDERS worker 1h\n  natrs consumer pause ORDERS worker 2030-01-01T00:00:00Z"
    )]
    Pause {
        /// Stream name
        stream: String,
        /// Consumer name
        consumer: String,
        /// RFC 3339 time, or a duration from now
        until: String,
    },
    /// Resume a paused consumer
    #[command(after_help = "Example:\n  natrs consumer resume ORDERS worker")]
    Resume {
        /// Stream name
        stream: String,
        /// Consumer name
        consumer: String,
    },
    /// Report on a stream's consumers (pending, waiting, replicas)
    #[command(
        after_help = "Examples:\n  natrs consumer report ORDERS\n  natrs consumer report ORDERS --json"
    )]
    Report {
        /// Stream name
        stream: String,
    },
}

/// Acknowledgement policies.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Ack {
    /// Every message acknowledged
    Explicit,
    /// An ack acknowledges all before it
    All,
    /// No acks
    None,
}

/// Replay policies.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Replay {
    /// As fast as possible
    Instant,
    /// At the pace they were stored
    Original,
}

/// Consumer settings as flags; on `edit`, the ones given change.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConsumerFlags {
    /// Only messages on these subjects (repeatable)
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// Acknowledgement policy
    #[arg(long, value_enum)]
    ack: Option<Ack>,
    /// Where to start: all, last, new, last-per-subject, a sequence, or a
    /// duration back from now
    #[arg(long)]
    deliver: Option<String>,
    /// Replay policy
    #[arg(long, value_enum)]
    replay: Option<Replay>,
    /// Push consumer: deliver to this subject (pull when left out)
    #[arg(long)]
    target: Option<String>,
    /// Most deliveries of one message (-1: unlimited)
    #[arg(long = "max-deliver", allow_negative_numbers = true)]
    max_deliver: Option<i64>,
    /// Most unacknowledged messages (-1: unlimited)
    #[arg(long = "max-pending", allow_negative_numbers = true)]
    max_pending: Option<i64>,
    /// How long to wait for an ack before redelivering
    #[arg(long = "wait", value_parser = parse_duration)]
    ack_wait: Option<Duration>,
    /// Remove the consumer after this long without activity
    #[arg(long = "inactive-threshold", value_parser = parse_duration)]
    inactive_threshold: Option<Duration>,
    /// A description
    #[arg(long)]
    description: Option<String>,
    /// The whole configuration from a JSON file (the server's format);
    /// flags given override it
    #[arg(long)]
    config: Option<PathBuf>,
}

impl ConsumerFlags {
    fn apply(&self, config: &mut ConsumerConfig) -> Result<()> {
        match self.filters.as_slice() {
            [] => {}
            [one] => {
                config.filter_subject = Some(one.clone());
                config.filter_subjects.clear();
            }
            many => {
                config.filter_subject = None;
                config.filter_subjects = many.to_vec();
            }
        }
        if let Some(ack) = self.ack {
            config.ack_policy = match ack {
                Ack::Explicit => AckPolicy::Explicit,
                Ack::All => AckPolicy::All,
                Ack::None => AckPolicy::None,
            };
        }
        if let Some(deliver) = &self.deliver {
            config.opt_start_seq = None;
            config.opt_start_time = None;
            config.deliver_policy = match deliver.as_str() {
                "all" => DeliverPolicy::All,
                "last" => DeliverPolicy::Last,
                "new" => DeliverPolicy::New,
                "last-per-subject" | "last_per_subject" => DeliverPolicy::LastPerSubject,
                other => {
                    if let Ok(seq) = other.parse::<u64>() {
                        config.opt_start_seq = Some(seq);
                        DeliverPolicy::ByStartSequence
                    } else if let Ok(ago) = parse_duration(other) {
                        config.opt_start_time = Some(before_now(ago).ok_or_else(|| {
                            anyhow!("invalid --deliver: {other} ago is before the year -9999")
                        })?);
                        DeliverPolicy::ByStartTime
                    } else {
                        bail!(
                            "invalid --deliver {other:?}: use all, last, new, last-per-subject, a sequence or a duration"
                        );
                    }
                }
            };
        }
        if let Some(replay) = self.replay {
            config.replay_policy = match replay {
                Replay::Instant => ReplayPolicy::Instant,
                Replay::Original => ReplayPolicy::Original,
            };
        }
        if let Some(target) = &self.target {
            config.deliver_subject = Some(target.clone());
        }
        if let Some(n) = self.max_deliver {
            config.max_deliver = n;
        }
        if let Some(n) = self.max_pending {
            config.max_ack_pending = n;
        }
        if let Some(d) = self.ack_wait {
            config.ack_wait = d;
        }
        if let Some(d) = self.inactive_threshold {
            config.inactive_threshold = Some(d);
        }
        if let Some(d) = &self.description {
            config.description = Some(d.clone());
        }
        Ok(())
    }

    fn file_config(&self) -> Result<Option<ConsumerConfig>> {
        let Some(path) = &self.config else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let config = serde_json::from_str(&text)
            .with_context(|| format!("invalid consumer configuration in {}", path.display()))?;
        Ok(Some(config))
    }
}

pub(crate) async fn run(command: ConsumerCommand, global: &Global) -> Result<()> {
    let js = global.connect.settings()?.jetstream().await?;
    let json = global.json;
    match command {
        ConsumerCommand::Ls { stream, names } => {
            if names {
                let names = js.consumer_names(&stream).all().await?;
                return if json {
                    print_json(&names)
                } else {
                    names.iter().for_each(|n| println!("{n}"));
                    Ok(())
                };
            }
            let consumers = js.consumers(&stream).all().await?;
            if json {
                return print_json(&consumers);
            }
            if consumers.is_empty() {
                eprintln!("No consumers on {stream}");
                return Ok(());
            }
            let mut t = table([
                "Name",
                "Description",
                "Created",
                "Ack pending",
                "Unprocessed",
                "Last delivery",
            ]);
            for c in &consumers {
                t.add_row([
                    c.name.clone(),
                    c.config.description.clone().unwrap_or_default(),
                    output::time(c.created),
                    c.num_ack_pending.to_string(),
                    c.num_pending.to_string(),
                    output::time(c.delivered.last_active),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        ConsumerCommand::Info { stream, consumer } => {
            show_info(&js.consumer_info(&stream, &consumer).await?, json)
        }
        ConsumerCommand::Add {
            stream,
            consumer,
            flags,
        } => {
            let mut config = flags.file_config()?.unwrap_or_default();
            if let Some(name) = consumer {
                config.durable_name = Some(name);
                config.name = None;
            }
            flags.apply(&mut config)?;
            let handle = js.get_stream(&stream).await?;
            let created = handle.create_consumer(config).await?;
            show_info(created.cached_info(), json)
        }
        ConsumerCommand::Edit {
            stream,
            consumer,
            flags,
            force,
        } => {
            let current = js.consumer_info(&stream, &consumer).await?.config;
            let mut config = flags.file_config()?.unwrap_or_else(|| current.clone());
            if config.consumer_name() != Some(consumer.as_str()) {
                config.durable_name = current.durable_name.clone();
                config.name = current.name.clone();
            }
            flags.apply(&mut config)?;
            let changes = config_diff(
                &serde_json::to_value(&current)?,
                &serde_json::to_value(&config)?,
            );
            if changes.is_empty() {
                bail!("no changes to consumer {consumer}");
            }
            eprintln!("Differences (-old +new):");
            for line in &changes {
                eprintln!("{line}");
            }
            confirm_or_force(
                force,
                &format!("Apply these changes to consumer {consumer}?"),
            )?;
            let updated = js.update_consumer(&stream, config).await?;
            show_info(updated.cached_info(), json)
        }
        ConsumerCommand::Rm {
            stream,
            consumer,
            force,
        } => {
            js.consumer_info(&stream, &consumer).await?;
            confirm_or_force(
                force,
                &format!("Remove consumer {consumer} of stream {stream}?"),
            )?;
            js.delete_consumer(&stream, &consumer).await?;
            eprintln!("Removed consumer {consumer}");
            Ok(())
        }
        ConsumerCommand::Next {
            stream,
            consumer,
            count,
            no_ack,
            raw,
            wait,
        } => {
            let handle = js.get_consumer(&stream, &consumer).await?;
            let mut batch = handle.fetch(FetchOptions::new(count.max(1)).expires(wait))?;
            let mut received = 0;
            while let Some(message) = batch.next().await {
                let message = message?;
                received += 1;
                let meta = message.metadata()?;
                let mut out = std::io::stdout().lock();
                if json {
                    let value = serde_json::json!({
                        "subject": message.subject(),
                        "stream_seq": meta.stream_sequence,
                        "consumer_seq": meta.consumer_sequence,
                        "delivered": meta.delivered,
                        "pending": meta.pending,
                        "time": output::time(meta.time()),
                        "headers": headers_json(message.headers()),
                        "data": payload_json(message.payload()),
                    });
                    writeln!(out, "{}", serde_json::to_string(&value)?)?;
                } else if raw {
                    out.write_all(message.payload())?;
                    writeln!(out)?;
                } else {
                    writeln!(
                        out,
                        "[{}] subj: {} / tries: {} / cons seq: {} / str seq: {} / pending: {}\n",
                        output::time(meta.time()),
                        message.subject(),
                        meta.delivered,
                        meta.consumer_sequence,
                        meta.stream_sequence,
                        meta.pending
                    )?;
                    if let Some(headers) = message.headers() {
                        for (k, v) in headers.iter() {
                            writeln!(out, "{k}: {v}")?;
                        }
                    }
                    out.write_all(message.payload())?;
                    writeln!(out, "\n")?;
                }
                drop(out);
                if !no_ack {
                    message.double_ack().await?;
                    if !json && !raw {
                        println!("Acknowledged message\n");
                    }
                }
            }
            if received == 0 {
                bail!(
                    "no message from {stream} > {consumer} within {}",
                    format_duration(wait)
                );
            }
            Ok(())
        }
        ConsumerCommand::Pause {
            stream,
            consumer,
            until,
        } => {
            let until = match OffsetDateTime::parse(&until, &Rfc3339) {
                Ok(time) => time,
                Err(_) => {
                    let ahead = parse_duration(&until).map_err(|_| {
                        anyhow!("invalid time {until:?}: use RFC 3339 or a duration")
                    })?;
                    from_now(ahead).ok_or_else(|| {
                        anyhow!("invalid time: {until} from now is past the year 9999")
                    })?
                }
            };
            let response = js.pause_consumer(&stream, &consumer, until).await?;
            if json {
                print_json(&serde_json::json!({
                    "paused": response.paused,
                    "pause_until": output::time(response.pause_until),
                }))
            } else {
                println!(
                    "Paused {stream} > {consumer} until {}",
                    output::time(response.pause_until)
                );
                Ok(())
            }
        }
        ConsumerCommand::Report { stream } => super::report::consumers(&js, global, &stream).await,
        ConsumerCommand::Resume { stream, consumer } => {
            let response = js.resume_consumer(&stream, &consumer).await?;
            if json {
                print_json(&serde_json::json!({"paused": response.paused}))
            } else {
                println!("Resumed {stream} > {consumer}");
                Ok(())
            }
        }
    }
}

fn show_info(info: &ConsumerInfo, json: bool) -> Result<()> {
    if json {
        return print_json(info);
    }
    let c = &info.config;
    let name = |v: serde_json::Result<serde_json::Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let filters = match (&c.filter_subject, c.filter_subjects.is_empty()) {
        (Some(f), _) => f.clone(),
        (None, false) => c.filter_subjects.join(", "),
        (None, true) => String::new(),
    };
    let t = output::properties(
        "Consumer",
        vec![
            ("Stream", info.stream.clone()),
            ("Name", info.name.clone()),
            ("Description", c.description.clone().unwrap_or_default()),
            ("Pull mode", (!c.is_push()).to_string()),
            ("Filter", filters),
            (
                "Deliver policy",
                name(serde_json::to_value(c.deliver_policy)),
            ),
            ("Ack policy", name(serde_json::to_value(c.ack_policy))),
            ("Ack wait", format_duration(c.ack_wait)),
            ("Max deliver", output::limit(c.max_deliver)),
            ("Max ack pending", output::limit(c.max_ack_pending)),
            ("Created", output::time(info.created)),
            (
                "Delivered (stream seq)",
                info.delivered.stream_sequence.to_string(),
            ),
            (
                "Ack floor (stream seq)",
                info.ack_floor.stream_sequence.to_string(),
            ),
            ("Ack pending", info.num_ack_pending.to_string()),
            ("Redelivered", info.num_redelivered.to_string()),
            ("Unprocessed", info.num_pending.to_string()),
            ("Paused", info.paused.to_string()),
        ],
    );
    println!("{t}");
    Ok(())
}
