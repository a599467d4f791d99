//! The blocking client used from inside async runtimes' threads: it blocks
//! the thread it is called on, but needs nothing from the runtime and never
//! panics there.

mod common;

use common::{WAIT, connect};
use natrs_tests::Server;
use std::time::Duration;

fn round_trip(url: &str) {
    let c = connect(url);
    let responder = c.clone();
    let h = c
        .subscribe_with_handler("rt.svc", move |m| {
            responder
                .publish(m.reply.unwrap().as_str(), m.payload)
                .unwrap();
        })
        .unwrap();
    let sub = c.subscribe("rt.sub").unwrap();
    c.flush().unwrap();
    c.publish("rt.sub", "hello").unwrap();
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "hello");
    assert_eq!(c.request("rt.svc", "ping").unwrap().payload, "ping");
    assert!(sub.next_timeout(Duration::from_millis(10)).is_err());
    h.unsubscribe().unwrap();
    h.join().unwrap();
    c.drain().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_tokio_multi_thread_worker() {
    let server = Server::start().unwrap();
    round_trip(&server.url());
}

#[tokio::test(flavor = "current_thread")]
async fn on_a_tokio_current_thread_runtime() {
    let server = Server::start().unwrap();
    round_trip(&server.url());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_spawned_tokio_tasks() {
    let server = Server::start().unwrap();
    let url = server.url();
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                let c = connect(&url);
                let sub = c.subscribe(format!("task.{i}")).unwrap();
                c.publish(format!("task.{i}"), "x").unwrap();
                sub.next_timeout(WAIT).unwrap().unwrap().payload
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), "x");
    }
    // Dropping a client on a runtime thread is fine too.
    drop(connect(&url));
}

#[test]
fn inside_block_on_and_spawn_blocking() {
    let server = Server::start().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let url = server.url();
    rt.block_on(async {
        round_trip(&url);
        let url = url.clone();
        tokio::task::spawn_blocking(move || round_trip(&url))
            .await
            .unwrap();
    });
}
