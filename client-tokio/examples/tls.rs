//! TLS with a private CA: a `tls://` URL (or `require_tls`) and the CA's
//! certificate as the only trusted root.
//!
//! Run against a server with a `tls { cert_file, key_file }` block:
//!
//! ```sh
//! NATS_URL=tls://localhost:4222 NATS_CA=ca.pem cargo run -p natrs-tokio --example tls
//! ```
//!
//! Without `NATS_CA` the system's roots are trusted. The host name in the URL
//! must match the server certificate.

use natrs_tokio::ConnectOptions;
use std::error::Error;
use std::path::{Path, PathBuf};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "tls://localhost:4222".into());
    let ca: Option<PathBuf> = std::env::var_os("NATS_CA").map(Into::into);
    let version = run(&url, ca.as_deref()).await?;
    println!("connected over TLS to nats-server {version}");
    Ok(())
}

/// Connects over TLS, trusting `ca` if given, and returns the server version.
pub(crate) async fn run(url: &str, ca: Option<&Path>) -> Result<String, Box<dyn Error>> {
    // `require_tls` also makes a `nats://` URL insist on TLS.
    let mut options = ConnectOptions::new().require_tls();
    if let Some(ca) = ca {
        options = options.add_root_certificates(ca);
    }
    // An unknown CA or a certificate for another name fails here with a
    // TLS handshake error saying which.
    let client = natrs_tokio::connect_with_options(url, options).await?;
    let info = client.server_info().ok_or("no server info")?;
    if !info.tls_required && !info.tls_available {
        return Err("the server did not offer TLS".into());
    }
    client.close().await;
    Ok(info.version)
}
