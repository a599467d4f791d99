//! Token and user/password authentication, as options or in the URL.
//!
//! Run against a server started with a token or users, e.g.
//!
//! ```sh
//! nats-server --auth s3cret &
//! NATS_TOKEN=s3cret cargo run -p natrs-tokio --example auth_token_userpass
//!
//! nats-server --user alice --pass wonderland &
//! NATS_USER=alice NATS_PASSWORD=wonderland cargo run -p natrs-tokio --example auth_token_userpass
//! ```
//!
//! `NATS_URL` (default `nats://127.0.0.1:4222`) may also carry the
//! credentials itself: `nats://s3cret@127.0.0.1:4222` or
//! `nats://alice:wonderland@127.0.0.1:4222` (percent-encode special characters).

use natrs_tokio::ConnectOptions;
use std::error::Error;

/// Credentials to use besides those in the URL.
#[derive(Debug, Clone)]
pub(crate) enum Secret {
    /// Whatever the URL carries, if anything.
    InUrl,
    /// A token.
    Token(String),
    /// A user and password.
    UserPassword(String, String),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let secret = match (
        std::env::var("NATS_TOKEN"),
        std::env::var("NATS_USER"),
        std::env::var("NATS_PASSWORD"),
    ) {
        (Ok(token), _, _) => Secret::Token(token),
        (_, Ok(user), Ok(password)) => Secret::UserPassword(user, password),
        _ => Secret::InUrl,
    };
    let rtt = run(&url, secret).await?;
    println!("authenticated; round trip {rtt:?}");
    Ok(())
}

/// Connects with `secret` and measures a round trip.
pub(crate) async fn run(url: &str, secret: Secret) -> Result<std::time::Duration, Box<dyn Error>> {
    let options = match secret {
        Secret::InUrl => ConnectOptions::new(),
        Secret::Token(token) => ConnectOptions::new().token(token),
        Secret::UserPassword(user, password) => {
            ConnectOptions::new().user_and_password(user, password)
        }
    };
    // A wrong secret fails here with an authorization violation.
    let client = natrs_tokio::connect_with_options(url, options).await?;
    let rtt = client.rtt().await?;
    client.close().await;
    Ok(rtt)
}
