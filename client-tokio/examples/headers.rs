//! Headers: publish with headers, read them back, and recognize status
//! messages (a request nobody answers gets a 503 status from the server).
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example headers
//! ```

use futures_util::StreamExt;
use natrs_tokio::HeaderMap;
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let (trace, tags) = run(&url).await?;
    println!("Trace-Id: {trace}; Tag: {tags:?}");
    Ok(())
}

/// Publishes a message with a `Trace-Id` and two `Tag` values and returns
/// them as received.
pub(crate) async fn run(url: &str) -> Result<(String, Vec<String>), Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let mut sub = client.subscribe("orders.new").await?;

    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", "4bf92f35");
    // A header may have several values.
    headers.append("Tag", "priority");
    headers.append("Tag", "gift");
    client
        .publish_with_headers("orders.new", headers, "order #1")
        .await?;

    let msg = sub.next().await.ok_or("subscription ended early")?;
    let trace = msg.header("Trace-Id").unwrap_or_default().to_string();
    let tags = msg
        .headers
        .as_ref()
        .map(|h| h.get_all("Tag").map(str::to_string).collect())
        .unwrap_or_default();
    // Status messages carry a code instead of a payload.
    assert_eq!(msg.status(), None);
    client.close().await;
    Ok((trace, tags))
}
