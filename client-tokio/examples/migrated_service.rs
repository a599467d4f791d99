//! A request/reply service ported from async-nats (see
//! `docs/migrating-from-async-nats.md`, "A request/reply service"): a
//! `text` service whose `text.upper` endpoint upper-cases UTF-8 and answers
//! anything else with a 400 service error.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`);
//! it serves until the process is stopped:
//!
//! ```sh
//! cargo run -p natrs-tokio --example migrated_service
//! ```

use futures_util::StreamExt;
use natrs_tokio::Client;
use natrs_tokio::service::{ErrorReply, Service, ServiceConfig, ServiceError};
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let client = natrs_tokio::connect(&url).await?;
    let service = start(&client)?;
    service.wait_stopped().await;
    Ok(())
}

/// Starts the service and the task answering its endpoint; the task ends
/// when the service stops.
pub(crate) fn start(client: &Client) -> Result<Service, ServiceError> {
    let service = Service::add(
        client,
        ServiceConfig::new("text", "1.0.0").description("upper-cases text"),
    )?;
    let mut upper = service.add_group("text")?.add_endpoint("upper")?;
    tokio::spawn(async move {
        while let Some(request) = upper.next().await {
            let sent = match std::str::from_utf8(request.payload()) {
                Ok(text) => request.respond(text.to_uppercase()).await,
                Err(_) => request.respond_error(400, "not UTF-8", "").await,
            };
            if let Err(e) = sent {
                eprintln!("could not respond: {e}");
            }
        }
    });
    Ok(service)
}

/// Starts the service, asks it twice (text, then bytes that are not
/// UTF-8) and stops it; returns the two answers.
// The suite's entry point (tests/tests/suite/runtime_examples.rs).
#[allow(dead_code)]
pub(crate) async fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let service = start(&client)?;
    client.flush().await?;
    let mut answers = Vec::new();
    let reply = client.request("text.upper", "hello").await?;
    answers.push(String::from_utf8_lossy(&reply.payload).into_owned());
    let reply = client.request("text.upper", &[0xff_u8, 0xfe][..]).await?;
    match ErrorReply::from_message(&reply) {
        Some(error) => answers.push(format!("{} {}", error.code, error.description)),
        None => return Err("expected a service error".into()),
    }
    service.stop();
    service.wait_stopped().await;
    Ok(answers)
}
