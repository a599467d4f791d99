//! The Service API (ADR-32, nats.go's `micro`) with blocking calls: a
//! service with an endpoint in a group, answered by a handler thread, then
//! found and asked for its statistics through discovery.
//!
//! ```text
//! cargo run -p natrs-blocking --example blocking_service
//! ```
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`).

use natrs_blocking::service::{Discovery, ErrorReply, Service, ServiceConfig, Target};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for line in run(&url)? {
        println!("{line}");
    }
    Ok(())
}

/// Runs a `calc` service, calls it, and reads its statistics; returns what
/// it saw, one line per step.
pub(crate) fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_blocking::connect(url)?;
    // The service runs on the async client of the same connection.
    let service = Service::add(
        client.as_async(),
        ServiceConfig::new("calc", "1.0.0").description("adds numbers"),
    )?;
    let math = service.add_group("calc")?;
    // The handler runs on a thread of its own; it ends when the service stops.
    let worker = math.add_endpoint("sum")?.spawn_handler(|request| {
        let _ = match serde_json::from_slice::<Vec<i64>>(request.payload()) {
            Ok(numbers) => request.respond_json(&numbers.iter().sum::<i64>()),
            Err(e) => request.respond_error(400, &e.to_string(), ""),
        };
    })?;
    client.flush()?;

    let mut seen = Vec::new();
    let reply = client.request("calc.sum", "[1, 2, 39]")?;
    seen.push(format!("sum = {}", String::from_utf8_lossy(&reply.payload)));
    // An error answer is a reply with `Nats-Service-Error` headers.
    let reply = client.request("calc.sum", "not json")?;
    if let Some(error) = ErrorReply::from_message(&reply) {
        seen.push(format!("error {}", error.code));
    }

    // Discovery: every instance of `calc` answers with its statistics.
    let discovery = Discovery::new(client.as_async().clone()).max_responses(1);
    for stats in discovery.stats(Target::Name("calc"))? {
        for endpoint in stats.endpoints {
            seen.push(format!(
                "{}: {} requests, {} errors",
                endpoint.name, endpoint.num_requests, endpoint.num_errors
            ));
        }
    }

    service.stop();
    worker.join().map_err(|_| "the handler panicked")?;
    Ok(seen)
}
