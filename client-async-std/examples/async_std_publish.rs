//! Publishes a few messages and flushes, with no executor of the program's
//! own: the future runs under `async_io::block_on` and the connection's
//! driver on async-global-executor, the crate's default.
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natrs-async-std --example async_std_publish -- [subject] [count]
//! ```

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "demo.greeting".into());
    let count: u64 = match args.next() {
        Some(n) => n.parse()?,
        None => 10,
    };
    async_io::block_on(async {
        let client = natrs_async_std::connect(&url).await?;
        let start = Instant::now();
        for i in 0..count {
            client.publish(&subject, format!("hello {i}")).await?;
        }
        // Returns once the server has processed every message above.
        client.flush().await?;
        println!(
            "published {count} messages to {subject} on {url} in {:?}",
            start.elapsed()
        );
        client.drain().await?;
        Ok(())
    })
}
