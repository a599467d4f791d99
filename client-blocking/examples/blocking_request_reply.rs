//! A service answering requests from a handler thread, and a client asking it.
//!
//! ```text
//! cargo run -p natrs-blocking --example blocking_request_reply
//! ```
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`).

use natrs_blocking::{Request, RequestError, RequestManyOptions};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());

    // The service: its handler runs on a thread of its own for every request.
    let service = natrs_blocking::connect(&url)?;
    let responder = service.clone();
    let handler = service.queue_subscribe_with_handler("math.double", "math", move |msg| {
        let answer = match std::str::from_utf8(&msg.payload)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
        {
            Some(n) => (n * 2).to_string(),
            None => "not a number".to_string(),
        };
        if let Some(reply) = msg.reply {
            let _ = responder.publish(reply.as_str(), answer);
        }
    })?;
    // Make sure the server knows the subscription before asking.
    service.flush()?;

    // The client.
    let client = natrs_blocking::connect(&url)?;
    for n in [1, 21, 512] {
        let reply = client.request("math.double", n.to_string())?;
        println!("{n} doubled is {}", String::from_utf8_lossy(&reply.payload));
    }
    let reply = client.request_with_timeout("math.double", "seven", Duration::from_millis(500))?;
    println!("seven: {}", String::from_utf8_lossy(&reply.payload));

    // Nobody listens here: the server says so at once.
    match client.request("math.triple", "3") {
        Err(RequestError::NoResponders) => println!("math.triple: no responders"),
        other => println!("math.triple: {other:?}"),
    }

    // Every reply within a time window (here: the one service).
    let options = RequestManyOptions {
        stall: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    for reply in client.request_many("math.double", Request::new("100"), options)? {
        println!("one of many: {}", String::from_utf8_lossy(&reply?.payload));
    }

    // Shut the service down cleanly: requests already received are answered.
    handler.drain()?;
    handler.join()?;
    client.close();
    service.close();
    Ok(())
}
