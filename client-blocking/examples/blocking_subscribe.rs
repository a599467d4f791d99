//! Prints the messages of a subscription.
//!
//! ```text
//! cargo run -p natrs-blocking --example blocking_subscribe -- [subject] [count]
//! ```
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`); stops after
//! `count` messages (default: never), or when the connection closes.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "greet.*".into());
    let count: Option<usize> = args.next().map(|n| n.parse()).transpose()?;

    let client = natrs_blocking::connect(&url)?;
    let sub = client.subscribe(subject.as_str())?;
    println!("listening on {subject}");
    // The subscription is an iterator that blocks for the next message.
    for msg in sub.iter().take(count.unwrap_or(usize::MAX)) {
        println!(
            "{} ({} bytes): {}",
            msg.subject,
            msg.payload.len(),
            String::from_utf8_lossy(&msg.payload)
        );
    }
    // Leave cleanly: the server stops sending, what it sent is delivered.
    client.drain()?;
    Ok(())
}
