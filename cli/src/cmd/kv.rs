//! `natrs kv ...`: Key-Value buckets.

use super::{body_or_stdin, confirm_or_force};
use crate::Global;
use crate::duration::{format_duration, parse_duration};
use crate::interrupt::Interrupt;
use crate::output::{self, payload_json, payload_text, print_json, table};
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use futures_util::StreamExt;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::api::stream::StorageType;
use natrs_tokio::jetstream::kv::{Config, Entry, KeyValue, Operation, Status, WatchEvent};
use std::io::Write;
use std::time::Duration;

/// Where a bucket or store keeps its data.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Storage {
    /// On disk
    File,
    /// In memory
    Memory,
}

impl From<Storage> for StorageType {
    fn from(s: Storage) -> StorageType {
        match s {
            Storage::File => StorageType::File,
            Storage::Memory => StorageType::Memory,
        }
    }
}

/// The Key-Value commands.
#[derive(Debug, Subcommand)]
pub(crate) enum KvCommand {
    /// Create a bucket
    #[command(
        visible_alias = "new",
        after_help = "Example:\n  natrs kv add settings --history 5 --ttl 1d"
    )]
    Add {
        /// Bucket name
        bucket: String,
        /// Values kept per key (1 to 64)
        #[arg(long, default_value_t = 1)]
        history: u8,
        /// How long values live (0: forever)
        #[arg(long, value_parser = parse_duration)]
        ttl: Option<Duration>,
        /// Number of replicas
        #[arg(long, default_value_t = 1)]
        replicas: usize,
        /// Storage
        #[arg(long, value_enum, default_value = "file")]
        storage: Storage,
        /// Largest value in bytes (-1: unlimited)
        #[arg(long = "max-value-size", default_value_t = -1)]
        max_value_size: i32,
        /// Largest bucket size in bytes (-1: unlimited)
        #[arg(long = "max-bucket-size", default_value_t = -1)]
        max_bucket_size: i64,
        /// A description
        #[arg(long)]
        description: Option<String>,
    },
    /// List the buckets
    #[command(visible_alias = "list", after_help = "Example:\n  natrs kv ls --json")]
    Ls {
        /// Only the names
        #[arg(short = 'n', long)]
        names: bool,
    },
    /// Show a bucket's state
    #[command(
        visible_alias = "info",
        after_help = "Example:\n  natrs kv status settings"
    )]
    Status {
        /// Bucket name
        bucket: String,
    },
    /// Write a value (from the argument or stdin)
    #[command(after_help = "Example:\n  natrs kv put settings color blue")]
    Put {
        /// Bucket name
        bucket: String,
        /// Key
        key: String,
        /// Value; read from stdin when left out
        value: Option<String>,
    },
    /// Read a key's value
    #[command(
        after_help = "Examples:\n  natrs kv get settings color\n  natrs kv get settings color --raw --revision 3"
    )]
    Get {
        /// Bucket name
        bucket: String,
        /// Key
        key: String,
        /// Print only the value
        #[arg(short = 'r', long)]
        raw: bool,
        /// Read this revision instead of the latest
        #[arg(long)]
        revision: Option<u64>,
    },
    /// Write a value only if the key has none
    #[command(after_help = "Example:\n  natrs kv create settings color blue")]
    Create {
        /// Bucket name
        bucket: String,
        /// Key
        key: String,
        /// Value; read from stdin when left out
        value: Option<String>,
    },
    /// Write a value only if the key's latest revision is REVISION
    #[command(after_help = "Example:\n  natrs kv update settings color green 4")]
    Update {
        /// Bucket name
        bucket: String,
        /// Key
        key: String,
        /// Value
        value: String,
        /// The revision the key must be at
        revision: u64,
    },
    /// Delete a key (its history stays)
    #[command(
        visible_alias = "rm-key",
        after_help = "Example:\n  natrs kv del settings color --force"
    )]
    Del {
        /// Bucket name
        bucket: String,
        /// Key
        key: String,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Purge a key and its history
    #[command(after_help = "Example:\n  natrs kv purge settings color --force")]
    Purge {
        /// Bucket name
        bucket: String,
        /// Key
        key: String,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Show a key's history
    #[command(after_help = "Example:\n  natrs kv history settings color")]
    History {
        /// Bucket name
        bucket: String,
        /// Key
        key: String,
    },
    /// List the keys
    #[command(after_help = "Example:\n  natrs kv keys settings")]
    Keys {
        /// Bucket name
        bucket: String,
        /// Only keys matching these filters (wildcards allowed)
        #[arg(long = "filter")]
        filters: Vec<String>,
    },
    /// Watch changes (Ctrl-C to stop)
    #[command(
        after_help = "Examples:\n  natrs kv watch settings\n  natrs kv watch settings 'color.*'"
    )]
    Watch {
        /// Bucket name
        bucket: String,
        /// Key or filter (all keys by default)
        key: Option<String>,
        /// Only changes from now on
        #[arg(long = "updates-only")]
        updates_only: bool,
    },
    /// Remove a bucket
    #[command(after_help = "Example:\n  natrs kv rm settings --force")]
    Rm {
        /// Bucket name
        bucket: String,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
}

pub(crate) async fn run(command: KvCommand, global: &Global) -> Result<()> {
    let js = global.connect.settings()?.jetstream().await?;
    let json = global.json;
    match command {
        KvCommand::Add {
            bucket,
            history,
            ttl,
            replicas,
            storage,
            max_value_size,
            max_bucket_size,
            description,
        } => {
            let mut config = Config::new(&bucket)
                .history(history)
                .replicas(replicas)
                .storage(storage.into())
                .max_value_size(max_value_size)
                .max_bytes(max_bucket_size);
            if let Some(ttl) = ttl {
                config = config.ttl(ttl);
            }
            config.description = description;
            let kv = js.create_key_value(config).await?;
            show_status(&kv.status().await?, json)
        }
        KvCommand::Ls { names } => {
            if names {
                let names = js.key_value_names().all().await?;
                return if json {
                    print_json(&names)
                } else {
                    names.iter().for_each(|n| println!("{n}"));
                    Ok(())
                };
            }
            let stores = js.key_value_stores().all().await?;
            if json {
                let list: Vec<_> = stores.iter().map(status_json).collect();
                return print_json(&list);
            }
            if stores.is_empty() {
                eprintln!("No Key-Value buckets");
                return Ok(());
            }
            let mut t = table([
                "Bucket",
                "Description",
                "Created",
                "Size",
                "Values",
                "History",
                "TTL",
            ]);
            for s in &stores {
                t.add_row([
                    s.bucket().to_string(),
                    s.info.config.description.clone().unwrap_or_default(),
                    output::time(s.info.created),
                    output::bytes(s.bytes()),
                    s.values().to_string(),
                    s.history().to_string(),
                    ttl_text(s.ttl()),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        KvCommand::Status { bucket } => {
            show_status(&bind(&js, &bucket).await?.status().await?, json)
        }
        KvCommand::Put { bucket, key, value } => {
            let kv = bind(&js, &bucket).await?;
            let value = body_or_stdin(value).await?;
            let revision = kv.put(&key, &value[..]).await?;
            written(json, &bucket, &key, revision, &value)
        }
        KvCommand::Get {
            bucket,
            key,
            raw,
            revision,
        } => {
            let kv = bind(&js, &bucket).await?;
            let entry = match revision {
                Some(revision) => kv.get_revision(&key, revision).await?,
                None => kv.get(&key).await?,
            };
            if json {
                return print_json(&entry_json(&entry));
            }
            let mut out = std::io::stdout().lock();
            if !raw {
                writeln!(
                    out,
                    "{} > {} revision: {} created @ {}\n",
                    entry.bucket,
                    entry.key,
                    entry.revision,
                    output::time(Some(entry.created))
                )?;
            }
            out.write_all(&entry.value)?;
            writeln!(out)?;
            Ok(())
        }
        KvCommand::Create { bucket, key, value } => {
            let kv = bind(&js, &bucket).await?;
            let value = body_or_stdin(value).await?;
            let revision = kv.create(&key, value.clone()).await?;
            written(json, &bucket, &key, revision, &value)
        }
        KvCommand::Update {
            bucket,
            key,
            value,
            revision,
        } => {
            let kv = bind(&js, &bucket).await?;
            let value = value.into_bytes();
            let revision = kv.update(&key, value.clone(), revision).await?;
            written(json, &bucket, &key, revision, &value)
        }
        KvCommand::Del { bucket, key, force } => {
            let kv = bind(&js, &bucket).await?;
            confirm_or_force(force, &format!("Delete key {key:?} of bucket {bucket:?}?"))?;
            kv.delete(&key).await?;
            eprintln!("Deleted {bucket} > {key}");
            Ok(())
        }
        KvCommand::Purge { bucket, key, force } => {
            let kv = bind(&js, &bucket).await?;
            confirm_or_force(
                force,
                &format!("Purge key {key:?} of bucket {bucket:?} and its history?"),
            )?;
            kv.purge(&key).await?;
            eprintln!("Purged {bucket} > {key}");
            Ok(())
        }
        KvCommand::History { bucket, key } => {
            let kv = bind(&js, &bucket).await?;
            let entries = kv.history(&key).await?;
            if json {
                let list: Vec<_> = entries.iter().map(entry_json).collect();
                return print_json(&list);
            }
            let mut t = table(["Key", "Revision", "Op", "Created", "Length", "Value"]);
            for e in &entries {
                t.add_row([
                    e.key.clone(),
                    e.revision.to_string(),
                    operation(e.operation).to_string(),
                    output::time(Some(e.created)),
                    e.value.len().to_string(),
                    payload_text(&e.value),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        KvCommand::Keys { bucket, filters } => {
            let kv = bind(&js, &bucket).await?;
            let keys = if filters.is_empty() {
                kv.keys().await?
            } else {
                let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
                kv.keys_filtered(&filters).await?
            };
            if json {
                return print_json(&keys);
            }
            if keys.is_empty() {
                eprintln!("No keys in {bucket}");
            }
            keys.iter().for_each(|k| println!("{k}"));
            Ok(())
        }
        KvCommand::Watch {
            bucket,
            key,
            updates_only,
        } => watch(&js, &bucket, key, updates_only, json).await,
        KvCommand::Rm { bucket, force } => {
            bind(&js, &bucket).await?;
            confirm_or_force(
                force,
                &format!("Remove bucket {bucket:?} and all its data?"),
            )?;
            js.delete_key_value(&bucket).await?;
            eprintln!("Removed bucket {bucket}");
            Ok(())
        }
    }
}

async fn bind(js: &JetStream, bucket: &str) -> Result<KeyValue> {
    Ok(js.key_value(bucket).await?)
}

fn written(json: bool, bucket: &str, key: &str, revision: u64, value: &[u8]) -> Result<()> {
    if json {
        print_json(&serde_json::json!({"bucket": bucket, "key": key, "revision": revision}))
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(value)?;
        writeln!(out)?;
        Ok(())
    }
}

async fn watch(
    js: &JetStream,
    bucket: &str,
    key: Option<String>,
    updates_only: bool,
    json: bool,
) -> Result<()> {
    use natrs_tokio::jetstream::kv::WatchOptions;
    let mut interrupt = Interrupt::new()?;
    let kv = bind(js, bucket).await?;
    let mut options = WatchOptions::new();
    if updates_only {
        options = options.updates_only();
    }
    let filter = key.unwrap_or_else(|| ">".to_string());
    let mut watch = kv.watch_with(&[filter.as_str()], options).await?;
    eprintln!("Watching {bucket} > {filter}");
    loop {
        let event = tokio::select! {
            event = watch.next() => event,
            () = interrupt.wait() => break,
        };
        let Some(event) = event else { break };
        match event? {
            WatchEvent::Entry(e) => {
                let mut out = std::io::stdout().lock();
                if json {
                    writeln!(out, "{}", serde_json::to_string(&entry_json(&e))?)?;
                } else {
                    writeln!(
                        out,
                        "[{}] {} {} > {}: {}",
                        output::time(Some(e.created)),
                        operation(e.operation),
                        e.bucket,
                        e.key,
                        payload_text(&e.value)
                    )?;
                }
                out.flush()?;
            }
            WatchEvent::EndOfInitialData => {}
        }
    }
    drop(watch);
    js.transport().drain().await.ok();
    Ok(())
}

fn operation(op: Operation) -> &'static str {
    match op {
        Operation::Put => "PUT",
        Operation::Delete => "DEL",
        Operation::Purge => "PURGE",
    }
}

fn ttl_text(ttl: Duration) -> String {
    if ttl.is_zero() {
        "forever".to_string()
    } else {
        format_duration(ttl)
    }
}

fn entry_json(e: &Entry) -> serde_json::Value {
    serde_json::json!({
        "bucket": e.bucket,
        "key": e.key,
        "value": payload_json(&e.value),
        "revision": e.revision,
        "delta": e.delta,
        "created": output::time(Some(e.created)),
        "operation": operation(e.operation),
    })
}

fn status_json(s: &Status) -> serde_json::Value {
    serde_json::json!({
        "bucket": s.bucket(),
        "values": s.values(),
        "history": s.history(),
        "ttl_ns": s.ttl().as_nanos() as u64,
        "bytes": s.bytes(),
        "backing_store": s.backing_store(),
        "compressed": s.is_compressed(),
        "metadata": s.metadata(),
        "stream_info": s.info,
    })
}

fn show_status(s: &Status, json: bool) -> Result<()> {
    if json {
        return print_json(&status_json(s));
    }
    let t = output::properties(
        "Key-Value bucket",
        vec![
            ("Bucket", s.bucket().to_string()),
            (
                "Description",
                s.info.config.description.clone().unwrap_or_default(),
            ),
            ("Values", s.values().to_string()),
            ("History", s.history().to_string()),
            ("TTL", ttl_text(s.ttl())),
            ("Size", output::bytes(s.bytes())),
            (
                "Storage",
                output::storage(s.info.config.storage).to_string(),
            ),
            ("Replicas", s.info.config.num_replicas.to_string()),
            ("Backing store", s.backing_store().to_string()),
            ("Created", output::time(s.info.created)),
        ],
    );
    println!("{t}");
    Ok(())
}
