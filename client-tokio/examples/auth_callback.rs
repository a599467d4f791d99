//! Credentials computed on every handshake: an auth callback gets the
//! server's nonce and returns what to send (user and password, a token, or a
//! JWT with the nonce's signature). Here it reads the current user and
//! password from a store that a rotation can change, so a reconnect after the
//! rotation uses the new ones.
//!
//! Run against a server with `authorization { user: app, password: first }`:
//!
//! ```sh
//! cargo run -p natrs-tokio --example auth_callback
//! ```
//!
//! `NATS_URL` defaults to `nats://127.0.0.1:4222`; `NATS_USER` and
//! `NATS_PASSWORD` set the credentials (default `app` and `first`).

use futures_util::StreamExt;
use natrs_tokio::{ClientEvent, ConnectOptions, Credentials};
use std::error::Error;
use std::sync::{Arc, Mutex};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let user = std::env::var("NATS_USER").unwrap_or_else(|_| "app".into());
    let password = std::env::var("NATS_PASSWORD").unwrap_or_else(|_| "first".into());
    let store = Arc::new(Mutex::new((user, password)));
    let asked = run(&url, store, None).await?;
    println!("the callback was asked for credentials {asked} times");
    Ok(())
}

/// The user and password the callback hands out.
pub(crate) type Store = Arc<Mutex<(String, String)>>;

/// Connects with the user and password in `store`; then, if `rotate` is
/// given, stores those instead and reconnects. Returns how many times the
/// callback was asked for credentials.
pub(crate) async fn run(
    url: &str,
    store: Store,
    rotate: Option<(&str, &str)>,
) -> Result<usize, Box<dyn Error>> {
    let asked = Arc::new(Mutex::new(0));
    let counter = asked.clone();
    let secrets = store.clone();
    let options = ConnectOptions::new().auth_callback(move |_nonce| {
        *counter.lock().map_err(|e| e.to_string())? += 1;
        // An `Err` fails this handshake with its text.
        let (user, password) = secrets.lock().map_err(|e| e.to_string())?.clone();
        Ok(Credentials {
            user: Some(user),
            password: Some(password.into()),
            ..Default::default()
        })
    });
    let client = natrs_tokio::connect_with_options(url, options).await?;
    client.flush().await?;

    if let Some((user, password)) = rotate {
        *store.lock().map_err(|e| e.to_string())? = (user.to_string(), password.to_string());
        let mut events = client.events();
        client.force_reconnect();
        while let Some(event) = events.next().await {
            if let ClientEvent::Reconnected { .. } = event {
                break;
            }
        }
        client.flush().await?;
    }
    client.close().await;
    let asked = *asked.lock().map_err(|e| e.to_string())?;
    Ok(asked)
}
