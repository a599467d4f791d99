//! Quick manual check against NATS_URL.
use futures_util::StreamExt;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let client = natrs_tokio::connect(&url).await?;
    println!("connected: {:?}", client.server_info().map(|i| i.version));
    let mut sub = client.subscribe("smoke.>").await?;
    client.publish("smoke.a", "hello").await?;
    client.flush().await?;
    let m = sub.next().await.unwrap();
    println!("got {} {:?}", m.subject, m.payload);
    let responder = client.clone();
    let mut rsub = client.subscribe("svc").await?;
    tokio::spawn(async move {
        while let Some(m) = rsub.next().await {
            if let Some(r) = m.reply {
                responder.publish(r.as_str(), m.payload).await.unwrap();
            }
        }
    });
    let reply = client.request("svc", "ping").await?;
    println!("reply {:?}", reply.payload);
    println!("no responders: {:?}", client.request("nobody", "x").await);
    println!("rtt {:?}", client.rtt().await?);
    let r = tokio::time::timeout(Duration::from_secs(5), client.drain()).await;
    println!("drain: {r:?}");
    Ok(())
}
