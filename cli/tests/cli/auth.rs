//! The connection flags: NATS_URL, token, nkey, creds, TLS (CA, client
//! certificate, TLS first), and the JetStream domain.

use crate::support::Natrs;
use natrs_tests::tls::TlsOptions;
use natrs_tests::{LeafNode, NkeyUser, Operator, Server, ServerConfig, TlsMaterial};

#[test]
fn nats_url_is_the_default_server() {
    let server = Server::start().unwrap();
    let natrs = Natrs::without_server();
    let out = natrs
        .command(&["rtt", "--iterations", "1"])
        .env("NATS_URL", server.url())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&server.port().to_string()));
}

#[test]
fn token_nkey_and_creds() {
    let server = ServerConfig::new()
        .jetstream(false)
        .config("authorization { token: s3cret }")
        .start()
        .unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["--token", "s3cret", "pub", "a", "x"]);
    natrs.fails(
        &["--token", "nope", "pub", "a", "x"],
        "authorization violation",
    );

    let user = NkeyUser::new();
    let server = ServerConfig::new()
        .jetstream(false)
        .config(NkeyUser::server_config(&[&user]))
        .start()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("user.nk");
    std::fs::write(&seed, format!("{}\n", user.seed().unwrap())).unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["--nkey", seed.to_str().unwrap(), "pub", "a", "x"]);
    natrs.fails(&["pub", "a", "x"], "authorization violation");

    let operator = Operator::new("op").unwrap();
    let account = operator.account("APP").unwrap();
    let server = ServerConfig::new()
        .config(operator.server_config(&[&account]))
        .start()
        .unwrap();
    let creds = account
        .user("alice")
        .build()
        .unwrap()
        .write_creds_file(dir.path())
        .unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["--creds", creds.to_str().unwrap(), "pub", "a", "x"]);
}

#[test]
fn tls_with_ca_client_certificate_and_tls_first() {
    let tls = TlsMaterial::generate().unwrap();
    let ca = tls.ca_cert_path().to_str().unwrap().to_string();
    let cert = tls.client().cert_path().to_str().unwrap().to_string();
    let key = tls.client().key_path().to_str().unwrap().to_string();

    let mtls = ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(TlsOptions::new().verify(true)))
        .start()
        .unwrap();
    let natrs = Natrs::new(&mtls.url());
    natrs.ok(&[
        "--tlsca",
        &ca,
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
        "pub",
        "a",
        "x",
    ]);
    natrs.fails(&["--tlsca", &ca, "pub", "a", "x"], "cannot connect");
    natrs.fails(
        &["--tlscert", &cert, "pub", "a", "x"],
        "--tlscert and --tlskey go together",
    );

    let first = ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(TlsOptions::new().handshake_first(true)))
        .start()
        .unwrap();
    let natrs = Natrs::new(&first.url());
    natrs.ok(&["--tlsca", &ca, "--tlsfirst", "pub", "a", "x"]);
}

#[test]
fn js_domain_reaches_the_other_side_of_a_leaf_node() {
    let pair = LeafNode::start().unwrap();
    let natrs = Natrs::new(&pair.leaf().url());
    natrs.ok(&[
        "--js-domain",
        "hub",
        "stream",
        "add",
        "HUBSTREAM",
        "--subjects",
        "hub.x",
    ]);
    let names = natrs.json(&["--js-domain", "hub", "stream", "ls", "--names"]);
    assert_eq!(names[0], "HUBSTREAM");
    let local = natrs.json(&["stream", "ls", "--names"]);
    assert_eq!(local.as_array().unwrap().len(), 0, "{local}");
    let hub = Natrs::new(&pair.hub().url());
    assert_eq!(hub.json(&["stream", "ls", "--names"])[0], "HUBSTREAM");
    let prefixed = natrs.json(&["--js-api-prefix", "$JS.hub.API", "stream", "ls", "--names"]);
    assert_eq!(prefixed[0], "HUBSTREAM");
}

#[test]
fn inbox_prefix_is_where_replies_come() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut echo = natrs.spawn(&["reply", "svc", "--echo", "--count", "1"]);
    echo.wait_stderr("Listening on");
    let mut inbox = natrs.spawn(&["sub", "_MINE.>", "--count", "1", "--json"]);
    inbox.wait_stderr("Subscribing on _MINE.>");
    natrs.ok(&[
        "--inbox-prefix",
        "_MINE",
        "--timeout",
        "10s",
        "request",
        "svc",
        "hi",
    ]);
    let out = inbox.wait_exit(crate::support::WAIT);
    let seen: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert!(
        seen["subject"].as_str().unwrap().starts_with("_MINE."),
        "{seen}"
    );
    assert_eq!(seen["data"], "hi");
    assert!(echo.wait_exit(crate::support::WAIT).status.success());
}
