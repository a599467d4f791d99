//! `natrs stream backup STREAM DIR` and `natrs stream restore DIR`.

use crate::Global;
use crate::interrupt::Interrupt;
use crate::output::{self, print_json};
use anyhow::{Result, anyhow};
use indicatif::ProgressBar;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::backup::{
    BackupError, BackupOptions, CancelToken, Progress, RestoreOptions,
};
use std::future::Future;
use std::path::Path;

/// A progress bar fed by the library's progress callback: bytes of a known
/// total, or a counter when the total is unknown (a backup).
fn progress_bar(message: &str, total: Option<u64>) -> ProgressBar {
    match total {
        Some(total) => output::byte_bar(total, message),
        None => output::byte_counter(message),
    }
}

/// The callback that moves `bar`.
fn feed(bar: &ProgressBar) -> impl Fn(&Progress) + Send + Sync + 'static {
    let bar = bar.clone();
    move |p: &Progress| {
        if let Some(total) = p.total_bytes {
            bar.set_length(total);
        }
        bar.set_position(p.bytes);
    }
}

/// Runs a transfer until it ends or Ctrl-C cancels it (the library then
/// cleans up: a partial backup file or a half-restored stream is removed).
async fn until_interrupted<T, E>(
    cancel: &CancelToken,
    transfer: impl Future<Output = Result<T, E>>,
) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut interrupt = Interrupt::new()?;
    tokio::pin!(transfer);
    let result = tokio::select! {
        result = &mut transfer => result,
        () = interrupt.wait() => {
            cancel.cancel();
            transfer.await
        }
    };
    result.map_err(anyhow::Error::from)
}

/// `natrs stream backup STREAM DIR`.
pub(crate) async fn backup(
    js: &JetStream,
    global: &Global,
    stream: &str,
    dir: &Path,
    consumers: bool,
    check: bool,
) -> Result<()> {
    let bar = progress_bar(&format!("Backing up {stream}"), None);
    let cancel = CancelToken::new();
    let options = BackupOptions::new()
        .consumers(consumers)
        .health_check(check)
        .progress(feed(&bar))
        .cancel(cancel.clone());
    let result = until_interrupted(&cancel, js.backup_stream(stream, dir, &options)).await;
    bar.finish_and_clear();
    let meta =
        result.map_err(|e| anyhow!("cannot back up stream {stream} to {}: {e}", dir.display()))?;
    let state = meta.state().ok();
    if global.json {
        return print_json(&serde_json::json!({
            "stream": stream,
            "directory": dir.display().to_string(),
            "messages": state.as_ref().map(|s| s.messages),
            "bytes": state.as_ref().map(|s| s.bytes),
        }));
    }
    match state {
        Some(s) => println!(
            "Backed up stream {stream} ({} messages, {}) to {}",
            s.messages,
            output::bytes(s.bytes),
            dir.display()
        ),
        None => println!("Backed up stream {stream} to {}", dir.display()),
    }
    Ok(())
}

/// `natrs stream restore DIR`.
pub(crate) async fn restore(
    js: &JetStream,
    global: &Global,
    dir: &Path,
    name: Option<String>,
    replicas: Option<usize>,
    subjects: Vec<String>,
) -> Result<()> {
    let bar = progress_bar(&format!("Restoring {}", dir.display()), Some(0));
    let cancel = CancelToken::new();
    let mut options = RestoreOptions::new()
        .progress(feed(&bar))
        .cancel(cancel.clone());
    if let Some(name) = name {
        options = options.name(name);
    }
    if let Some(replicas) = replicas {
        options = options.replicas(replicas);
    }
    if !subjects.is_empty() {
        options = options.subjects(subjects);
    }
    let result = until_interrupted(&cancel, js.restore_stream(dir, &options)).await;
    bar.finish_and_clear();
    let info = result.map_err(|e| match e.downcast_ref::<BackupError>() {
        // The library's message already says "cannot restore".
        Some(BackupError::StreamExists(_)) => anyhow!("{e} (restoring {})", dir.display()),
        _ => anyhow!("cannot restore {}: {e}", dir.display()),
    })?;
    if global.json {
        return print_json(&info);
    }
    println!(
        "Restored stream {} ({} messages, {}) from {}",
        info.config.name,
        info.state.messages,
        output::bytes(info.state.bytes),
        dir.display()
    );
    Ok(())
}
