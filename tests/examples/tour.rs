//! A tour of natrs: run it with `cargo run --example tour`.
//!
//! With `NATS_URL` set it uses that server; otherwise it starts a throwaway local
//! nats-server (installing it on first use) and stops it at the end. Each step
//! prints what happens.

use futures_util::StreamExt;
use natrs_jetstream::kv::{self, KvError, WatchEvent};
use natrs_tokio::{ConnectOptions, HeaderMap, Request};
use std::time::Duration;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // A server: NATS_URL, or a local one that lives as long as `_server`.
    let (_server, url) = match std::env::var("NATS_URL") {
        Ok(url) => (None, url),
        Err(_) => {
            println!(
                "NATS_URL is not set: starting a local nats-server (installed on first use)..."
            );
            let server = natrs_tests::Server::start()?;
            let url = server.url();
            (Some(server), url)
        }
    };

    step("connect");
    let client =
        natrs_tokio::connect_with_options(&url, ConnectOptions::new().name("natrs-tour")).await?;
    let info = client.server_info().ok_or("no server info")?;
    println!(
        "connected to {url}: nats-server {} (max payload {} bytes)",
        info.version, info.max_payload
    );

    step("publish / subscribe");
    let mut sub = client.subscribe("tour.greetings.*").await?;
    client.publish("tour.greetings.en", "hello").await?;
    client.publish("tour.greetings.fr", "bonjour").await?;
    for _ in 0..2 {
        let msg = sub.next().await.ok_or("subscription ended")?;
        println!(
            "received on {}: {}",
            msg.subject,
            String::from_utf8_lossy(&msg.payload)
        );
    }

    step("queue groups: each message goes to one member");
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(client.queue_subscribe("tour.jobs", "workers").await?);
    }
    client.flush().await?;
    for i in 0..9 {
        client.publish("tour.jobs", format!("job {i}")).await?;
    }
    client.flush().await?;
    let mut total = 0;
    for (i, w) in workers.iter_mut().enumerate() {
        let mut got = 0;
        while let Some(_job) = w.try_next() {
            got += 1;
        }
        println!("worker {i} took {got} jobs");
        total += got;
    }
    println!("{total} of 9 jobs handled, none twice");

    step("headers");
    let mut hsub = client.subscribe("tour.headers").await?;
    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", "abc-123");
    headers.append("Tag", "one");
    headers.append("Tag", "two");
    client
        .publish_with_headers("tour.headers", headers, "with headers")
        .await?;
    let msg = hsub.next().await.ok_or("subscription ended")?;
    let h = msg.headers.as_ref().ok_or("no headers")?;
    println!(
        "Trace-Id = {:?}, Tag = {:?}",
        h.get("Trace-Id"),
        h.get_all("Tag").collect::<Vec<_>>()
    );

    step("request / reply");
    let mut service = client.subscribe("tour.time").await?;
    let responder = client.clone();
    tokio::spawn(async move {
        while let Some(req) = service.next().await {
            if let Some(reply) = req.reply {
                let answer = format!("you asked: {}", String::from_utf8_lossy(&req.payload));
                let _ = responder.publish(reply.as_str(), answer).await;
            }
        }
    });
    let reply = client.request("tour.time", "what time is it?").await?;
    println!("reply: {}", String::from_utf8_lossy(&reply.payload));
    match client
        .send_request(
            "tour.nobody",
            Request::new("anyone?").timeout(Duration::from_secs(1)),
        )
        .await
    {
        Err(e) => println!("request to a subject nobody serves: {e}"),
        Ok(_) => println!("unexpected reply"),
    }

    step("flush and round trip");
    client.publish("tour.flush", "data").await?;
    let rtt = client.rtt().await?;
    println!("the server has processed everything; round trip {rtt:?}");
    let stats = client.statistics();
    println!(
        "statistics: {} messages out, {} in",
        stats.out_msgs, stats.in_msgs
    );

    step("key-value (JetStream)");
    key_value(&client).await?;

    step("drain");
    client.drain().await?;
    println!("drained and closed: {:?}", client.close_reason());
    Ok(())
}

/// A Key-Value bucket: write, read, update at a revision, watch the changes.
async fn key_value(client: &natrs_tokio::Client) -> Result<(), Error> {
    let js = natrs_jetstream::JetStream::new(client.clone());
    let kv = match js
        .create_key_value(kv::Config::new("tour").history(5))
        .await
    {
        Ok(kv) => kv,
        Err(KvError::JetStream(natrs_jetstream::Error::NotEnabled)) => {
            println!("JetStream is not enabled on this server: skipped");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let mut watch = kv.watch("color").await?;
    let first = kv.put("color", "blue").await?;
    let entry = kv.get("color").await?;
    let value = String::from_utf8_lossy(&entry.value);
    println!("color = {value} (revision {})", entry.revision);
    let second = kv.update("color", "green", first).await?;
    if let Err(e) = kv.update("color", "red", first).await {
        println!("update at the old revision {first} refused: {e}");
    }
    while let Some(event) = watch.next().await {
        match event? {
            WatchEvent::Entry(e) => {
                let value = String::from_utf8_lossy(&e.value);
                println!("watch: {} = {value} (revision {})", e.key, e.revision);
                if e.revision == second {
                    break;
                }
            }
            WatchEvent::EndOfInitialData => println!("watch: now following changes"),
        }
    }
    js.delete_key_value("tour").await?;
    Ok(())
}

fn step(title: &str) {
    println!("\n== {title}");
}
