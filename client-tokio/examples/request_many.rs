//! Request-many (scatter-gather): one request, replies from every responder,
//! ended by a count, a stall, a sentinel or the timeout.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example request_many
//! ```

use futures_util::StreamExt;
use natrs_tokio::{Request, RequestManyOptions};
use std::error::Error;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for reply in run(&url, 3).await? {
        println!("{reply}");
    }
    Ok(())
}

/// Starts `responders` services on `census` and collects one reply from each.
pub(crate) async fn run(url: &str, responders: usize) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    for id in 0..responders {
        let mut sub = client.subscribe("census").await?;
        let responder = client.clone();
        tokio::spawn(async move {
            while let Some(request) = sub.next().await {
                if let Some(reply) = request.reply {
                    let _ = responder
                        .publish(reply.as_str(), format!("instance {id} here"))
                        .await;
                }
            }
        });
    }
    client.flush().await?;

    let options = RequestManyOptions {
        // Stop as soon as everyone answered...
        max_messages: Some(responders as u64),
        // ...or when no reply came for 300 ms...
        stall: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    // ...and at the latest after 5 s.
    let request = Request::new("who is there?").timeout(Duration::from_secs(5));
    let mut replies = client.request_many("census", request, options).await?;
    let mut out = Vec::new();
    while let Some(reply) = replies.next().await {
        out.push(String::from_utf8_lossy(&reply?.payload).into_owned());
    }
    out.sort();
    client.close().await;
    Ok(out)
}
