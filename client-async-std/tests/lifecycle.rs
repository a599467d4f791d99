//! The ways to run the driver (async-std's executor by default, driver
//! threads, smol) and dropping handles outside any executor. The client's behaviours (drain, close, reconnects,
//! ...) are checked by the natrs-tests suite, which runs this crate's client
//! from `async_io::block_on`, outside any executor.

mod common;

use common::{connections, next_msg, server, within};
use futures_lite::StreamExt;
use natrs_async_std::{
    AsyncIoRuntime, Client, ClientEvent, ConnectOptions, DRIVER_THREAD_NAME, Subscriber,
};
use natrs_tests::{ServerConfig, wait_for};
use std::sync::mpsc;
use std::time::Duration;

/// Connects with `runtime`; also returns the name of the thread the driver
/// runs on.
///
/// An event goes to the callback on whichever thread emits it, and a thread
/// calling into the client emits what is queued (as this one may while
/// `connect` runs). So the driver's thread is the one that reports a
/// reconnection while this thread only waits for that report.
async fn connect_noting_the_driver_thread(
    runtime: AsyncIoRuntime,
    url: String,
) -> (Client, Option<String>) {
    let (tx, rx) = mpsc::channel();
    let options = ConnectOptions::new().event_callback(move |event| {
        if matches!(event, ClientEvent::Reconnected { .. }) {
            let _ = tx.send(std::thread::current().name().map(str::to_string));
        }
    });
    let client = natrs_async_std::connect_with_runtime(runtime, url, options)
        .await
        .unwrap();
    client.force_reconnect();
    let name = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("a Reconnected event");
    (client, name)
}

/// Answers each request that reaches `sub` with its payload.
async fn echo(mut sub: Subscriber, client: Client) {
    while let Some(msg) = sub.next().await {
        if let Some(reply) = msg.reply {
            let _ = client.publish(reply.as_str(), msg.payload).await;
        }
    }
}

/// Twenty requests to `subject`, each answered with its payload.
async fn round_trips(client: &Client, subject: &str) {
    client.flush().await.unwrap();
    for i in 0..20 {
        let reply = within(
            "a reply",
            client.request(subject.to_string(), i.to_string()),
        )
        .await
        .unwrap();
        assert_eq!(reply.payload, i.to_string());
    }
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
fn by_default_the_driver_is_a_task_on_async_std() {
    let server = server();
    async_std::task::block_on(async {
        let runtime = AsyncIoRuntime::new();
        assert!(!runtime.uses_driver_threads());
        let (client, thread) = connect_noting_the_driver_thread(runtime, server.url()).await;
        // async-std runs its tasks on async-global-executor, whose threads
        // are named by whoever starts it first in this process: async-std
        // ("async-std/runtime") or a test before this one that spawned on
        // it directly ("async-global-executor-N"). Either way the driver is
        // a task there, not a thread of its own.
        let name = thread.expect("the driver's thread has a name");
        assert!(
            name == "async-std/runtime" || name.starts_with("async-global-executor"),
            "driver ran on {name:?}"
        );
        let sub = client.subscribe("on.async-std.echo").await.unwrap();
        async_std::task::spawn(echo(sub, client.clone()));
        round_trips(&client, "on.async-std.echo").await;
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
fn driver_threads() {
    let server = server();
    smol::block_on(async {
        let runtime = AsyncIoRuntime::driver_threads();
        assert!(runtime.uses_driver_threads());
        let (client, thread) = connect_noting_the_driver_thread(runtime, server.url()).await;
        assert_eq!(thread.as_deref(), Some(DRIVER_THREAD_NAME));
        let sub = client.subscribe("on.thread").await.unwrap();
        smol::spawn(echo(sub, client.clone())).detach();
        round_trips(&client, "on.thread").await;
        within("drain", client.drain()).await.unwrap();
    });
}

#[test]
fn driver_on_the_smol_executor() {
    let server = server();
    smol::block_on(async {
        let runtime = AsyncIoRuntime::with_spawner(|driver| smol::spawn(driver).detach());
        assert!(!runtime.uses_driver_threads());
        let (client, thread) = connect_noting_the_driver_thread(runtime, server.url()).await;
        assert_ne!(thread.as_deref(), Some("async-std/runtime"));
        assert_ne!(thread.as_deref(), Some(DRIVER_THREAD_NAME));
        let sub = client.subscribe("smol.echo").await.unwrap();
        smol::spawn(echo(sub, client.clone())).detach();
        round_trips(&client, "smol.echo").await;
        within("drain", client.drain()).await.unwrap();
    });
}
