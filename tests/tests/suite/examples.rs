//! The `natrs-tokio` examples run against harness servers: each example is
//! included as a module (its `main` unused) and its `run` function called,
//! which is much faster than `cargo run --example` from a test.

use crate::support::{WAIT, server};
use crate::tokio_only::{runtime, within};
use natrs_tests::wait::wait_for;
use natrs_tests::{NkeyUser, Operator, ServerConfig, TlsMaterial, TlsOptions};
use natrs_tokio::{ClientEvent, ConnectionState, SubscriptionEnd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[allow(dead_code)]
#[path = "../../../client-tokio/examples/auth_callback.rs"]
mod auth_callback;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/auth_token_userpass.rs"]
mod auth_token_userpass;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/connect_options.rs"]
mod connect_options;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/connection_info.rs"]
mod connection_info;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/creds.rs"]
mod creds;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/drain.rs"]
mod drain;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/events.rs"]
mod events;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/headers.rs"]
mod headers;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/jwt_callback.rs"]
mod jwt_callback;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/mtls.rs"]
mod mtls;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/nkey.rs"]
mod nkey;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/pubsub.rs"]
mod pubsub;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/queue_groups.rs"]
mod queue_groups;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/reconnect_buffer.rs"]
mod reconnect_buffer;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/reconnect_policy.rs"]
mod reconnect_policy;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/request_many.rs"]
mod request_many;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/request_reply.rs"]
mod request_reply;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/slow_consumer.rs"]
mod slow_consumer;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/tls.rs"]
mod tls;
#[allow(dead_code)]
#[path = "../../../client-tokio/examples/tls_first.rs"]
mod tls_first;

#[test]
fn messaging_examples() {
    let server = server();
    let url = server.url();
    let rt = runtime();
    within(&rt, async {
        assert_eq!(
            pubsub::run(&url).await.unwrap(),
            [
                "greet.joe: hello joe",
                "greet.ann: hello ann",
                "greet.bob: hello bob"
            ]
        );
        let counts = queue_groups::run(&url, 3, 30).await.unwrap();
        assert_eq!(counts.iter().sum::<usize>(), 30, "{counts:?}");
        assert_eq!(
            headers::run(&url).await.unwrap(),
            (
                "4bf92f35".to_string(),
                vec!["priority".into(), "gift".into()]
            )
        );
        assert_eq!(
            request_reply::run(&url).await.unwrap(),
            ["HELLO", "WITH HEADERS", "no responders"]
        );
        assert_eq!(
            request_many::run(&url, 3).await.unwrap(),
            ["instance 0 here", "instance 1 here", "instance 2 here"]
        );
        assert_eq!(drain::run(&url, 500).await.unwrap(), 500);
        let price = json::run(&url).await.unwrap();
        assert_eq!(
            price,
            json::Price {
                symbol: "NATS".into(),
                total_cents: 3 * 1999
            }
        );
        let seen = events::run(&url).await.unwrap();
        assert!(
            matches!(seen.first(), Some(ClientEvent::Disconnected { .. })),
            "{seen:?}"
        );
        assert!(
            matches!(seen.last(), Some(ClientEvent::Closed { .. })),
            "{seen:?}"
        );
        let report = reconnect_buffer::run(&url, 5, Duration::from_millis(1))
            .await
            .unwrap();
        assert_eq!((report.accepted, report.refused), (5, 0));

        let info = connection_info::run(&url).await.unwrap();
        assert_eq!(info.state, ConnectionState::Connected);
        assert_eq!(info.server, format!("nats://{}", server.addr()));
        assert_eq!(info.pool, std::slice::from_ref(&info.server));
        assert!(!info.version.is_empty());
        assert_eq!(info.max_payload, 1024 * 1024);
        assert!(info.rtt_us > 0);
        assert_eq!(info.received, 3);
        assert_eq!(info.ended, Some(SubscriptionEnd::MaxMessages));
        assert_eq!((info.stats.out_msgs, info.stats.in_msgs), (5, 3));
        assert_eq!(info.stats.connects, 1);

        let slow = slow_consumer::run(&url, 100, 1_000).await.unwrap();
        assert_eq!((slow.read, slow.dropped), (100, 900), "{slow:?}");
        assert!((1..=900).contains(&slow.reported), "{slow:?}");

        let options = connect_options::run(&url).await.unwrap();
        assert_eq!(options.heard, "from another client");
        assert!(
            options.reply_to.starts_with("_ORDERS_INBOX."),
            "{}",
            options.reply_to
        );
        assert_eq!(options.answer, "shipped");
    });
}

/// The client connects before the server is up: it fails at least once,
/// then the server starts and what it did meanwhile takes effect.
#[test]
fn reconnect_policy_example() {
    assert_eq!(reconnect_policy::backoff(1), Duration::from_millis(50));
    assert_eq!(reconnect_policy::backoff(3), Duration::from_millis(200));
    assert_eq!(reconnect_policy::backoff(40), Duration::from_secs(2));
    let server = server();
    server.stop().unwrap();
    let rt = runtime();
    let failed = Arc::new(AtomicU32::new(0));
    let task = rt.spawn({
        let url = server.url();
        let failed = failed.clone();
        async move {
            reconnect_policy::run(&url, failed)
                .await
                .map_err(|e| e.to_string())
        }
    });
    wait_for("a failed pass over the pool", WAIT, || {
        failed.load(Ordering::SeqCst) >= 1
    });
    server.restart().unwrap();
    let greeting = within(&rt, task).unwrap().unwrap();
    assert_eq!(greeting, "hello once connected");
}

#[test]
fn auth_examples() {
    use auth_token_userpass::Secret;
    let rt = runtime();
    let token = ServerConfig::new()
        .jetstream(false)
        .config("authorization { token: s3cret }")
        .start()
        .unwrap();
    let users = ServerConfig::new()
        .jetstream(false)
        .config("authorization { user: alice, password: wonderland }")
        .start()
        .unwrap();
    let rotated = ServerConfig::new()
        .jetstream(false)
        .config(
            "authorization { users = [ \
             { user: app, password: first }, { user: app2, password: second } ] }",
        )
        .start()
        .unwrap();
    let user = NkeyUser::new();
    let nkeys = ServerConfig::new()
        .jetstream(false)
        .config(NkeyUser::server_config(&[&user]))
        .start()
        .unwrap();
    let operator = Operator::new("examples").unwrap();
    let account = operator.account_without_jetstream("APP").unwrap();
    let jwt = ServerConfig::new()
        .jetstream(false)
        .config(operator.server_config(&[&account]))
        .start()
        .unwrap();
    let alice = account.user("alice").build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let creds_path = alice.write_creds_file(dir.path()).unwrap();
    within(&rt, async {
        auth_token_userpass::run(&token.url(), Secret::Token("s3cret".into()))
            .await
            .unwrap();
        auth_token_userpass::run(
            &token.client_url_with(natrs_tests::UrlAuth::Token("s3cret")),
            Secret::InUrl,
        )
        .await
        .unwrap();
        auth_token_userpass::run(
            &users.url(),
            Secret::UserPassword("alice".into(), "wonderland".into()),
        )
        .await
        .unwrap();
        assert!(
            auth_token_userpass::run(&users.url(), Secret::InUrl)
                .await
                .is_err()
        );
        let id = nkey::run(&nkeys.url(), &user.seed().unwrap())
            .await
            .unwrap();
        assert!(id.starts_with('N'), "{id}");
        assert_eq!(
            creds::run(&jwt.url(), &creds_path).await.unwrap(),
            "hello from a JWT user"
        );
        let bob = account.user("bob").build().unwrap();
        assert_eq!(
            jwt_callback::run(&jwt.url(), bob.jwt(), &bob.seed().unwrap())
                .await
                .unwrap(),
            2,
            "one signature per handshake"
        );
        let store = Arc::new(Mutex::new(("app".to_string(), "first".to_string())));
        assert_eq!(
            auth_callback::run(&rotated.url(), store.clone(), Some(("app2", "second")))
                .await
                .unwrap(),
            2
        );
        assert_eq!(store.lock().unwrap().0, "app2");
        let wrong = Arc::new(Mutex::new(("app".to_string(), "second".to_string())));
        assert!(
            auth_callback::run(&rotated.url(), wrong, None)
                .await
                .is_err()
        );
    });
}

#[test]
fn tls_examples() {
    let tls = TlsMaterial::generate().unwrap();
    let plain_tls = ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(TlsOptions::new()))
        .start()
        .unwrap();
    let mutual = ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(TlsOptions::new().verify(true)))
        .start()
        .unwrap();
    let first = ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(TlsOptions::new().handshake_first(true)))
        .start()
        .unwrap();
    let rt = runtime();
    let client = tls.client();
    within(&rt, async {
        let version = tls::run(&plain_tls.tls_url(), Some(tls.ca_cert_path()))
            .await
            .unwrap();
        assert!(!version.is_empty());
        assert!(
            tls::run(&plain_tls.tls_url(), None).await.is_err(),
            "unknown CA"
        );
        let verified = mtls::run(
            &mutual.tls_url(),
            tls.ca_cert_path(),
            client.cert_path(),
            client.key_path(),
        )
        .await
        .unwrap();
        assert!(verified);
        let id = tls_first::run(&first.tls_url(), Some(tls.ca_cert_path()))
            .await
            .unwrap();
        assert!(id.starts_with('N'), "{id}");
        let error = tls_first::run(&plain_tls.tls_url(), Some(tls.ca_cert_path()))
            .await
            .expect_err("the server sends its INFO before TLS");
        assert!(error.to_string().contains("handshake_first"), "{error}");
        let untrusted = tls.untrusted_client();
        assert!(
            mtls::run(
                &mutual.tls_url(),
                tls.ca_cert_path(),
                untrusted.cert_path(),
                untrusted.key_path()
            )
            .await
            .is_err()
        );
    });
}
