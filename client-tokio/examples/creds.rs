//! Decentralized (JWT) authentication with a `.creds` file, as made by `nsc`.
//! The file is read again on every reconnect, so rotated credentials are
//! picked up without restarting the application.
//!
//! Run against a server in operator mode:
//!
//! ```sh
//! NATS_CREDS=~/.nkeys/creds/OP/APP/alice.creds cargo run -p natrs-tokio --example creds
//! ```
//!
//! `NATS_URL` defaults to `nats://127.0.0.1:4222`.

use futures_util::StreamExt;
use natrs_tokio::ConnectOptions;
use std::error::Error;
use std::path::{Path, PathBuf};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let path: PathBuf = std::env::var_os("NATS_CREDS")
        .ok_or("set NATS_CREDS to a .creds file")?
        .into();
    let echoed = run(&url, &path).await?;
    println!("authenticated with {}: {echoed}", path.display());
    Ok(())
}

/// Connects with the credentials file at `path` and sends itself a message.
pub(crate) async fn run(url: &str, path: &Path) -> Result<String, Box<dyn Error>> {
    let options = ConnectOptions::new().credentials_file(path);
    let client = natrs_tokio::connect_with_options(url, options).await?;
    let inbox = client.new_inbox();
    let mut sub = client.subscribe(&inbox).await?;
    client.publish(&inbox, "hello from a JWT user").await?;
    let msg = sub.next().await.ok_or("subscription ended early")?;
    client.close().await;
    Ok(String::from_utf8_lossy(&msg.payload).into_owned())
}
