//! Typed JSON messages with serde: `publish_json` and `request_json`.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example json
//! ```

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::error::Error;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Quote {
    pub(crate) symbol: String,
    pub(crate) quantity: u32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Price {
    pub(crate) symbol: String,
    pub(crate) total_cents: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let price = run(&url).await?;
    println!("{price:?}");
    Ok(())
}

/// Runs a pricing service that speaks JSON and asks it for a quote.
pub(crate) async fn run(url: &str) -> Result<Price, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;

    let mut quotes = client.subscribe("prices.quote").await?;
    let service = client.clone();
    tokio::spawn(async move {
        while let Some(msg) = quotes.next().await {
            let Some(reply) = msg.reply else { continue };
            // A malformed request gets no answer (the requester times out).
            let Ok(quote) = serde_json::from_slice::<Quote>(&msg.payload) else {
                continue;
            };
            let price = Price {
                total_cents: u64::from(quote.quantity) * 1999,
                symbol: quote.symbol,
            };
            let _ = service.publish_json(reply.as_str(), &price).await;
        }
    });
    client.flush().await?;

    let quote = Quote {
        symbol: "NATS".into(),
        quantity: 3,
    };
    // Serialize the request, wait for the reply, deserialize it.
    let price: Price = client.request_json("prices.quote", &quote).await?;
    client.close().await;
    Ok(price)
}
