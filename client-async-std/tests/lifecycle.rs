//! Drain, close, reconnect, dropping handles and the ways to run the driver,
//! against a real nats-server; on the smol executor unless a test says
//! otherwise.

mod common;

use common::{connections, next_msg, server, wait_event, within};
use futures_lite::StreamExt;
use natrs_async_std::{
    AsyncIoRuntime, ClientEvent, CloseReason, ConnectError, ConnectOptions, ConnectionState,
    DrainError, RequestError,
};
use natrs_tests::{ServerConfig, wait_for};
use std::time::Duration;

/// Reconnects quickly and forever (the server may take a while to restart).
fn eager_reconnect() -> ConnectOptions {
    ConnectOptions::new()
        .reconnect_wait(Duration::from_millis(20))
        .reconnect_jitter(Duration::ZERO, Duration::ZERO)
        .max_reconnects(None)
}

#[test]
fn drain_delivers_what_was_sent_then_closes() {
    let server = server();
    smol::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let mut sub = client.subscribe("drained").await.unwrap();
        client.flush().await.unwrap();
        for i in 0..50 {
            client.publish("drained", i.to_string()).await.unwrap();
        }
        within("drain", client.drain()).await.expect("drain");
        assert!(client.is_closed());
        assert_eq!(client.close_reason(), Some(CloseReason::Drained));
        for i in 0..50 {
            assert_eq!(next_msg(&mut sub).await.payload, i.to_string());
        }
        assert!(
            within("the end of the subscription", sub.next())
                .await
                .is_none()
        );
        assert_eq!(client.drain().await, Err(DrainError::Closed));
    });
}

#[test]
fn close_ends_subscriptions_and_fails_requests() {
    let server = server();
    smol::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let mut sub = client.subscribe("closing").await.unwrap();
        let mut events = client.events();
        within("close", client.close()).await;
        assert_eq!(client.connection_state(), ConnectionState::Closed);
        assert_eq!(client.close_reason(), Some(CloseReason::Closed));
        assert!(
            within("the end of the subscription", sub.next())
                .await
                .is_none()
        );
        assert!(client.publish("closing", "late").await.is_err());
        assert!(matches!(
            client.request("closing", "late").await,
            Err(RequestError::Closed | RequestError::Publish(_))
        ));
        wait_event(&mut events, "Closed", |e| {
            matches!(e, ClientEvent::Closed { .. })
        })
        .await;
    });
}

#[test]
fn reconnects_after_a_restart_and_sends_buffered_publishes() {
    let server = server();
    smol::block_on(async {
        let client = natrs_async_std::connect_with_options(server.url(), eager_reconnect())
            .await
            .unwrap();
        let mut events = client.events();
        let mut sub = client.subscribe("buffered.*").await.unwrap();
        client.publish("buffered.before", "0").await.unwrap();
        assert_eq!(next_msg(&mut sub).await.payload, "0");

        server.stop().expect("stop the server");
        wait_event(&mut events, "Disconnected", |e| {
            matches!(e, ClientEvent::Disconnected { .. })
        })
        .await;
        assert_eq!(client.connection_state(), ConnectionState::Reconnecting);
        // Buffered until the connection is back.
        for i in 1..=20 {
            client
                .publish("buffered.during", i.to_string())
                .await
                .unwrap();
        }

        server.restart().expect("restart the server");
        wait_event(&mut events, "Reconnected", |e| {
            matches!(e, ClientEvent::Reconnected { .. })
        })
        .await;
        // The subscription was restored before the buffered messages went out.
        for i in 1..=20 {
            let msg = next_msg(&mut sub).await;
            assert_eq!(msg.subject.as_str(), "buffered.during");
            assert_eq!(msg.payload, i.to_string());
        }
        client.publish("buffered.after", "21").await.unwrap();
        assert_eq!(next_msg(&mut sub).await.payload, "21");
        assert_eq!(client.statistics().reconnects, 1);
    });
}

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
fn works_with_no_executor_at_all() {
    let server = server();
    async_io::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let mut sub = client.subscribe("plain").await.unwrap();
        client.publish("plain", "block_on").await.unwrap();
        assert_eq!(next_msg(&mut sub).await.payload, "block_on");
        client.close().await;
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

#[test]
fn connecting_to_nothing_fails() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    smol::block_on(async {
        let r = within(
            "the connection to fail",
            natrs_async_std::connect(format!("nats://127.0.0.1:{port}")),
        )
        .await;
        assert!(matches!(r, Err(ConnectError::Failed(_))), "{r:?}");
        let r = natrs_async_std::connect("nats://[bad").await;
        assert!(
            matches!(r, Err(ConnectError::InvalidAddress { .. })),
            "{r:?}"
        );
    });
}

#[test]
fn retry_on_initial_connect_returns_at_once_and_connects_later() {
    let server = server();
    let url = server.url();
    server.stop().unwrap();
    smol::block_on(async {
        let options = eager_reconnect().retry_on_initial_connect();
        let client = within(
            "connect to return",
            natrs_async_std::connect_with_options(&url, options),
        )
        .await
        .unwrap();
        let mut events = client.events();
        assert_ne!(client.connection_state(), ConnectionState::Connected);
        let mut sub = client.subscribe("late").await.unwrap();
        client.publish("late", "queued").await.unwrap();
        server.restart().unwrap();
        wait_event(&mut events, "Connected", |e| {
            matches!(e, ClientEvent::Connected { .. })
        })
        .await;
        assert_eq!(next_msg(&mut sub).await.payload, "queued");
    });
}
