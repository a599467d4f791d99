//! The `tracing` feature: every trace line is captured at TRACE level (one
//! subscriber for the whole binary, writing into a buffer) while clients of
//! every runtime connect with a password, a token, an nkey seed, a JWT and
//! a `.creds` file; no secret may appear. A connected idle client logs
//! nothing at INFO or above while it pings.

use natrs_client::ConnectOptions;
use natrs_tests::{NkeyUser, Operator, Server, ServerConfig};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// Every line written by the subscriber.
static CAPTURE: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// The cases of this binary run one at a time: they read one capture.
static SERIAL: Mutex<()> = Mutex::new(());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (once) and takes this binary's turn.
fn capturing() -> MutexGuard<'static, ()> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| Capture)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    });
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn captured() -> String {
    String::from_utf8_lossy(&CAPTURE.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

fn start(config: &str) -> Server {
    Server::start_with(ServerConfig::new().jetstream(false).config(config)).expect("nats-server")
}

/// Connects on each runtime and flushes once.
fn connect_everywhere(url: &str, options: &ConnectOptions) {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    tokio.block_on(async {
        let client = natrs_tokio::connect_with_options(url, options.clone())
            .await
            .expect("tokio connect");
        client.flush().await.expect("tokio flush");
        client.close().await;
    });
    async_io::block_on(async {
        let client = natrs_async_std::connect_with_options(url, options.clone())
            .await
            .expect("async-std connect");
        client.flush().await.expect("async-std flush");
        client.close().await;
    });
    let client = natrs_blocking::connect_with_options(url, options.clone()).expect("connect");
    client.flush().expect("blocking flush");
    client.close();
}

#[test]
fn no_secret_is_ever_traced() {
    let _turn = capturing();
    let mut secrets: Vec<String> = Vec::new();

    let password = "pa55-Wq8rTz-secret";
    let server = start(&format!(
        "authorization {{ users = [ {{ user: alice, password: \"{password}\" }} ] }}"
    ));
    connect_everywhere(
        &server.url(),
        &ConnectOptions::new().user_and_password("alice", password),
    );
    // In the URL as well.
    connect_everywhere(
        &format!("nats://alice:{password}@127.0.0.1:{}", server.port()),
        &ConnectOptions::new(),
    );
    secrets.push(password.into());
    drop(server);

    let token = "t0k3n-Hv92-secret";
    let server = start(&format!("authorization {{ token: \"{token}\" }}"));
    connect_everywhere(&server.url(), &ConnectOptions::new().token(token));
    secrets.push(token.into());
    drop(server);

    let user = NkeyUser::new();
    let seed = user.seed().unwrap();
    let server = start(&NkeyUser::server_config(&[&user]));
    connect_everywhere(&server.url(), &ConnectOptions::new().nkey(seed.clone()));
    secrets.push(seed);
    drop(server);

    let operator = Operator::new("trace-op").unwrap();
    let account = operator.account_without_jetstream("APP").unwrap();
    let server = start(&operator.server_config(&[&account]));
    let alice = account.user("alice").build().unwrap();
    let key = Arc::new(nkeys::KeyPair::from_seed(&alice.seed().unwrap()).unwrap());
    let sign: natrs_client::SignFn =
        Arc::new(move |nonce: &[u8]| key.sign(nonce).map_err(|e| e.to_string()));
    connect_everywhere(&server.url(), &ConnectOptions::new().jwt(alice.jwt(), sign));
    secrets.push(alice.jwt().to_string());
    secrets.push(alice.seed().unwrap());
    let carol = account.user("carol").build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = carol.write_creds_file(dir.path()).unwrap();
    connect_everywhere(
        &server.url(),
        &ConnectOptions::new().credentials_file(&path),
    );
    secrets.push(carol.jwt().to_string());
    secrets.push(carol.seed().unwrap());

    let text = captured();
    // The capture has what the clients did, at every level down to TRACE
    // (so a secret would have had its chance to appear).
    for name in [
        "natrs.connect_attempt",
        "natrs.transport_connected",
        "natrs.awaiting_info",
        "natrs.info_received",
        "natrs.connect_sent",
        "natrs.first_pong",
        "natrs.connected",
        "natrs.closed",
        "natrs.wrote",
        "natrs.read",
    ] {
        assert!(text.contains(name), "no {name} in the capture:\n{text}");
    }
    for secret in &secrets {
        // Long secrets (JWTs) also in part: a line cut or escaped differently.
        let probes: Vec<&str> = if secret.len() > 40 {
            vec![secret.as_str(), &secret[secret.len() - 40..]]
        } else {
            vec![secret.as_str()]
        };
        for probe in probes {
            assert!(!text.contains(probe), "a secret was traced: {probe}");
        }
    }
}

#[test]
fn an_idle_connected_client_is_quiet_at_info() {
    let _turn = capturing();
    let server = start("");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = natrs_tokio::connect_with_options(
            server.url(),
            ConnectOptions::new().ping_interval(Duration::from_millis(50)),
        )
        .await
        .unwrap();
        client.flush().await.unwrap();
        let start = CAPTURE.lock().unwrap().len();
        let since = || captured()[start..].to_string();
        // Keep-alive PINGs go out and their PONGs are read (traced at
        // TRACE): wait for five reads.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while since().matches("natrs.read").count() < 5 {
            assert!(
                std::time::Instant::now() < deadline,
                "no PONGs came:\n{}",
                since()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for line in since().lines() {
            assert!(
                !(line.contains(" INFO ") || line.contains(" WARN ") || line.contains(" ERROR ")),
                "an idle client logged: {line}"
            );
        }
        client.close().await;
    });
}
