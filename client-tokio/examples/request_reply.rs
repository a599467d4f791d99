//! Request and reply: a responder task, a request with the default timeout,
//! one with headers and its own timeout, and the "no responders" error.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example request_reply
//! ```

use futures_util::StreamExt;
use natrs_tokio::{HeaderMap, Request, RequestError};
use std::error::Error;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for line in run(&url).await? {
        println!("{line}");
    }
    Ok(())
}

/// Runs an upper-casing service and asks it twice; returns the answers.
pub(crate) async fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;

    // The responder: answers every request on `upper` until unsubscribed.
    let mut requests = client.subscribe("upper").await?;
    let responder = client.clone();
    let service = tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            if let Some(reply) = request.reply {
                let answer = request.payload.to_ascii_uppercase();
                let _ = responder.publish(reply.as_str(), answer).await;
            }
        }
    });
    client.flush().await?;

    let mut out = Vec::new();
    let reply = client.request("upper", "hello").await?;
    out.push(String::from_utf8_lossy(&reply.payload).into_owned());

    let mut headers = HeaderMap::new();
    headers.insert("Request-Id", "42");
    let reply = client
        .send_request(
            "upper",
            Request::new("with headers")
                .headers(headers)
                .timeout(Duration::from_secs(2)),
        )
        .await?;
    out.push(String::from_utf8_lossy(&reply.payload).into_owned());

    // Nobody listens on this subject: the server says so at once.
    match client.request("nobody.home", "anyone?").await {
        Err(RequestError::NoResponders) => out.push("no responders".into()),
        other => return Err(format!("unexpected: {other:?}").into()),
    }

    client.drain().await?;
    service.await?;
    Ok(out)
}
