//! Connects with TLS (optionally TLS first and mutual TLS) and round-trips a
//! message.
//!
//! ```text
//! NATS_URL=tls://localhost:4443 NATS_CA=ca.pem \
//!     [NATS_CERT=client.pem NATS_KEY=client-key.pem] [NATS_TLS_FIRST=1] \
//!     cargo run -p natrs-blocking --example blocking_tls
//! ```
//! Without `NATS_CA` the system's trusted roots are used.

use natrs_blocking::ConnectOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "tls://127.0.0.1:4222".into());
    let mut options = ConnectOptions::new().require_tls();
    if let Ok(ca) = std::env::var("NATS_CA") {
        options = options.add_root_certificates(ca);
    }
    if let (Ok(cert), Ok(key)) = (std::env::var("NATS_CERT"), std::env::var("NATS_KEY")) {
        options = options.add_client_certificate(cert, key);
    }
    if std::env::var_os("NATS_TLS_FIRST").is_some() {
        // For servers configured with `handshake_first: true`.
        options = options.tls_first();
    }

    let client = natrs_blocking::connect_with_options(&url, options)?;
    let info = client.server_info().ok_or("no server info")?;
    println!(
        "connected to {} over TLS (server {} {})",
        url, info.server_name, info.version
    );
    let sub = client.subscribe("tls.example")?;
    client.publish("tls.example", "secret")?;
    let msg = sub.iter().next().ok_or("no message")?;
    println!("received {:?}", msg.payload);
    println!("round trip: {:?}", client.rtt()?);
    client.close();
    Ok(())
}
