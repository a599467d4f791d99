//! JWT authentication with a signing callback: the client holds only the
//! user JWT and asks a callback to sign each server nonce, so the seed can
//! stay in a hardware key, a vault or another process. The callback runs on
//! every handshake, reconnects included.
//!
//! Run against a server in operator mode, with a user's JWT and seed (from
//! its `.creds` file, or `nsc describe user --raw` and `nsc export keys`):
//!
//! ```sh
//! NATS_USER_JWT=eyJ0... NATS_USER_SEED=SUA... cargo run -p natrs-tokio --example jwt_callback
//! ```
//!
//! `NATS_URL` defaults to `nats://127.0.0.1:4222`.

use futures_util::StreamExt;
use natrs_tokio::{ClientEvent, ConnectOptions, SignFn};
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let jwt = std::env::var("NATS_USER_JWT").map_err(|_| "set NATS_USER_JWT to a user JWT")?;
    let seed =
        std::env::var("NATS_USER_SEED").map_err(|_| "set NATS_USER_SEED to its seed (SU...)")?;
    let signatures = run(&url, &jwt, &seed).await?;
    println!("signed {signatures} nonces (one per handshake)");
    Ok(())
}

/// Connects as the user `jwt`, signing with `seed` in a callback, forces one
/// reconnect and returns how many nonces the callback signed.
pub(crate) async fn run(url: &str, jwt: &str, seed: &str) -> Result<usize, Box<dyn Error>> {
    // Stands in for a signer elsewhere: it gets the nonce's bytes and returns
    // the raw 64-byte Ed25519 signature.
    let key = nkeys::KeyPair::from_seed(seed)?;
    let signed = Arc::new(AtomicUsize::new(0));
    let count = signed.clone();
    let sign: SignFn = Arc::new(move |nonce: &[u8]| {
        count.fetch_add(1, Ordering::SeqCst);
        key.sign(nonce).map_err(|e| e.to_string())
    });
    let client =
        natrs_tokio::connect_with_options(url, ConnectOptions::new().jwt(jwt, sign)).await?;
    client.flush().await?;

    // A reconnect makes a new handshake, with a new nonce to sign.
    let mut events = client.events();
    client.force_reconnect();
    while let Some(event) = events.next().await {
        if let ClientEvent::Reconnected { .. } = event {
            break;
        }
    }
    client.flush().await?;
    client.close().await;
    Ok(signed.load(Ordering::SeqCst))
}
