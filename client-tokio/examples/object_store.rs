//! Object Store: a file stored in chunks, then read back chunk by chunk
//! into another file (the size and digest are checked as it is read).
//!
//! Run against a JetStream-enabled server at `NATS_URL` (default
//! `nats://127.0.0.1:4222`), storing a file of your choice (default: this
//! crate's `Cargo.toml`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example object_store -- path/to/file
//! ```

use futures_util::StreamExt;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::object::Config;
use std::error::Error;
use std::path::Path;
use tokio::io::AsyncWriteExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let input = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Cargo.toml".into());
    let output = std::env::temp_dir().join("natrs-object-store-example.out");
    let (size, chunks) = run(&url, Path::new(&input), &output).await?;
    println!(
        "stored {input} ({size} bytes) and read it back in {chunks} chunk(s) into {}",
        output.display()
    );
    Ok(())
}

/// Stores the file at `input` as an object in small chunks and writes it
/// back to `output`; returns the object's size and how many chunks came
/// back. Deletes the store at the end.
pub(crate) async fn run(
    url: &str,
    input: &Path,
    output: &Path,
) -> Result<(u64, usize), Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let js = JetStream::new(client);
    let store = js.create_object_store(Config::new("example_files")).await?;

    let data = tokio::fs::read(input).await?;
    let info = store.put_bytes("the-file", data).await?;

    // The reader is a stream of chunks (and a `futures_io::AsyncRead`).
    let mut reader = store.get("the-file").await?;
    let mut file = tokio::fs::File::create(output).await?;
    let mut chunks = 0;
    while let Some(chunk) = reader.next().await {
        file.write_all(&chunk?).await?;
        chunks += 1;
    }
    file.flush().await?;

    js.delete_object_store("example_files").await?;
    Ok((info.size, chunks))
}
