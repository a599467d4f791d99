//! Self-tests of the harness against a real nats-server.

use std::time::Duration;

use natrs_tests::binary::{BinarySource, CACHE_DIR_ENV, NATS_SERVER_BIN_ENV};
use natrs_tests::tls::{ClientCert, Trust};
use natrs_tests::{
    BinaryLookup, Cluster, HarnessError, LeafNode, NATS_SERVER_VERSION, NkeyUser, Operator,
    RawClient, Server, ServerConfig, Supercluster, TlsMaterial, TlsOptions, UrlAuth,
    located_server, wait_for,
};
use serde_json::json;

const LONG: Duration = Duration::from_secs(20);

fn connected(server: &Server) -> RawClient {
    let mut client = server.raw_client().expect("connect");
    client.handshake().expect("handshake");
    client
}

#[test]
fn binary_is_found_and_versioned() {
    let found = located_server().expect("a nats-server binary");
    assert!(found.path.is_file(), "{}", found.path.display());
    assert!(found.version >= natrs_tests::binary::MIN_SERVER_VERSION);
    assert_eq!(natrs_tests::server_version().unwrap(), found.version);
}

#[test]
fn restart_keeps_port_and_jetstream_data() {
    let server = Server::start().unwrap();
    let port = server.port();
    let first_pid = server.pid().unwrap();
    assert!(server.url().starts_with("nats://127.0.0.1:"));

    let mut client = connected(&server);
    assert_eq!(client.info()["jetstream"], true);
    let created = client
        .request_json(
            "$JS.API.STREAM.CREATE.KEEP",
            &json!({"name": "KEEP", "subjects": ["keep.>"], "storage": "file"}),
        )
        .unwrap();
    assert!(created.get("error").is_none(), "{created}");
    let ack: serde_json::Value =
        serde_json::from_slice(&client.request("keep.one", b"hello").unwrap().payload).unwrap();
    assert_eq!(ack["stream"], "KEEP", "{ack}");
    client.close();

    server.restart().unwrap();
    assert_eq!(server.port(), port);
    assert_ne!(server.pid().unwrap(), first_pid);
    let mut client = connected(&server);
    let info = client
        .request_json("$JS.API.STREAM.INFO.KEEP", &json!({}))
        .unwrap();
    assert_eq!(info["config"]["name"], "KEEP", "{info}");
    assert_eq!(info["state"]["messages"], 1, "{info}");
    client.close();

    // stop, then restart from stopped; kill, then restart from killed.
    server.stop().unwrap();
    assert!(!server.is_running());
    assert_eq!(server.pid(), None);
    assert!(
        server.raw_client().is_err(),
        "nothing listens while stopped"
    );
    server.restart().unwrap();
    server.kill().unwrap();
    assert!(!server.is_running());
    server.restart().unwrap();
    let mut client = connected(&server);
    let info = client
        .request_json("$JS.API.STREAM.INFO.KEEP", &json!({}))
        .unwrap();
    assert_eq!(info["state"]["messages"], 1, "{info}");
}

#[test]
fn drop_stops_the_process_and_removes_the_dir() {
    let server = Server::builder().jetstream(false).start().unwrap();
    let pid = server.pid().unwrap();
    let dir = server.dir().to_path_buf();
    assert!(dir.join("server.log").is_file());
    drop(server);
    assert!(!dir.exists());
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "pid {pid} still exists"
    );
}

#[test]
fn pause_stops_pongs_until_resume() {
    let server = Server::builder().jetstream(false).start().unwrap();
    let mut client = connected(&server);
    server.pause().unwrap();
    assert!(server.is_running(), "a paused server still runs");
    client.set_timeout(Duration::from_millis(300));
    client.send_line("PING").unwrap();
    // (Since 2.12 an extra INFO follows the first PONG; read_until skips it.)
    match client.read_until(|l| l == "PONG") {
        Err(HarnessError::Timeout { .. }) => {}
        other => panic!("expected no PONG while paused, got {other:?}"),
    }
    server.resume().unwrap();
    client.set_timeout(LONG);
    assert_eq!(client.expect_prefix("PONG").unwrap(), "PONG");
    client.ping().unwrap();
}

#[test]
fn lame_duck_mode_announces_ldm_and_refuses_clients() {
    // 30 s is the shortest lame duck duration nats-server accepts; the test does not wait
    // for it: dropping the server ends it with SIGTERM.
    let server = ServerConfig::new()
        .jetstream(false)
        .config("lame_duck_grace_period: 2s\nlame_duck_duration: 30s")
        .start()
        .unwrap();
    let mut client = connected(&server);
    assert!(client.info().get("ldm").is_none());
    server.lame_duck().unwrap();
    client.set_timeout(LONG);
    let line = client
        .read_until(|l| l.starts_with("INFO ") && l.contains("\"ldm\":true"))
        .unwrap();
    assert!(line.contains("\"ldm\":true"));
    assert_eq!(client.info()["ldm"], true);
    client.ping().unwrap();
    wait_for("the lame duck server to refuse new clients", LONG, || {
        server.raw_client().is_err()
    });
    assert!(server.is_running(), "it runs on through the grace period");
}

#[test]
fn monitoring_and_start_errors() {
    let server = Server::builder()
        .jetstream(false)
        .monitoring(true)
        .server_name("mon")
        .start()
        .unwrap();
    let varz = server.monitor_json("/varz").unwrap();
    assert_eq!(varz["server_name"], "mon");
    assert_eq!(varz["port"], server.port());
    assert!(
        server
            .monitoring_url()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );

    let plain = Server::builder().jetstream(false).start().unwrap();
    assert!(matches!(
        plain.monitor_json("/varz"),
        Err(HarnessError::Usage(_))
    ));

    let err = ServerConfig::new()
        .config("this is { not a valid config")
        .start()
        .unwrap_err();
    match err {
        HarnessError::Start { reason, log_tail } => {
            assert!(reason.contains("exited"), "{reason}");
            assert!(
                !log_tail.trim().is_empty(),
                "the error carries the log tail"
            );
        }
        other => panic!("expected a start error, got {other}"),
    }
}

#[test]
fn config_limits_and_token_auth() {
    let server = ServerConfig::new()
        .jetstream(false)
        .config("max_payload: 512\nauthorization { token: \"s3cr@t\" }")
        .start()
        .unwrap();
    assert_eq!(
        server.client_url_with(UrlAuth::Token("s3cr@t")),
        format!("nats://s3cr%40t@127.0.0.1:{}", server.port())
    );
    let mut client = server.raw_client().unwrap();
    assert_eq!(client.info()["max_payload"], 512);
    assert_eq!(client.info()["auth_required"], true);
    let mut connect = natrs_tests::raw_client::default_connect();
    connect["auth_token"] = json!("s3cr@t");
    client.connect_with(&connect).unwrap();

    let mut wrong = server.raw_client().unwrap();
    connect["auth_token"] = json!("nope");
    let err = wrong.connect_with(&connect).unwrap_err().to_string();
    assert!(err.contains("Authorization Violation"), "{err}");
}

#[test]
fn system_account_sees_connects_of_the_app_account() {
    let server = ServerConfig::new().system_account().start().unwrap();
    assert!(server.system_url().starts_with("nats://sys:sys@127.0.0.1:"));
    let mut system = server.raw_client().unwrap();
    let mut connect = natrs_tests::raw_client::default_connect();
    connect["user"] = json!(natrs_tests::SYSTEM_USER.0);
    connect["pass"] = json!(natrs_tests::SYSTEM_USER.1);
    system.connect_with(&connect).unwrap();
    system.send_line("SUB $SYS.ACCOUNT.APP.CONNECT 1").unwrap();
    system.ping().unwrap();
    // A client without credentials is the app account's user, with JetStream.
    let mut app = connected(&server);
    let info = app.request_json("$JS.API.INFO", &json!({})).unwrap();
    assert!(info["error"].is_null(), "{info}");
    let event = system.read_msg().unwrap();
    let body: serde_json::Value = serde_json::from_slice(&event.payload).unwrap();
    assert_eq!(body["client"]["acc"], "APP");
    assert_eq!(body["client"]["user"], natrs_tests::APP_USER.0);
}

#[test]
fn cluster_forms_and_nodes_restart() {
    let cluster = Cluster::start(3).unwrap();
    assert_eq!(cluster.len(), 3);
    let addrs: Vec<String> = cluster
        .nodes()
        .iter()
        .map(|n| n.addr().to_string())
        .collect();
    for node in cluster.nodes() {
        let client = node.raw_client().unwrap();
        let urls = client.info()["connect_urls"].clone();
        for addr in &addrs {
            assert!(
                urls.as_array().unwrap().iter().any(|u| u == addr.as_str()),
                "{} does not list {addr}: {urls}",
                node.server_name().unwrap()
            );
        }
        assert_eq!(client.info()["cluster"], cluster.name());
    }
    assert!(cluster.meta_leader().unwrap().is_some());
    assert_eq!(cluster.urls().len(), 3);

    // A replicated stream survives a node restart.
    let mut client = connected(cluster.node(0));
    let created = client
        .request_json(
            "$JS.API.STREAM.CREATE.R3",
            &json!({"name": "R3", "subjects": ["r3.>"], "num_replicas": 3}),
        )
        .unwrap();
    assert!(created.get("error").is_none(), "{created}");
    client.close();

    let node = cluster.node(1);
    let port = node.port();
    let cluster_port = node.cluster_port();
    node.restart().unwrap();
    assert_eq!(node.port(), port);
    assert_eq!(node.cluster_port(), cluster_port);
    cluster.wait_formed().unwrap();

    let mut client = connected(cluster.node(1));
    let info = client
        .request_json("$JS.API.STREAM.INFO.R3", &json!({}))
        .unwrap();
    assert_eq!(info["config"]["num_replicas"], 3, "{info}");

    // With one node stopped the other two still form a cluster.
    cluster.node(2).stop().unwrap();
    cluster.wait_formed().unwrap();
}

#[test]
fn supercluster_places_streams_by_cluster_tag() {
    let sc = Supercluster::start(&[2, 1]).unwrap();
    assert_eq!(sc.clusters().len(), 2);
    assert_eq!(sc.urls().len(), 3);
    assert_eq!(sc.cluster(0).name(), "c1");
    let node = sc.node_named("c2-n1").expect("c2-n1");
    assert!(node.gateway_port().is_some());
    let gatewayz = node.monitor_json("/gatewayz").unwrap();
    assert_eq!(gatewayz["name"], "c2", "{gatewayz}");
    // The JetStream API of the whole supercluster answers anywhere; placement by tag
    // puts the replicas into the tagged cluster.
    let mut client = connected(node);
    let created = client
        .request_json(
            "$JS.API.STREAM.CREATE.IN_C1",
            &json!({"name": "IN_C1", "subjects": ["c1.>"], "num_replicas": 2,
                    "placement": {"tags": ["cluster:c1"]}}),
        )
        .unwrap();
    assert_eq!(created["cluster"]["name"], "c1", "{created}");
    // A node restarts on its gateway port and rejoins.
    let c1 = sc.cluster(0).node(1);
    let gateway_port = c1.gateway_port();
    c1.restart().unwrap();
    assert_eq!(c1.gateway_port(), gateway_port);
    sc.wait_formed().unwrap();
}

#[test]
fn leaf_node_links_two_jetstream_domains() {
    let pair = LeafNode::start().unwrap();
    assert_eq!(pair.hub_domain(), Some("hub"));
    assert_eq!(pair.leaf_domain(), Some("leaf"));
    assert!(pair.hub().leafnode_port().is_some());
    // Each domain's API answers from the other server.
    let mut client = connected(pair.hub());
    let info = client
        .request_json("$JS.leaf.API.INFO", &json!({}))
        .unwrap();
    assert_eq!(info["domain"], "leaf", "{info}");
    let mut client = connected(pair.leaf());
    let info = client.request_json("$JS.hub.API.INFO", &json!({})).unwrap();
    assert_eq!(info["domain"], "hub", "{info}");
    // The hub restarts on its leaf node port and the leaf links again.
    pair.hub().restart().unwrap();
    pair.wait_linked().unwrap();
}

fn tls_server(tls: &TlsMaterial, options: TlsOptions) -> Server {
    ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(options))
        .start()
        .unwrap()
}

#[test]
fn tls_handshake_with_generated_ca() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());

    for name in ["localhost", "127.0.0.1"] {
        let mut client = server.raw_client().unwrap();
        assert_eq!(client.info()["tls_required"], true);
        client
            .start_tls(
                tls.client_config(Trust::Ca, ClientCert::None).unwrap(),
                name,
            )
            .unwrap();
        assert!(client.is_tls());
        client.handshake().unwrap();
    }

    let mut client = server.raw_client().unwrap();
    let err = client
        .start_tls(
            tls.client_config(Trust::OtherCa, ClientCert::None).unwrap(),
            "localhost",
        )
        .unwrap_err();
    assert!(
        matches!(err, HarnessError::Tls(rustls::Error::InvalidCertificate(_))),
        "{err:?}"
    );

    let wrong = tls_server(&tls, TlsOptions::new().wrong_name(true));
    let mut client = wrong.raw_client().unwrap();
    let err = client
        .start_tls(
            tls.client_config(Trust::Ca, ClientCert::None).unwrap(),
            "localhost",
        )
        .unwrap_err();
    assert!(
        matches!(err, HarnessError::Tls(rustls::Error::InvalidCertificate(_))),
        "{err:?}"
    );
}

#[test]
fn mutual_tls_and_handshake_first() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true));

    let mut client = server.raw_client().unwrap();
    assert_eq!(client.info()["tls_verify"], true);
    client
        .start_tls(
            tls.client_config(Trust::Ca, ClientCert::Trusted).unwrap(),
            "localhost",
        )
        .unwrap();
    client.handshake().unwrap();

    let reasons = [
        (ClientCert::None, "client didn't provide a certificate"),
        (
            ClientCert::Untrusted,
            "certificate signed by unknown authority",
        ),
    ];
    for (cert, reason) in reasons {
        let mut client = server.raw_client().unwrap();
        let config = tls.client_config(Trust::Ca, cert).unwrap();
        // TLS 1.3: the server's verdict on the client certificate comes after the
        // client's side of the handshake, so it may surface on the first read.
        let refused = client
            .start_tls(config, "localhost")
            .and_then(|()| client.handshake());
        match refused {
            Ok(()) => panic!("{cert:?} was accepted"),
            Err(HarnessError::Timeout { .. }) => panic!("{cert:?}: no verdict from the server"),
            Err(_) => {}
        }
        wait_for(&format!("the server to log {reason:?}"), LONG, || {
            server.log_tail(20).contains(reason)
        });
    }

    let first = tls_server(&tls, TlsOptions::new().handshake_first(true));
    let mut client = RawClient::connect_tls_first(
        first.addr(),
        tls.client_config(Trust::Ca, ClientCert::None).unwrap(),
        "localhost",
    )
    .unwrap();
    assert_eq!(client.info()["tls_required"], true);
    client.handshake().unwrap();
}

#[test]
fn jwt_operator_mode_auth() {
    let operator = Operator::new("natrs-test-operator").unwrap();
    let account = operator.account("APP").unwrap();
    let server = ServerConfig::new()
        .config(operator.server_config(&[&account]))
        .start()
        .unwrap();

    let alice = account.user("alice").allow_pub("ok.>").build().unwrap();
    let mut client = server.raw_client().unwrap();
    let nonce = client
        .nonce()
        .expect("operator mode sends a nonce")
        .to_owned();
    client
        .connect_with(&alice.connect_json(&nonce).unwrap())
        .unwrap();
    client.send_line("PUB ok.1 2").unwrap();
    client.send_line("hi").unwrap();
    client.ping().unwrap();
    client.send_line("PUB denied 2").unwrap();
    client.send_line("hi").unwrap();
    let err = client.read_until(|l| l.starts_with("-ERR")).unwrap();
    assert!(
        err.contains("Permissions Violation for Publish to \"denied\""),
        "{err}"
    );

    // JetStream is enabled for the account.
    let mut js = server.raw_client().unwrap();
    let nonce = js.nonce().unwrap().to_owned();
    let bob = account.user("bob").build().unwrap();
    js.connect_with(&bob.connect_json(&nonce).unwrap()).unwrap();
    let info = js.request_json("$JS.API.INFO", &json!({})).unwrap();
    assert!(info.get("error").is_none(), "{info}");

    // A wrong signature is refused.
    let mut forged = server.raw_client().unwrap();
    let mut connect = bob.connect_json("not-the-nonce").unwrap();
    connect["jwt"] = json!(alice.jwt());
    let err = forged.connect_with(&connect).unwrap_err().to_string();
    assert!(err.contains("Authorization Violation"), "{err}");

    // An expired user JWT is refused.
    let expired = account.user("old").expired().build().unwrap();
    let mut late = server.raw_client().unwrap();
    let nonce = late.nonce().unwrap().to_owned();
    let err = late
        .connect_with(&expired.connect_json(&nonce).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Authorization Violation") || err.contains("User Authentication Expired"),
        "{err}"
    );

    // A bearer token needs no signature.
    let bearer = account.user("bearer").bearer(true).build().unwrap();
    let mut client = server.raw_client().unwrap();
    let mut connect = natrs_tests::raw_client::default_connect();
    connect["jwt"] = json!(bearer.jwt());
    client.connect_with(&connect).unwrap();

    // The creds text carries the same JWT and seed.
    let creds = alice.creds().unwrap();
    assert!(creds.contains(alice.jwt()) && creds.contains(&alice.seed().unwrap()));
}

#[test]
fn plain_nkey_users() {
    let allowed = NkeyUser::new();
    let stranger = NkeyUser::new();
    let server = ServerConfig::new()
        .jetstream(false)
        .config(NkeyUser::server_config(&[&allowed]))
        .start()
        .unwrap();

    let mut client = server.raw_client().unwrap();
    let nonce = client.nonce().expect("nkey auth sends a nonce").to_owned();
    client
        .connect_with(&allowed.connect_json(&nonce).unwrap())
        .unwrap();

    let mut other = server.raw_client().unwrap();
    let nonce = other.nonce().unwrap().to_owned();
    let err = other
        .connect_with(&stranger.connect_json(&nonce).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("Authorization Violation"), "{err}");
}

#[test]
fn fresh_install_into_an_empty_cache() {
    let cache = tempfile::tempdir().unwrap();
    let cache_root = cache.path().to_owned();
    let lookup = move || {
        let root = cache_root.clone();
        BinaryLookup::from_vars(move |name| match name {
            CACHE_DIR_ENV => Some(root.clone().into_os_string()),
            // No PATH and no NATS_SERVER_BIN: the cache is the only way.
            NATS_SERVER_BIN_ENV | "PATH" => None,
            _ => None,
        })
    };
    // Two concurrent lookups: the file lock makes one install and the other reuse it.
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let lookup = lookup();
            std::thread::spawn(move || lookup.find())
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut found = Vec::new();
    for result in results {
        match result {
            Ok(binary) => found.push(binary),
            Err(e) if e.is_install_without_network() => {
                eprintln!("skipping fresh_install_into_an_empty_cache: pip has no network: {e}");
                return;
            }
            Err(e) => panic!("install failed: {e}"),
        }
    }
    let mut sources: Vec<BinarySource> = found.iter().map(|b| b.source).collect();
    sources.sort_by_key(|s| *s == BinarySource::Cache);
    assert_eq!(sources, [BinarySource::Installed, BinarySource::Cache]);
    let expected = cache
        .path()
        .join(NATS_SERVER_VERSION)
        .join("bin")
        .join("nats-server");
    for binary in &found {
        assert_eq!(binary.path, expected);
        assert_eq!(binary.version.to_string(), NATS_SERVER_VERSION);
    }
    assert!(
        !cache
            .path()
            .join(format!("{NATS_SERVER_VERSION}.partial"))
            .exists()
    );
    assert_eq!(lookup().find().unwrap().source, BinarySource::Cache);
}

#[test]
fn config_file_limits_apply() {
    let server = ServerConfig::new()
        .jetstream(false)
        .monitoring(true)
        .config(
            "max_connections: 1\nping_interval: \"250ms\"\nping_max: 3\n\
             write_deadline: \"3s\"\nmax_pending: 10MB\nmax_control_line: 1024",
        )
        .start()
        .unwrap();
    let varz = server.monitor_json("/varz").unwrap();
    assert_eq!(varz["max_connections"], 1, "{varz}");
    assert_eq!(varz["max_pending"], 10 * 1024 * 1024, "{varz}");
    assert_eq!(varz["max_control_line"], 1024, "{varz}");
    assert_eq!(varz["ping_max"], 3, "{varz}");

    // The readiness probe's connection counts until the server has noticed it closed.
    wait_for("the probe connection to go away", LONG, || {
        server.monitor_json("/varz").unwrap()["connections"] == 0
    });
    let mut first = connected(&server);
    first.set_timeout(LONG);
    // The server pings an idle client every ping_interval.
    first.read_until(|l| l == "PING").unwrap();
    first.send_line("PONG").unwrap();

    let mut second = server.raw_client().unwrap();
    let err = second.read_until(|l| l.starts_with("-ERR")).unwrap();
    assert!(err.contains("maximum connections exceeded"), "{err}");
}
