//! A responder and a requester on the async-std executor.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natrs-async-std --example async_std_request_reply
//! ```

use futures_lite::StreamExt;
use natrs_async_std::{Request, RequestError};
use std::time::Duration;

#[async_std::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let client = natrs_async_std::connect(&url).await?;

    // The service: upper-cases every request.
    let mut requests = client.subscribe("demo.upper").await?;
    let responder = client.clone();
    let service = async_std::task::spawn(async move {
        while let Some(msg) = requests.next().await {
            if let Some(reply) = msg.reply {
                let answer = String::from_utf8_lossy(&msg.payload).to_uppercase();
                if responder.publish(reply.as_str(), answer).await.is_err() {
                    break;
                }
            }
        }
    });
    client.flush().await?;

    for word in ["hello", "nats", "from async-std"] {
        let reply = client.request("demo.upper", word).await?;
        println!("{word} -> {}", String::from_utf8_lossy(&reply.payload));
    }

    // A request with its own timeout.
    let request = Request::new("quick").timeout(Duration::from_millis(500));
    let reply = client.send_request("demo.upper", request).await?;
    println!("quick -> {}", String::from_utf8_lossy(&reply.payload));

    // Nobody listens here: the server says so at once.
    match client.request("demo.nobody", "anyone?").await {
        Err(RequestError::NoResponders) => println!("demo.nobody: no responders"),
        other => println!("demo.nobody: {other:?}"),
    }

    // Draining ends the service's subscription, which ends its loop.
    client.drain().await?;
    service.await;
    Ok(())
}
