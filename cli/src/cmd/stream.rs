//! `natrs stream ...`: JetStream streams. (`backup`, `restore` and `report`
//! run in the modules `backup` and `report`.)

use super::confirm_or_force;
use super::kv::Storage;
use crate::Global;
use crate::diff::config_diff;
use crate::duration::{format_duration, parse_duration};
use crate::output::{self, headers_json, payload_json, print_json, table};
use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use natrs_tokio::jetstream::api::message::StreamMessage;
use natrs_tokio::jetstream::api::stream::{
    DiscardPolicy, PurgeRequest, RetentionPolicy, StreamConfig, StreamInfo,
};
use natrs_tokio::jetstream::{Error as JsError, JetStream};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// The stream commands.
#[derive(Debug, Subcommand)]
pub(crate) enum StreamCommand {
    /// List the streams
    #[command(
        visible_alias = "list",
        after_help = "Examples:\n  natrs stream ls\n  natrs stream ls --subject 'orders.>' --json"
    )]
    Ls {
        /// Only streams with subjects matching this filter
        #[arg(long)]
        subject: Option<String>,
        /// Only the names
        #[arg(short = 'n', long)]
        names: bool,
    },
    /// Show a stream's configuration and state
    #[command(after_help = "Example:\n  natrs stream info ORDERS --json")]
    Info {
        /// Stream name
        stream: String,
    },
    /// Create a stream from flags or a JSON file
    #[command(
        visible_alias = "create",
        after_help = "Examples:\n  natrs stream add ORDERS --subjects 'orders.>' --storage memory --max-age 1d\n  natrs stream add --config orders.json"
    )]
    Add {
        /// Stream name (or the name in --config)
        stream: Option<String>,
        #[command(flatten)]
        flags: StreamFlags,
    },
    /// Change a stream: shows the difference and asks first (or --force)
    #[command(
        visible_alias = "update",
        after_help = "Examples:\n  natrs stream edit ORDERS --max-msgs 1000\n  natrs stream edit ORDERS --config orders.json --force"
    )]
    Edit {
        /// Stream name
        stream: String,
        #[command(flatten)]
        flags: StreamFlags,
        /// Apply without asking
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Remove a stream
    #[command(
        visible_alias = "delete",
        after_help = "Example:\n  natrs stream rm ORDERS --force"
    )]
    Rm {
        /// Stream name
        stream: String,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Purge messages: all, by subject, up to a sequence, or all but the newest
    #[command(
        after_help = "Examples:\n  natrs stream purge ORDERS --force\n  natrs stream purge ORDERS --subject orders.old --keep 10 --force\n  natrs stream purge ORDERS --seq 1000 --force"
    )]
    Purge {
        /// Stream name
        stream: String,
        /// Only messages on subjects matching this filter
        #[arg(long)]
        subject: Option<String>,
        /// Purge up to, not including, this sequence
        #[arg(long, conflicts_with = "keep")]
        seq: Option<u64>,
        /// Keep this many of the newest messages
        #[arg(long)]
        keep: Option<u64>,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Read one message, by sequence or the last on a subject
    #[command(
        after_help = "Examples:\n  natrs stream get ORDERS 12\n  natrs stream get ORDERS --last-for orders.new --json"
    )]
    Get {
        /// Stream name
        stream: String,
        /// Sequence
        #[arg(required_unless_present = "last_for")]
        seq: Option<u64>,
        /// The last message on this subject instead
        #[arg(long = "last-for", conflicts_with = "seq")]
        last_for: Option<String>,
    },
    /// Back a stream up into a folder, as the nats CLI does
    #[command(
        after_help = "Examples:\n  natrs stream backup ORDERS /backups/orders\n  natrs stream backup ORDERS /backups/orders --no-consumers --check"
    )]
    Backup {
        /// Stream name
        stream: String,
        /// Folder to write the backup into (made when missing)
        dir: PathBuf,
        /// Leave the consumers out
        #[arg(long = "no-consumers")]
        no_consumers: bool,
        /// Ask the server to check every message before the backup
        #[arg(long)]
        check: bool,
    },
    /// Restore a stream from a backup folder
    #[command(
        after_help = "Examples:\n  natrs stream restore /backups/orders\n  natrs stream restore /backups/orders --name ORDERS_COPY --subjects 'copy.>' --replicas 1"
    )]
    Restore {
        /// Folder holding backup.json and stream.tar.s2
        dir: PathBuf,
        /// Restore under this name instead of the backed-up one
        #[arg(long)]
        name: Option<String>,
        /// Restore with this many replicas
        #[arg(long)]
        replicas: Option<usize>,
        /// Restore storing these subjects, comma-separated (a copy next to
        /// the original needs subjects of its own)
        #[arg(long, value_delimiter = ',')]
        subjects: Vec<String>,
    },
    /// Report on every stream (counts, replicas, lag)
    #[command(
        after_help = "Examples:\n  natrs stream report\n  natrs stream report --subject 'orders.>' --json"
    )]
    Report {
        /// Only streams with subjects matching this filter
        #[arg(long)]
        subject: Option<String>,
    },
    /// Page through a stream's messages
    #[command(
        after_help = "Examples:\n  natrs stream view ORDERS\n  natrs stream view ORDERS --subject orders.new --id 100 --size 20"
    )]
    View {
        /// Stream name
        stream: String,
        /// Only messages on subjects matching this filter
        #[arg(long)]
        subject: Option<String>,
        /// Start at this sequence
        #[arg(long, default_value_t = 1)]
        id: u64,
        /// Messages per page (on a terminal, asks before the next page)
        #[arg(long, default_value_t = 10)]
        size: usize,
    },
}

/// Retention policies.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Retention {
    /// Keep until a limit removes them
    Limits,
    /// Keep while a consumer is interested
    Interest,
    /// Keep until one consumer acknowledges
    #[value(alias = "workqueue")]
    Work,
}

/// Discard policies.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Discard {
    /// Remove old messages
    Old,
    /// Refuse new messages
    New,
}

/// Stream settings as flags; on `edit`, the ones given change.
#[derive(Debug, Clone, Args)]
pub(crate) struct StreamFlags {
    /// Subjects, comma-separated or repeated
    #[arg(long, value_delimiter = ',')]
    subjects: Vec<String>,
    /// Storage
    #[arg(long, value_enum)]
    storage: Option<Storage>,
    /// Retention policy
    #[arg(long, value_enum)]
    retention: Option<Retention>,
    /// Discard policy
    #[arg(long, value_enum)]
    discard: Option<Discard>,
    /// Number of replicas
    #[arg(long)]
    replicas: Option<usize>,
    /// Most messages kept (-1: unlimited)
    #[arg(long = "max-msgs", allow_negative_numbers = true)]
    max_msgs: Option<i64>,
    /// Most bytes kept (-1: unlimited)
    #[arg(long = "max-bytes", allow_negative_numbers = true)]
    max_bytes: Option<i64>,
    /// Oldest message kept (0: no limit)
    #[arg(long = "max-age", value_parser = parse_duration)]
    max_age: Option<Duration>,
    /// Largest message (-1: unlimited)
    #[arg(long = "max-msg-size", allow_negative_numbers = true)]
    max_msg_size: Option<i64>,
    /// Most messages kept per subject (-1: unlimited)
    #[arg(long = "max-msgs-per-subject", allow_negative_numbers = true)]
    max_msgs_per_subject: Option<i64>,
    /// Window for duplicate detection
    #[arg(long = "dupe-window", value_parser = parse_duration)]
    dupe_window: Option<Duration>,
    /// A description
    #[arg(long)]
    description: Option<String>,
    /// The whole configuration from a JSON file (the server's format, as
    /// `stream info --json` prints under "config"); flags given override it
    #[arg(long)]
    config: Option<PathBuf>,
}

impl StreamFlags {
    fn apply(&self, config: &mut StreamConfig) {
        if !self.subjects.is_empty() {
            config.subjects = self.subjects.clone();
        }
        if let Some(s) = self.storage {
            config.storage = s.into();
        }
        if let Some(r) = self.retention {
            config.retention = match r {
                Retention::Limits => RetentionPolicy::Limits,
                Retention::Interest => RetentionPolicy::Interest,
                Retention::Work => RetentionPolicy::WorkQueue,
            };
        }
        if let Some(d) = self.discard {
            config.discard = match d {
                Discard::Old => DiscardPolicy::Old,
                Discard::New => DiscardPolicy::New,
            };
        }
        if let Some(n) = self.replicas {
            config.num_replicas = n;
        }
        if let Some(n) = self.max_msgs {
            config.max_msgs = n;
        }
        if let Some(n) = self.max_bytes {
            config.max_bytes = n;
        }
        if let Some(d) = self.max_age {
            config.max_age = d;
        }
        if let Some(n) = self.max_msg_size {
            config.max_msg_size = n;
        }
        if let Some(n) = self.max_msgs_per_subject {
            config.max_msgs_per_subject = n;
        }
        if let Some(d) = self.dupe_window {
            config.duplicate_window = d;
        }
        if let Some(d) = &self.description {
            config.description = Some(d.clone());
        }
    }

    fn file_config(&self) -> Result<Option<StreamConfig>> {
        let Some(path) = &self.config else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let config = serde_json::from_str(&text)
            .with_context(|| format!("invalid stream configuration in {}", path.display()))?;
        Ok(Some(config))
    }
}

pub(crate) async fn run(command: StreamCommand, global: &Global) -> Result<()> {
    let js = global.connect.settings()?.jetstream().await?;
    let json = global.json;
    match command {
        StreamCommand::Ls { subject, names } => {
            if names {
                let names = js.stream_names(subject.as_deref()).all().await?;
                return if json {
                    print_json(&names)
                } else {
                    names.iter().for_each(|n| println!("{n}"));
                    Ok(())
                };
            }
            let streams = js.streams(subject.as_deref()).all().await?;
            if json {
                return print_json(&streams);
            }
            if streams.is_empty() {
                eprintln!("No streams");
                return Ok(());
            }
            let mut t = table([
                "Name",
                "Description",
                "Subjects",
                "Messages",
                "Size",
                "Created",
            ]);
            for s in &streams {
                t.add_row([
                    s.config.name.clone(),
                    s.config.description.clone().unwrap_or_default(),
                    s.config.subjects.join(", "),
                    s.state.messages.to_string(),
                    output::bytes(s.state.bytes),
                    output::time(s.created),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        StreamCommand::Backup {
            stream,
            dir,
            no_consumers,
            check,
        } => super::backup::backup(&js, global, &stream, &dir, !no_consumers, check).await,
        StreamCommand::Restore {
            dir,
            name,
            replicas,
            subjects,
        } => super::backup::restore(&js, global, &dir, name, replicas, subjects).await,
        StreamCommand::Report { subject } => {
            super::report::streams(&js, global, subject.as_deref()).await
        }
        StreamCommand::Info { stream } => show_info(&js.stream_info(&stream).await?, json),
        StreamCommand::Add { stream, flags } => {
            let mut config = flags.file_config()?.unwrap_or_default();
            if let Some(name) = stream {
                config.name = name;
            }
            if config.name.is_empty() {
                bail!("name the stream (or give a --config file with a name)");
            }
            flags.apply(&mut config);
            let created = js.create_stream(config).await?;
            show_info(created.cached_info(), json)
        }
        StreamCommand::Edit {
            stream,
            flags,
            force,
        } => {
            let current = js.stream_info(&stream).await?.config;
            let mut config = flags.file_config()?.unwrap_or_else(|| current.clone());
            config.name = stream.clone();
            flags.apply(&mut config);
            let changes = config_diff(
                &serde_json::to_value(&current)?,
                &serde_json::to_value(&config)?,
            );
            if changes.is_empty() {
                bail!("no changes to stream {stream}");
            }
            eprintln!("Differences (-old +new):");
            for line in &changes {
                eprintln!("{line}");
            }
            confirm_or_force(force, &format!("Apply these changes to stream {stream}?"))?;
            let info = js.update_stream(config).await?;
            show_info(&info, json)
        }
        StreamCommand::Rm { stream, force } => {
            js.stream_info(&stream).await?;
            confirm_or_force(
                force,
                &format!("Remove stream {stream} and all its messages?"),
            )?;
            js.delete_stream(&stream).await?;
            eprintln!("Removed stream {stream}");
            Ok(())
        }
        StreamCommand::Purge {
            stream,
            subject,
            seq,
            keep,
            force,
        } => {
            let handle = js.get_stream(&stream).await?;
            confirm_or_force(force, &format!("Purge messages of stream {stream}?"))?;
            let response = handle
                .purge_with(&PurgeRequest {
                    filter: subject,
                    sequence: seq,
                    keep,
                })
                .await?;
            if json {
                print_json(&serde_json::json!({"stream": stream, "purged": response.purged}))
            } else {
                println!("Purged {} messages from {stream}", response.purged);
                Ok(())
            }
        }
        StreamCommand::Get {
            stream,
            seq,
            last_for,
        } => {
            let handle = js.get_stream(&stream).await?;
            let message = match (seq, last_for) {
                (_, Some(subject)) => handle.get_last_message(&subject).await?,
                (Some(seq), None) => handle.get_message(seq).await?,
                (None, None) => bail!("give a sequence or --last-for SUBJECT"),
            };
            show_message(&stream, &message, json)
        }
        StreamCommand::View {
            stream,
            subject,
            id,
            size,
        } => view(&js, &stream, subject, id, size.max(1), json).await,
    }
}

async fn view(
    js: &JetStream,
    stream: &str,
    subject: Option<String>,
    start: u64,
    size: usize,
    json: bool,
) -> Result<()> {
    let handle = js.get_stream(stream).await?;
    let filter = subject.unwrap_or_else(|| ">".to_string());
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut next = start.max(1);
    let mut shown = 0usize;
    loop {
        let message = match handle.get_next_message(&filter, next).await {
            Ok(message) => message,
            Err(JsError::MessageNotFound) => break,
            Err(e) => return Err(e.into()),
        };
        // The server answers the first message at or after `next`; one
        // before it would be asked for again and again.
        if message.sequence < next {
            bail!(
                "the server answered a read from sequence {next} with the message at sequence {}",
                message.sequence
            );
        }
        show_message(stream, &message, json)?;
        shown += 1;
        // No message follows the last sequence a stream can hold.
        let Some(after) = message.sequence.checked_add(1) else {
            break;
        };
        next = after;
        if shown.is_multiple_of(size) && !(interactive && output::confirm("Next page?")?) {
            break;
        }
    }
    if shown == 0 && !json {
        eprintln!("No messages in {stream} from sequence {start} on {filter}");
    }
    Ok(())
}

fn show_message(stream: &str, m: &StreamMessage, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({
            "stream": stream,
            "subject": m.subject,
            "seq": m.sequence,
            "time": output::time(m.time),
            "headers": headers_json(Some(&m.headers)),
            "data": payload_json(&m.payload),
        });
        writeln!(out, "{}", serde_json::to_string(&value)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "[{stream}#{}] {} on subject {}",
        m.sequence,
        output::time(m.time),
        m.subject
    )?;
    for (k, v) in m.headers.iter() {
        writeln!(out, "{k}: {v}")?;
    }
    writeln!(out)?;
    out.write_all(&m.payload)?;
    writeln!(out, "\n")?;
    Ok(())
}

fn show_info(info: &StreamInfo, json: bool) -> Result<()> {
    if json {
        return print_json(info);
    }
    let c = &info.config;
    let s = &info.state;
    let max_age = if c.max_age.is_zero() {
        "unlimited".to_string()
    } else {
        format_duration(c.max_age)
    };
    let t = output::properties(
        "Stream",
        vec![
            ("Name", c.name.clone()),
            ("Description", c.description.clone().unwrap_or_default()),
            ("Subjects", c.subjects.join(", ")),
            ("Storage", output::storage(c.storage).to_string()),
            (
                "Retention",
                serde_json::to_value(c.retention)?
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ),
            (
                "Discard",
                serde_json::to_value(c.discard)?
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ),
            ("Replicas", c.num_replicas.to_string()),
            ("Max messages", output::limit(c.max_msgs)),
            ("Max bytes", output::limit(c.max_bytes)),
            ("Max age", max_age),
            ("Max message size", output::limit(c.max_msg_size)),
            (
                "Max messages per subject",
                output::limit(c.max_msgs_per_subject),
            ),
            ("Duplicate window", format_duration(c.duplicate_window)),
            ("Created", output::time(info.created)),
            ("Messages", s.messages.to_string()),
            ("Bytes", output::bytes(s.bytes)),
            ("First sequence", s.first_seq.to_string()),
            ("Last sequence", s.last_seq.to_string()),
            ("Subjects in use", s.num_subjects.to_string()),
            ("Consumers", s.consumers.to_string()),
        ],
    );
    println!("{t}");
    Ok(())
}
