//! Connects with a `.creds` file (a user JWT and its nkey seed, as `nsc`
//! writes them) and publishes.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 NATS_CREDS=user.creds \
//!     cargo run -p natrs-blocking --example blocking_creds
//! ```
//! The file is read again on every reconnect, so rotated credentials are
//! picked up.

use natrs_blocking::{ClientEvent, ConnectOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let creds = std::env::var("NATS_CREDS").map_err(|_| "set NATS_CREDS to a .creds file")?;

    let options = ConnectOptions::new()
        .credentials_file(creds)
        .name("natrs-blocking creds example")
        .event_callback(|event| {
            // Runs on the driver's threads: keep it short.
            if let ClientEvent::ServerError(e) = event {
                eprintln!("server error: {e}");
            }
        });
    let client = natrs_blocking::connect_with_options(&url, options)?;
    println!(
        "connected as {:?}",
        client.server_info().map(|i| i.client_id)
    );
    client.publish("creds.example", "authenticated")?;
    client.flush()?;
    println!("published");
    client.drain()?;
    Ok(())
}
