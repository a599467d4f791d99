//! Nkey authentication: the client proves it holds a user seed by signing
//! the server's nonce; only the public key is sent.
//!
//! Run against a server whose config lists the user's public key
//! (`authorization { users = [ { nkey: UA... } ] }`), e.g. with a key pair
//! made by `nk -gen user -pubout`:
//!
//! ```sh
//! NATS_NKEY_SEED=SUA... cargo run -p natrs-tokio --example nkey
//! ```
//!
//! `NATS_URL` defaults to `nats://127.0.0.1:4222`.

use natrs_tokio::ConnectOptions;
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let seed =
        std::env::var("NATS_NKEY_SEED").map_err(|_| "set NATS_NKEY_SEED to a user seed (SU...)")?;
    let server = run(&url, &seed).await?;
    println!("authenticated with an nkey to {server}");
    Ok(())
}

/// Connects with the nkey `seed` and returns the server's id.
pub(crate) async fn run(url: &str, seed: &str) -> Result<String, Box<dyn Error>> {
    // An invalid seed is refused before connecting.
    let options = ConnectOptions::new().nkey(seed);
    let client = natrs_tokio::connect_with_options(url, options).await?;
    client.flush().await?;
    let id = client
        .server_info()
        .map(|info| info.server_id)
        .unwrap_or_default();
    client.close().await;
    Ok(id)
}
