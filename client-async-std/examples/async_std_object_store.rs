//! Object Store: a file streamed into the store in chunks, then streamed
//! back into another file (the size and digest are checked as it is read).
//!
//! Run against a JetStream-enabled server at `NATS_URL` (default
//! `nats://127.0.0.1:4222`), storing a file of your choice (default: this
//! crate's `Cargo.toml`):
//!
//! ```sh
//! cargo run -p natrs-async-std --example async_std_object_store -- path/to/file
//! ```

use natrs_async_std::jetstream::JetStream;
use natrs_async_std::jetstream::object::{Config, ObjectMeta};
use std::error::Error;
use std::path::Path;

#[async_std::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let input = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Cargo.toml".into());
    let output = std::env::temp_dir().join("natrs-object-store-example.out");
    let (size, copied) = run(&url, Path::new(&input), &output).await?;
    println!(
        "stored {input} ({size} bytes) and copied {copied} bytes back into {}",
        output.display()
    );
    Ok(())
}

/// Streams the file at `input` into an object (64 KiB chunks) and the
/// object back into `output`; returns the object's size and how many bytes
/// were copied back. Deletes the store at the end.
pub(crate) async fn run(
    url: &str,
    input: &Path,
    output: &Path,
) -> Result<(u64, u64), Box<dyn Error>> {
    let client = natrs_async_std::connect(url).await?;
    let js = JetStream::new(client);
    let store = js.create_object_store(Config::new("example_files")).await?;

    // Any `futures_io::AsyncRead` can be stored: here async-std's file.
    let file = async_std::fs::File::open(input).await?;
    let info = store
        .put(ObjectMeta::new("the-file").chunk_size(64 * 1024), file)
        .await?;

    // The reader is a `futures_io::AsyncRead` (and a stream of chunks).
    let mut reader = store.get("the-file").await?;
    let mut out = async_std::fs::File::create(output).await?;
    let copied = async_std::io::copy(&mut reader, &mut out).await?;
    async_std::io::WriteExt::flush(&mut out).await?;

    js.delete_object_store("example_files").await?;
    Ok((info.size, copied))
}
