//! What a natrs user's program does first: connect, publish, subscribe, make a
//! request, and use a Key-Value bucket, on tokio and on plain threads. It reads
//! the server's address from `NATS_URL` and exits non-zero on any failure.

use futures_util::StreamExt;
use natrs_tokio::jetstream::{JetStream, kv};
use std::time::Duration;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::var("NATS_URL").map_err(|_| "set NATS_URL to a nats-server's address")?;

    // tokio: publish/subscribe, request/reply and Key-Value.
    let client = natrs_tokio::connect(url.as_str()).await?;
    let mut sub = client.subscribe("consumer.check").await?;
    client.publish("consumer.check", "hello").await?;
    let msg = sub.next().await.ok_or("the subscription ended")?;
    assert_eq!(&msg.payload[..], b"hello");

    let mut service = client.subscribe("consumer.echo").await?;
    let responder = client.clone();
    tokio::spawn(async move {
        while let Some(req) = service.next().await {
            if let Some(reply) = req.reply {
                let _ = responder.publish(reply.as_str(), req.payload).await;
            }
        }
    });
    let reply = client.request("consumer.echo", "ping").await?;
    assert_eq!(&reply.payload[..], b"ping");

    let js = JetStream::new(client.clone());
    let bucket = js
        .create_key_value(kv::Config::new("consumer_check"))
        .await?;
    bucket.put("key", "value").await?;
    let entry = bucket.get("key").await?;
    assert_eq!(&entry.value[..], b"value");
    js.delete_key_value("consumer_check").await?;
    client.drain().await?;

    // Plain threads: the blocking client.
    let blocking = natrs_blocking::connect(url.as_str())?;
    let sub = blocking.subscribe("consumer.blocking")?;
    blocking.publish("consumer.blocking", "from a thread")?;
    let msg = sub
        .next_timeout(Duration::from_secs(5))?
        .ok_or("the blocking subscription ended")?;
    assert_eq!(&msg.payload[..], b"from a thread");
    blocking.close();

    println!("consumer check: ok");
    Ok(())
}
