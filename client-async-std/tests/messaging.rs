//! Publishing, subscribing and requests against a real nats-server, on the
//! async-std executor.

mod common;

use common::{next_msg, server, within};
use futures_lite::StreamExt;
use natrs_async_std::{
    ConnectOptions, ConnectionState, DRIVER_THREAD_NAME, FlushError, HeaderMap, Request,
    RequestError,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn connects_and_runs_the_driver_on_its_thread() {
    let server = server();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let options = ConnectOptions::new().event_callback(move |event| {
        let thread = std::thread::current().name().map(str::to_owned);
        record.lock().unwrap().push((format!("{event:?}"), thread));
    });
    async_std::task::block_on(async {
        let client = natrs_async_std::connect_with_options(server.url(), options)
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
    let seen = seen.lock().unwrap();
    let (event, thread) = seen
        .iter()
        .find(|(e, _)| e.starts_with("Connected"))
        .expect("a Connected event");
    assert_eq!(
        thread.as_deref(),
        Some(DRIVER_THREAD_NAME),
        "{event} was emitted off the driver thread"
    );
}

#[test]
fn publishes_and_receives_in_order() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let mut sub = client.subscribe("orders.*").await.unwrap();
        let mut exact = client.subscribe("orders.eu").await.unwrap();
        client.flush().await.unwrap();
        for i in 0..200u32 {
            let region = if i % 2 == 0 { "eu" } else { "us" };
            client
                .publish(format!("orders.{region}"), i.to_string())
                .await
                .unwrap();
        }
        for i in 0..200u32 {
            let msg = next_msg(&mut sub).await;
            assert_eq!(msg.payload, i.to_string());
            let region = if i % 2 == 0 { "eu" } else { "us" };
            assert_eq!(msg.subject.as_str(), format!("orders.{region}"));
        }
        for i in (0..200u32).step_by(2) {
            assert_eq!(next_msg(&mut exact).await.payload, i.to_string());
        }
        assert_eq!(client.statistics().out_msgs, 200);
    });
}

#[test]
fn large_payloads_arrive_whole() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let max = client.max_payload().expect("max_payload from INFO");
        let mut sub = client.subscribe("big").await.unwrap();
        client.flush().await.unwrap();
        let payload: Vec<u8> = (0..max).map(|i| (i % 251) as u8).collect();
        for _ in 0..3 {
            client.publish("big", payload.clone()).await.unwrap();
        }
        for _ in 0..3 {
            assert_eq!(next_msg(&mut sub).await.payload, payload);
        }
    });
}

#[test]
fn queue_groups_split_messages() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let a = client.queue_subscribe("jobs", "workers").await.unwrap();
        let b = client.queue_subscribe("jobs", "workers").await.unwrap();
        let all = client.subscribe("jobs").await.unwrap();
        client.flush().await.unwrap();
        for i in 0..100 {
            client.publish("jobs", format!("job {i}")).await.unwrap();
        }
        // The server delivers to this connection before it answers the flush.
        client.flush().await.unwrap();
        let count = |sub: &natrs_async_std::Subscriber| {
            let mut n = 0;
            while sub.try_next().is_some() {
                n += 1;
            }
            n
        };
        let (in_a, in_b) = (count(&a), count(&b));
        assert_eq!(in_a + in_b, 100, "each job goes to one worker");
        assert_eq!(count(&all), 100, "a plain subscriber sees every job");
    });
}

#[test]
fn headers_round_trip() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let mut sub = client.subscribe("with.headers").await.unwrap();
        client.flush().await.unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("Trace-Id", "abc-123");
        headers.append("Tag", "one");
        headers.append("Tag", "two");
        client
            .publish_with_headers("with.headers", headers, "body")
            .await
            .unwrap();
        let msg = next_msg(&mut sub).await;
        assert_eq!(msg.payload, "body");
        let got = msg.headers.expect("headers");
        assert_eq!(got.get("Trace-Id"), Some("abc-123"));
        assert_eq!(got.get_all("Tag").collect::<Vec<_>>(), ["one", "two"]);
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

#[test]
fn requests_fail_fast_without_responders_and_time_out() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let r = within("no responders", client.request("nobody.home", "?")).await;
        assert_eq!(r.unwrap_err(), RequestError::NoResponders);

        // A subscriber that never answers: the request times out.
        let _silent = client.subscribe("silent").await.unwrap();
        client.flush().await.unwrap();
        let timeout = Duration::from_millis(100);
        let r = within(
            "a request timeout",
            client.send_request("silent", Request::new("?").timeout(timeout)),
        )
        .await;
        assert_eq!(r.unwrap_err(), RequestError::TimedOut(timeout));
    });
}

#[test]
fn flush_reports_a_round_trip_and_fails_once_closed() {
    let server = server();
    async_std::task::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        for i in 0..1000 {
            client.publish("flushed", i.to_string()).await.unwrap();
        }
        let rtt = within("flush", client.rtt()).await.expect("rtt");
        assert!(rtt > Duration::ZERO);
        client.close().await;
        assert_eq!(client.flush().await, Err(FlushError::Closed));
    });
}
