//! The ways to run the driver (on smol, on async-std) and dropping handles
//! outside any executor. The client's behaviours (drain, close, reconnects,
//! ...) are checked by the natrs-tests suite, which runs this crate's client
//! from `async_io::block_on`, outside any executor.

mod common;

use common::{connections, next_msg, server, within};
use futures_lite::StreamExt;
use natrs_async_std::{AsyncIoRuntime, ConnectOptions};
use natrs_tests::{ServerConfig, wait_for};
use std::time::Duration;

#[test]
fn dropping_handles_outside_any_executor_closes_the_connection() {
    let server = ServerConfig::new()
        .jetstream(false)
        .monitoring(true)
        .start()
        .unwrap();
    let (client, sub, reply) = smol::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let sub = client.subscribe("dropped").await.unwrap();
        let _responder = client.subscribe("slow").await.unwrap();
        client.flush().await.unwrap();
        let reply = client
            .start_request("slow", natrs_async_std::Request::new("?"))
            .unwrap();
        (client, sub, reply)
    });
    wait_for("the connection to show", Duration::from_secs(5), || {
        connections(&server) == 1
    });
    // No executor from here on.
    drop(reply);
    drop(sub);
    drop(client);
    wait_for("the connection to close", Duration::from_secs(5), || {
        connections(&server) == 0
    });
}

#[test]
fn driver_on_the_smol_executor() {
    let server = server();
    smol::block_on(async {
        let runtime = AsyncIoRuntime::with_spawner(|driver| smol::spawn(driver).detach());
        assert!(!runtime.uses_driver_threads());
        let client =
            natrs_async_std::connect_with_runtime(runtime, server.url(), ConnectOptions::new())
                .await
                .unwrap();
        let mut sub = client.subscribe("smol.*").await.unwrap();
        let responder = client.clone();
        smol::spawn(async move {
            while let Some(msg) = sub.next().await {
                if let Some(reply) = msg.reply {
                    let _ = responder.publish(reply.as_str(), msg.payload).await;
                }
            }
        })
        .detach();
        client.flush().await.unwrap();
        for i in 0..20 {
            let reply = within("a reply", client.request("smol.echo", i.to_string()))
                .await
                .unwrap();
            assert_eq!(reply.payload, i.to_string());
        }
        within("drain", client.drain()).await.unwrap();
    });
}

#[test]
fn driver_on_the_async_std_executor() {
    let server = server();
    async_std::task::block_on(async {
        let runtime = AsyncIoRuntime::with_spawner(|driver| {
            async_std::task::spawn(driver);
        });
        let client =
            natrs_async_std::connect_with_runtime(runtime, server.url(), ConnectOptions::new())
                .await
                .unwrap();
        let mut sub = client.subscribe("on.async-std").await.unwrap();
        for i in 0..100 {
            client.publish("on.async-std", i.to_string()).await.unwrap();
        }
        for i in 0..100 {
            assert_eq!(next_msg(&mut sub).await.payload, i.to_string());
        }
        within("close", client.close()).await;
    });
}
