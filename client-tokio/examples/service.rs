//! The Service API (ADR-32, nats.go's `micro`): a service with two
//! endpoints in a group, answered by a task, then found and asked for its
//! statistics through discovery.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example service
//! ```

use futures_util::StreamExt;
use natrs_tokio::service::{Discovery, EndpointConfig, ErrorReply, Service, ServiceConfig, Target};
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for line in run(&url).await? {
        println!("{line}");
    }
    Ok(())
}

/// Runs a `calc` service, calls it, and reads its statistics; returns what
/// it saw, one line per step.
pub(crate) async fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let service = Service::add(
        &client,
        ServiceConfig::new("calc", "1.0.0").description("adds numbers"),
    )?;
    let math = service.add_group("calc")?;
    let mut sum = math.add_endpoint(EndpointConfig::new("sum"))?;
    let worker = tokio::spawn(async move {
        // Ends when the service stops.
        while let Some(request) = sum.next().await {
            let answer = match serde_json::from_slice::<Vec<i64>>(request.payload()) {
                Ok(numbers) => request.respond_json(&numbers.iter().sum::<i64>()).await,
                Err(e) => request.respond_error(400, &e.to_string(), "").await,
            };
            if answer.is_err() {
                break;
            }
        }
    });
    client.flush().await?;

    let mut seen = Vec::new();
    let reply = client.request("calc.sum", "[1, 2, 39]").await?;
    seen.push(format!("sum = {}", String::from_utf8_lossy(&reply.payload)));
    // An error answer is a reply with `Nats-Service-Error` headers.
    let reply = client.request("calc.sum", "not json").await?;
    if let Some(error) = ErrorReply::from_message(&reply) {
        seen.push(format!("error {}", error.code));
    }

    // Discovery: every instance of `calc` answers with its statistics.
    let discovery = Discovery::new(client.clone()).max_responses(1);
    for stats in discovery.stats(Target::Name("calc")).await? {
        for endpoint in stats.endpoints {
            seen.push(format!(
                "{}: {} requests, {} errors",
                endpoint.name, endpoint.num_requests, endpoint.num_errors
            ));
        }
    }

    service.stop();
    worker.await?;
    Ok(seen)
}
