//! `natrs object ...`: object stores.

use super::confirm_or_force;
use super::kv::Storage;
use crate::Global;
use crate::duration::{format_duration, parse_duration};
use crate::interrupt::Interrupt;
use crate::output::{self, print_json, table};
use crate::sanitize::object_path;
use anyhow::{Context as _, Result, anyhow, bail};
use clap::Subcommand;
use futures_util::StreamExt;
use indicatif::ProgressBar;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::object::{
    Config, ObjectInfo, ObjectMeta, ObjectStore, ObjectWatchEvent, Status,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio_util::compat::TokioAsyncReadCompatExt;

/// The object store commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ObjectCommand {
    /// Create an object store
    #[command(
        visible_alias = "new",
        after_help = "Example:\n  natrs object add files --ttl 30d"
    )]
    Add {
        /// Store name
        bucket: String,
        /// How long objects live (0: forever)
        #[arg(long, value_parser = parse_duration)]
        ttl: Option<Duration>,
        /// Number of replicas
        #[arg(long, default_value_t = 1)]
        replicas: usize,
        /// Storage
        #[arg(long, value_enum, default_value = "file")]
        storage: Storage,
        /// Largest store size in bytes (-1: unlimited)
        #[arg(long = "max-bucket-size", default_value_t = -1)]
        max_bucket_size: i64,
        /// A description
        #[arg(long)]
        description: Option<String>,
    },
    /// List the stores, or the objects of one
    #[command(
        visible_alias = "list",
        after_help = "Examples:\n  natrs object ls\n  natrs object ls files --json"
    )]
    Ls {
        /// Store name (all stores when left out)
        bucket: Option<String>,
    },
    /// Show a store's state
    #[command(after_help = "Example:\n  natrs object status files")]
    Status {
        /// Store name
        bucket: String,
    },
    /// Store a file (or stdin) as an object
    #[command(
        after_help = "Examples:\n  natrs object put files report.pdf\n  tar c dir | natrs object put files --name dir.tar"
    )]
    Put {
        /// Store name
        bucket: String,
        /// File to store; stdin when left out (then --name is needed)
        file: Option<PathBuf>,
        /// Object name (the file's name by default)
        #[arg(long)]
        name: Option<String>,
        /// A description
        #[arg(long)]
        description: Option<String>,
        /// A header KEY:VALUE (repeatable)
        #[arg(short = 'H', long = "header")]
        headers: Vec<String>,
    },
    /// Read an object into a file or stdout; the digest is checked
    #[command(
        after_help = "Examples:\n  natrs object get files report.pdf --output /tmp/report.pdf\n  natrs object get files logs/a.txt --dir /tmp/restore\n  natrs object get files notes.txt --output -"
    )]
    Get {
        /// Store name
        bucket: String,
        /// Object name
        name: String,
        /// File to write (`-` for stdout); default: the object's name under --dir
        #[arg(short = 'O', long)]
        output: Option<PathBuf>,
        /// Directory to write into when --output is not given; the object's
        /// name must be a plain relative path, which stays inside it
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Overwrite an existing file
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Show an object's info
    #[command(after_help = "Example:\n  natrs object info files report.pdf")]
    Info {
        /// Store name
        bucket: String,
        /// Object name
        name: String,
    },
    /// Delete an object, or the whole store when no object is named
    #[command(
        after_help = "Examples:\n  natrs object rm files report.pdf --force\n  natrs object rm files --force"
    )]
    Rm {
        /// Store name
        bucket: String,
        /// Object name
        name: Option<String>,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Watch changes (Ctrl-C to stop)
    #[command(after_help = "Example:\n  natrs object watch files")]
    Watch {
        /// Store name
        bucket: String,
    },
    /// Seal a store: nothing can be changed any more
    #[command(after_help = "Example:\n  natrs object seal files --force")]
    Seal {
        /// Store name
        bucket: String,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Add a link to an object (in this or another store)
    #[command(
        after_help = "Examples:\n  natrs object link files latest.pdf report.pdf\n  natrs object link files shared.pdf report.pdf --from archive"
    )]
    Link {
        /// Store to add the link to
        bucket: String,
        /// Name of the link
        link: String,
        /// Object the link points to
        target: String,
        /// Store holding the target (the same store by default)
        #[arg(long)]
        from: Option<String>,
    },
}

pub(crate) async fn run(command: ObjectCommand, global: &Global) -> Result<()> {
    let js = global.connect.settings()?.jetstream().await?;
    let json = global.json;
    match command {
        ObjectCommand::Add {
            bucket,
            ttl,
            replicas,
            storage,
            max_bucket_size,
            description,
        } => {
            let mut config = Config::new(&bucket)
                .storage(storage.into())
                .max_bytes(max_bucket_size);
            if let Some(ttl) = ttl {
                config = config.ttl(ttl);
            }
            config.replicas = replicas;
            config.description = description;
            let store = js.create_object_store(config).await?;
            show_status(&store.status().await?, json)
        }
        ObjectCommand::Ls { bucket: None } => {
            let stores = js.object_stores().all().await?;
            if json {
                let list: Vec<_> = stores.iter().map(status_json).collect();
                return print_json(&list);
            }
            if stores.is_empty() {
                eprintln!("No object stores");
                return Ok(());
            }
            let mut t = table(["Store", "Description", "Created", "Size", "Sealed"]);
            for s in &stores {
                t.add_row([
                    s.bucket().to_string(),
                    s.description().unwrap_or("").to_string(),
                    output::time(s.info.created),
                    output::bytes(s.size()),
                    s.sealed().to_string(),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        ObjectCommand::Ls {
            bucket: Some(bucket),
        } => {
            let store = js.object_store(&bucket).await?;
            let objects = store.list().await?;
            if json {
                let list: Vec<_> = objects.iter().map(info_json).collect::<Result<_>>()?;
                return print_json(&list);
            }
            if objects.is_empty() {
                eprintln!("No objects in {bucket}");
                return Ok(());
            }
            let mut t = table(["Name", "Size", "Time"]);
            for o in &objects {
                let size = match o.link() {
                    Some(link) => format!(
                        "link to {}/{}",
                        link.bucket,
                        link.name.as_deref().unwrap_or("*")
                    ),
                    None => output::bytes(o.size),
                };
                t.add_row([o.name.clone(), size, output::time(o.modified)]);
            }
            println!("{t}");
            Ok(())
        }
        ObjectCommand::Status { bucket } => {
            show_status(&js.object_store(&bucket).await?.status().await?, json)
        }
        ObjectCommand::Put {
            bucket,
            file,
            name,
            description,
            headers,
        } => put(&js, &bucket, file, name, description, &headers, json).await,
        ObjectCommand::Get {
            bucket,
            name,
            output,
            dir,
            force,
        } => get(&js, &bucket, &name, output, &dir, force, json).await,
        ObjectCommand::Info { bucket, name } => {
            let store = js.object_store(&bucket).await?;
            show_info(&store.get_info(&name).await?, json)
        }
        ObjectCommand::Rm {
            bucket,
            name: Some(name),
            force,
        } => {
            let store = js.object_store(&bucket).await?;
            store.get_info(&name).await?;
            confirm_or_force(
                force,
                &format!("Delete object {name:?} of store {bucket:?}?"),
            )?;
            store.delete(&name).await?;
            eprintln!("Deleted {bucket} > {name}");
            Ok(())
        }
        ObjectCommand::Rm {
            bucket,
            name: None,
            force,
        } => {
            js.object_store(&bucket).await?;
            confirm_or_force(
                force,
                &format!("Remove store {bucket:?} and all its objects?"),
            )?;
            js.delete_object_store(&bucket).await?;
            eprintln!("Removed store {bucket}");
            Ok(())
        }
        ObjectCommand::Watch { bucket } => watch(&js, &bucket, json).await,
        ObjectCommand::Seal { bucket, force } => {
            let store = js.object_store(&bucket).await?;
            confirm_or_force(
                force,
                &format!("Seal store {bucket:?}? It cannot be undone"),
            )?;
            store.seal().await?;
            eprintln!("Sealed {bucket}");
            Ok(())
        }
        ObjectCommand::Link {
            bucket,
            link,
            target,
            from,
        } => {
            let store = js.object_store(&bucket).await?;
            let source = match &from {
                Some(other) => js.object_store(other).await?,
                None => store.clone(),
            };
            let target = source.get_info(&target).await?;
            let info = store.add_link(&link, &target).await?;
            show_info(&info, json)
        }
    }
}

async fn put(
    js: &JetStream,
    bucket: &str,
    file: Option<PathBuf>,
    name: Option<String>,
    description: Option<String>,
    headers: &[String],
    json: bool,
) -> Result<()> {
    let store = js.object_store(bucket).await?;
    let name = match (&name, &file) {
        (Some(name), _) => name.clone(),
        (None, Some(file)) => file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| anyhow!("cannot name an object after {}; use --name", file.display()))?
            .to_string(),
        (None, None) => bail!("reading stdin needs --name"),
    };
    let mut meta = ObjectMeta::new(&name);
    if let Some(description) = description {
        meta = meta.description(description);
    }
    if let Some(headers) = super::parse_headers(headers)? {
        for (k, v) in headers.iter() {
            meta = meta.header(k, v);
        }
    }
    let info = match &file {
        Some(path) => {
            let f = tokio::fs::File::open(path)
                .await
                .with_context(|| format!("cannot open {}", path.display()))?;
            let size = f.metadata().await?.len();
            let bar = output::byte_bar(size, &name);
            let reader = Counting {
                inner: f.compat(),
                bar: bar.clone(),
            };
            let result = store.put(meta, reader).await;
            bar.finish();
            result?
        }
        None => {
            let bar = output::byte_counter(&name);
            let reader = Counting {
                inner: tokio::io::stdin().compat(),
                bar: bar.clone(),
            };
            let result = store.put(meta, reader).await;
            bar.finish();
            result?
        }
    };
    if json {
        print_json(&info_json(&info)?)
    } else {
        eprintln!(
            "Stored {bucket} > {} ({}, {} chunks)",
            info.name,
            output::bytes(info.size),
            info.chunks
        );
        Ok(())
    }
}

async fn get(
    js: &JetStream,
    bucket: &str,
    name: &str,
    output_path: Option<PathBuf>,
    dir: &Path,
    force: bool,
    json: bool,
) -> Result<()> {
    let store = js.object_store(bucket).await?;
    // The destination is decided (and a bad name refused) before reading.
    let destination = match &output_path {
        Some(path) if path.as_os_str() == "-" => None,
        Some(path) => Some(path.clone()),
        None => Some(object_path(dir, name)?),
    };
    let mut reader = store.get(name).await?;
    let size = reader.info().size;
    let Some(path) = destination else {
        let mut out = tokio::io::stdout();
        while let Some(chunk) = reader.next().await {
            out.write_all(&chunk?).await?;
        }
        out.flush().await?;
        return Ok(());
    };
    if path.exists() && !force {
        bail!("{} exists; use --force to overwrite it", path.display());
    }
    if output_path.is_none()
        && let Some(parent) = path.parent()
    {
        tokio::fs::create_dir_all(parent)
            .await
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    // Written beside the destination and renamed once the digest checked
    // out, so a failed read leaves no partial file under the real name.
    let mut partial = path.clone().into_os_string();
    partial.push(".natrs-partial");
    let partial = PathBuf::from(partial);
    let bar = output::byte_bar(size, name);
    let result = copy_to(&mut reader, &partial, &bar).await;
    bar.finish();
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(e);
    }
    tokio::fs::rename(&partial, &path)
        .await
        .with_context(|| format!("cannot write {}", path.display()))?;
    if json {
        print_json(&serde_json::json!({
            "bucket": bucket,
            "name": name,
            "file": path.display().to_string(),
            "size": size,
        }))
    } else {
        eprintln!(
            "Wrote {} to {} (digest checked)",
            output::bytes(size),
            path.display()
        );
        Ok(())
    }
}

async fn copy_to(
    reader: &mut natrs_tokio::jetstream::object::ObjectReader,
    path: &Path,
    bar: &ProgressBar,
) -> Result<()> {
    let mut file = tokio::fs::File::create(path)
        .await
        .with_context(|| format!("cannot create {}", path.display()))?;
    while let Some(chunk) = reader.next().await {
        let chunk = chunk?;
        file.write_all(&chunk)
            .await
            .with_context(|| format!("cannot write {}", path.display()))?;
        bar.inc(chunk.len() as u64);
    }
    file.flush().await?;
    Ok(())
}

async fn watch(js: &JetStream, bucket: &str, json: bool) -> Result<()> {
    let mut interrupt = Interrupt::new()?;
    let store: ObjectStore = js.object_store(bucket).await?;
    let mut watch = store.watch().await?;
    eprintln!("Watching store {bucket}");
    loop {
        let event = tokio::select! {
            event = watch.next() => event,
            () = interrupt.wait() => break,
        };
        let Some(event) = event else { break };
        if let ObjectWatchEvent::Info(info) = event? {
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", serde_json::to_string(&info_json(&info)?)?)?;
            } else {
                let what = if info.deleted { "DEL" } else { "PUT" };
                writeln!(
                    out,
                    "[{}] {what} {bucket} > {} ({})",
                    output::time(info.modified),
                    info.name,
                    output::bytes(info.size)
                )?;
            }
            out.flush()?;
        }
    }
    drop(watch);
    js.transport().drain().await.ok();
    Ok(())
}

/// An object's info as nats.go writes it, with its modification time.
fn info_json(info: &ObjectInfo) -> Result<serde_json::Value> {
    let mut value: serde_json::Value = serde_json::from_slice(&info.to_meta_json())?;
    value["mtime"] = serde_json::Value::String(output::time(info.modified));
    Ok(value)
}

fn show_info(info: &ObjectInfo, json: bool) -> Result<()> {
    if json {
        return print_json(&info_json(info)?);
    }
    let mut rows = vec![
        ("Name", info.name.clone()),
        ("Store", info.bucket.clone()),
        ("Description", info.description.clone()),
        ("Size", output::bytes(info.size)),
        ("Chunks", info.chunks.to_string()),
        ("Digest", info.digest.clone()),
        ("Modified", output::time(info.modified)),
    ];
    if let Some(link) = info.link() {
        rows.push((
            "Link to",
            format!("{}/{}", link.bucket, link.name.as_deref().unwrap_or("*")),
        ));
    }
    for (k, values) in &info.headers {
        rows.push(("Header", format!("{k}: {}", values.join(", "))));
    }
    println!("{}", output::properties("Object", rows));
    Ok(())
}

fn status_json(s: &Status) -> serde_json::Value {
    serde_json::json!({
        "bucket": s.bucket(),
        "description": s.description(),
        "ttl_ns": s.ttl().as_nanos() as u64,
        "storage": output::storage(s.storage()),
        "replicas": s.replicas(),
        "sealed": s.sealed(),
        "size": s.size(),
        "backing_store": s.backing_store(),
        "metadata": s.metadata(),
    })
}

fn show_status(s: &Status, json: bool) -> Result<()> {
    if json {
        return print_json(&status_json(s));
    }
    let ttl = if s.ttl().is_zero() {
        "forever".to_string()
    } else {
        format_duration(s.ttl())
    };
    let t = output::properties(
        "Object store",
        vec![
            ("Store", s.bucket().to_string()),
            ("Description", s.description().unwrap_or("").to_string()),
            ("TTL", ttl),
            ("Storage", output::storage(s.storage()).to_string()),
            ("Replicas", s.replicas().to_string()),
            ("Sealed", s.sealed().to_string()),
            ("Size", output::bytes(s.size())),
            ("Backing store", s.backing_store().to_string()),
        ],
    );
    println!("{t}");
    Ok(())
}

/// An `AsyncRead` that moves a progress bar by the bytes read through it.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: futures_util::io::AsyncRead + Unpin> futures_util::io::AsyncRead for Counting<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = &poll {
            this.bar.inc(*n as u64);
        }
        poll
    }
}
