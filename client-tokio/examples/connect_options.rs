//! The connection options most applications set: a list of servers tried
//! in order, a name for monitoring, no echo of the connection's own
//! publishes, an inbox prefix that permissions can allow, keep-alive PINGs,
//! and timeouts for connecting and for requests.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`;
//! a comma-separated list works too):
//!
//! ```sh
//! cargo run -p natrs-tokio --example connect_options
//! ```

use futures_util::StreamExt;
use natrs_tokio::ConnectOptions;
use std::error::Error;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let report = run(&url).await?;
    println!("heard (not our own): {}", report.heard);
    println!(
        "request answered {:?} via {}",
        report.answer, report.reply_to
    );
    Ok(())
}

/// What the options changed.
#[derive(Debug)]
pub(crate) struct Report {
    /// The first message the no-echo client's subscription got (not its own).
    pub(crate) heard: String,
    /// The reply subject a responder saw on the client's request.
    pub(crate) reply_to: String,
    /// The answer to the request.
    pub(crate) answer: String,
}

/// The options: every one of them has a default, so set only what differs.
pub(crate) fn options() -> ConnectOptions {
    ConnectOptions::new()
        .name("orders-service")
        // Messages this connection publishes are not delivered back to it.
        .no_echo()
        // Replies come to `_ORDERS_INBOX.>`, which the user's permissions
        // can allow without opening all of `_INBOX.>`.
        .inbox_prefix("_ORDERS_INBOX")
        // PING every 20 s; two unanswered PINGs make the connection stale.
        .ping_interval(Duration::from_secs(20))
        .max_pings_outstanding(2)
        // TCP connect, TLS and the handshake must finish within 5 s.
        .connection_timeout(Duration::from_secs(5))
        // Try the URLs in the order given, and only those.
        .retain_servers_order()
        .ignore_discovered_servers()
        .request_timeout(Duration::from_secs(2))
}

/// Connects with [`options`] and shows what no-echo and the inbox prefix do,
/// with a second, default client as the other party.
pub(crate) async fn run(url: &str) -> Result<Report, Box<dyn Error>> {
    let client = natrs_tokio::connect_with_options(url, options()).await?;
    let other = natrs_tokio::connect(url).await?;

    let mut sub = client.subscribe("orders.new").await?;
    client.flush().await?;
    client.publish("orders.new", "from me").await?;
    client.flush().await?;
    other.publish("orders.new", "from another client").await?;
    let heard = sub.next().await.ok_or("subscription ended early")?;

    // The other client answers one request, telling where the reply went.
    let mut requests = other.subscribe("orders.status").await?;
    other.flush().await?;
    let request = client.request("orders.status", "order 42");
    let respond = async {
        let msg = requests.next().await.ok_or("no request came")?;
        let reply_to = msg.reply.ok_or("the request had no reply subject")?;
        other.publish(reply_to.as_str(), "shipped").await?;
        Ok::<_, Box<dyn Error>>(reply_to.to_string())
    };
    let (answer, reply_to) = tokio::join!(request, respond);

    let report = Report {
        heard: String::from_utf8_lossy(&heard.payload).into_owned(),
        reply_to: reply_to?,
        answer: String::from_utf8_lossy(&answer?.payload).into_owned(),
    };
    client.close().await;
    other.close().await;
    Ok(report)
}
