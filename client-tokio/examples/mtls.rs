//! Mutual TLS: the client presents a certificate the server verifies
//! (`tls { verify: true, ca_file: ... }` in the server config).
//!
//! ```sh
//! NATS_URL=tls://localhost:4222 NATS_CA=ca.pem NATS_CERT=client.pem NATS_KEY=client-key.pem \
//!     cargo run -p natrs-tokio --example mtls
//! ```
//!
//! For full control (custom verifiers, ALPN, session caches) build a
//! `rustls::ClientConfig` and pass it with `ConnectOptions::tls_client_config`.

use natrs_tokio::ConnectOptions;
use std::error::Error;
use std::path::{Path, PathBuf};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "tls://localhost:4222".into());
    let var = |name: &str| -> Result<PathBuf, String> {
        std::env::var_os(name)
            .map(Into::into)
            .ok_or_else(|| format!("set {name}"))
    };
    let (ca, cert, key) = (var("NATS_CA")?, var("NATS_CERT")?, var("NATS_KEY")?);
    let verified = run(&url, &ca, &cert, &key).await?;
    println!("connected with a client certificate (server verifies clients: {verified})");
    Ok(())
}

/// Connects presenting `cert`/`key` (PEM files), trusting `ca`; returns
/// whether the server says it verifies client certificates.
pub(crate) async fn run(
    url: &str,
    ca: &Path,
    cert: &Path,
    key: &Path,
) -> Result<bool, Box<dyn Error>> {
    let options = ConnectOptions::new()
        .add_root_certificates(ca)
        .add_client_certificate(cert, key);
    // Without a certificate the server refuses the handshake; the error says
    // so ("received fatal alert: CertificateRequired").
    let client = natrs_tokio::connect_with_options(url, options).await?;
    client.flush().await?;
    let verified = client.server_info().is_some_and(|i| i.tls_verify);
    client.close().await;
    Ok(verified)
}
