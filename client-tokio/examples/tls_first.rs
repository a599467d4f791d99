//! TLS before the protocol starts: for servers configured with
//! `handshake_first` (so that nothing crosses the network in the clear, not
//! even the server's INFO), the client starts the TLS handshake as soon as
//! the TCP connection is up.
//!
//! Run against a server with a `tls { cert_file, key_file, handshake_first:
//! true }` block:
//!
//! ```sh
//! NATS_URL=tls://localhost:4222 NATS_CA=ca.pem cargo run -p natrs-tokio --example tls_first
//! ```
//!
//! Without `NATS_CA` the system's roots are trusted.

use natrs_tokio::ConnectOptions;
use std::error::Error;
use std::path::{Path, PathBuf};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "tls://localhost:4222".into());
    let ca: Option<PathBuf> = std::env::var_os("NATS_CA").map(Into::into);
    let server = run(&url, ca.as_deref()).await?;
    println!("TLS first, then INFO from {server}");
    Ok(())
}

/// Connects with the TLS handshake first, trusting `ca` if given, and
/// returns the id of the server.
pub(crate) async fn run(url: &str, ca: Option<&Path>) -> Result<String, Box<dyn Error>> {
    // `tls_first` implies `require_tls`. Against a server that sends its INFO
    // in plain text first, the connect fails with a TLS error that says so.
    let mut options = ConnectOptions::new().tls_first();
    if let Some(ca) = ca {
        options = options.add_root_certificates(ca);
    }
    let client = natrs_tokio::connect_with_options(url, options).await?;
    client.flush().await?;
    let info = client.server_info().ok_or("no server info")?;
    client.close().await;
    Ok(info.server_id)
}
