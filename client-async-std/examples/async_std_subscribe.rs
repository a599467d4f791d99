//! Subscribes and prints messages as they arrive, on the smol executor.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natrs-async-std --example async_std_subscribe -- [subject] [count]
//! ```
//!
//! Stops after `count` messages (default 10); publish some with the `publish`
//! example.

use futures_lite::StreamExt;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "demo.>".into());
    let count: usize = match args.next() {
        Some(n) => n.parse()?,
        None => 10,
    };
    smol::block_on(async {
        let client = natrs_async_std::connect(&url).await?;
        let mut sub = client.subscribe(&subject).await?;
        // Make sure the server has the subscription before saying so.
        client.flush().await?;
        println!("listening on {subject} at {url}");
        let mut received = 0;
        while received < count {
            let Some(msg) = sub.next().await else {
                break;
            };
            received += 1;
            println!(
                "[{received}] {}: {}",
                msg.subject,
                String::from_utf8_lossy(&msg.payload)
            );
        }
        // Deliver what is in flight, then close.
        sub.drain().await?;
        client.drain().await?;
        Ok(())
    })
}
