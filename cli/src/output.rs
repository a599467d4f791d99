//! Output: tables on a terminal, JSON with `--json`, progress bars only when
//! stderr is a terminal.

use comfy_table::{ContentArrangement, Table, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A table with the given header.
pub(crate) fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(header);
    table
}

/// A two-column table of properties.
pub(crate) fn properties(title: &str, rows: Vec<(&str, String)>) -> Table {
    let mut t = table([title, ""]);
    for (k, v) in rows {
        t.add_row([k.to_string(), v]);
    }
    t
}

/// Prints a value as pretty JSON on stdout.
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A time as RFC 3339, or `-`.
pub(crate) fn time(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "-".to_string())
}

/// A byte count for people: `1.5 MiB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A limit where `-1` (or any negative) means unlimited.
pub(crate) fn limit(n: i64) -> String {
    if n < 0 {
        "unlimited".to_string()
    } else {
        n.to_string()
    }
}

/// Whether progress bars are drawn: only when stderr is a terminal.
pub(crate) fn progress_enabled() -> bool {
    std::io::stderr().is_terminal()
}

/// A byte progress bar of `total` bytes (hidden unless stderr is a
/// terminal).
pub(crate) fn byte_bar(total: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), draw_target());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

/// A byte counter for a stream of unknown length (hidden unless stderr is a
/// terminal).
pub(crate) fn byte_counter(message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, draw_target());
    bar.set_style(
        ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")
            .expect("a valid template"),
    );
    bar.set_message(message.to_string());
    bar
}

/// The draw target of every bar: stderr when it is a terminal, else hidden.
pub(crate) fn draw_target() -> ProgressDrawTarget {
    if progress_enabled() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A payload as text for people: UTF-8 as is, else a note with its size.
pub(crate) fn payload_text(payload: &[u8]) -> String {
    match std::str::from_utf8(payload) {
        Ok(text) => text.to_string(),
        Err(_) => format!("<{} bytes of binary data>", payload.len()),
    }
}

/// A payload as a JSON value: a string when it is UTF-8, else an array of
/// its bytes.
pub(crate) fn payload_json(payload: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(payload) {
        Ok(text) => serde_json::Value::String(text.to_string()),
        Err(_) => serde_json::Value::from(payload.to_vec()),
    }
}

/// Headers as a JSON object of arrays.
pub(crate) fn headers_json(headers: Option<&natrs_tokio::HeaderMap>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    if let Some(headers) = headers {
        for (k, v) in headers.iter() {
            map.entry(k.to_string())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()))
                .as_array_mut()
                .expect("an array")
                .push(serde_json::Value::String(v.to_string()));
        }
    }
    serde_json::Value::Object(map)
}

/// Asks a yes/no question on stderr and reads the answer from stdin.
pub(crate) fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::Write;
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// A storage type's name.
pub(crate) fn storage(s: natrs_tokio::jetstream::api::stream::StorageType) -> &'static str {
    use natrs_tokio::jetstream::api::stream::StorageType;
    match s {
        StorageType::File => "file",
        StorageType::Memory => "memory",
        _ => "unknown",
    }
}
