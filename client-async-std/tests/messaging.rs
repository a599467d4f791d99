//! The client with async-std tasks: a responder and concurrent requests as
//! tasks. (Where the driver runs is checked in `lifecycle.rs`; publishing,
//! subscribing and requests as such by the natrs-tests suite.)

mod common;

use common::{server, within};
use futures_lite::StreamExt;
use natrs_async_std::ConnectionState;

#[test]
fn connects_and_knows_its_server() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url())
            .await
            .expect("connect");
        assert_eq!(client.connection_state(), ConnectionState::Connected);
        let info = client.server_info().expect("server INFO");
        assert!(!info.version.is_empty());
        assert_eq!(
            client.connected_server().map(|s| s.port()),
            Some(server.port())
        );
        client.flush().await.expect("flush");
    });
}

#[test]
fn request_reply_with_a_responder_task() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let mut service = client.subscribe("math.double").await.unwrap();
        let responder = client.clone();
        let task = async_std::task::spawn(async move {
            while let Some(msg) = service.next().await {
                let n: u64 = std::str::from_utf8(&msg.payload).unwrap().parse().unwrap();
                let reply = msg.reply.expect("a reply subject");
                responder
                    .publish(reply.as_str(), (n * 2).to_string())
                    .await
                    .unwrap();
            }
        });
        client.flush().await.unwrap();
        for n in 0..50u64 {
            let reply = within("a reply", client.request("math.double", n.to_string()))
                .await
                .expect("reply");
            assert_eq!(reply.payload, (n * 2).to_string());
        }
        // Concurrent requests are matched to their own replies.
        let requests: Vec<_> = (100..110u64)
            .map(|n| {
                let c = client.clone();
                async_std::task::spawn(
                    async move { (n, c.request("math.double", n.to_string()).await) },
                )
            })
            .collect();
        for handle in requests {
            let (n, reply) = within("a concurrent reply", handle).await;
            assert_eq!(reply.unwrap().payload, (n * 2).to_string());
        }
        client.drain().await.expect("drain");
        within("the responder to stop", task).await;
    });
}
