//! Object Store with blocking calls: a file streamed into the store in
//! chunks, then streamed back into another file (the size and digest are
//! checked as it is read).
//!
//! ```text
//! cargo run -p natrs-blocking --example blocking_object_store -- path/to/file
//! ```
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`), a server with
//! JetStream enabled; stores the file named (default: this crate's
//! `Cargo.toml`).

use natrs_blocking::jetstream::JetStream;
use natrs_blocking::jetstream::object::{Config, ObjectMeta};
use std::error::Error;
use std::fs::File;
use std::path::Path;

fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let input = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Cargo.toml".into());
    let output = std::env::temp_dir().join("natrs-object-store-example.out");
    let (size, copied) = run(&url, Path::new(&input), &output)?;
    println!(
        "stored {input} ({size} bytes) and copied {copied} bytes back into {}",
        output.display()
    );
    Ok(())
}

/// Streams the file at `input` into an object (64 KiB chunks) and the
/// object back into `output`; returns the object's size and how many bytes
/// were copied back. Deletes the store at the end.
pub(crate) fn run(url: &str, input: &Path, output: &Path) -> Result<(u64, u64), Box<dyn Error>> {
    let client = natrs_blocking::connect(url)?;
    let js = JetStream::new(client);
    let store = js.create_object_store(Config::new("example_files"))?;

    // Any `std::io::Read` can be stored: here a file.
    let info = store.put(
        ObjectMeta::new("the-file").chunk_size(64 * 1024),
        File::open(input)?,
    )?;

    // The reader is a `std::io::Read` (and an iterator of chunks).
    let mut reader = store.get("the-file")?;
    let copied = std::io::copy(&mut reader, &mut File::create(output)?)?;

    js.delete_object_store("example_files")?;
    Ok((info.size, copied))
}
