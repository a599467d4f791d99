//! Connects over TLS, optionally with a client certificate (mutual TLS), and
//! runs the connection's driver on the smol executor instead of the crate's
//! default (async-global-executor).
//!
//! ```text
//! NATS_URL=tls://127.0.0.1:4222 NATS_CA=ca.pem [NATS_CERT=client.pem NATS_KEY=client-key.pem] \
//!     cargo run -p natrs-async-std --example async_std_tls
//! ```
//!
//! Without `NATS_CA` the system's roots (and webpki roots) are trusted.

use natrs_async_std::{AsyncIoRuntime, ConnectOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut options = ConnectOptions::new().require_tls();
    if let Ok(ca) = std::env::var("NATS_CA") {
        options = options.add_root_certificates(ca);
    }
    if let (Ok(cert), Ok(key)) = (std::env::var("NATS_CERT"), std::env::var("NATS_KEY")) {
        options = options.add_client_certificate(cert, key);
    }
    smol::block_on(async {
        let runtime = AsyncIoRuntime::with_spawner(|driver| smol::spawn(driver).detach());
        let client = natrs_async_std::connect_with_runtime(runtime, &url, options).await?;
        let info = client.server_info();
        println!(
            "connected to {url} over TLS (server {})",
            info.map(|i| i.version).unwrap_or_default()
        );
        println!("round trip: {:?}", client.rtt().await?);
        client.close().await;
        Ok(())
    })
}
