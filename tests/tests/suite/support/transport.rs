//! Running cases over a WebSocket: the suite's server starters give each
//! server a websocket listener, and `connect` turns the harness servers'
//! `nats://` URLs into their `ws://` or `wss://` ones, so the same cases run
//! over every transport.
//!
//! The transport is set per test thread by the `transport_tests!` macro. A
//! URL of another port (a closed one, say) keeps its port and takes the
//! WebSocket scheme; a case whose URLs name none of the servers these
//! starters made (a fake server) panics, so no case passes over TCP while
//! claiming to test WebSockets.

use natrs_client::ConnectOptions;
use natrs_tests::{ServerConfig, TlsMaterial, WebSocketListener};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// How the cases reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP (`nats://`): the suite's default.
    Tcp,
    /// `ws://`, the server compressing what it sends (permessage-deflate).
    WsCompressed,
    /// `wss://` over the harness's TLS certificates, without compression.
    Wss,
}

thread_local! {
    static CURRENT: RefCell<(Transport, Option<Rc<TlsMaterial>>)> =
        const { RefCell::new((Transport::Tcp, None)) };
}

thread_local! {
    /// Client port of every server this test started under a WebSocket
    /// transport, to its WebSocket URL and, for `wss`, the CA file. Kept per
    /// test (cleared when it ends): a port of a server another test stopped
    /// is soon reused, by a `dead_port()` or a new server, and must not map
    /// to that old server's websocket.
    static REGISTRY: RefCell<HashMap<u16, (String, Option<std::path::PathBuf>)>> =
        RefCell::new(HashMap::new());
}

/// Runs `case` with `transport` set for this thread.
pub fn run_with(transport: Transport, case: impl FnOnce()) {
    REGISTRY.with(|r| r.borrow_mut().clear());
    CURRENT.with(|c| *c.borrow_mut() = (transport, None));
    case();
    // The TLS material (certificate files) goes with the test's servers.
    CURRENT.with(|c| *c.borrow_mut() = (Transport::Tcp, None));
    REGISTRY.with(|r| r.borrow_mut().clear());
}

/// The transport of this test.
pub fn current() -> Transport {
    CURRENT.with(|c| c.borrow().0)
}

/// `config` with the websocket listener the current transport needs.
pub fn add_listener(config: ServerConfig) -> ServerConfig {
    match current() {
        Transport::Tcp => config,
        Transport::WsCompressed => config.websocket(WebSocketListener::plain().compression(true)),
        Transport::Wss => {
            let tls = CURRENT.with(|c| {
                c.borrow_mut()
                    .1
                    .get_or_insert_with(|| {
                        Rc::new(TlsMaterial::generate().expect("generate TLS material"))
                    })
                    .clone()
            });
            config.websocket(WebSocketListener::tls(&tls))
        }
    }
}

/// Remembers a server started by the suite's starters.
pub fn register(server: &natrs_tests::Server) {
    if current() == Transport::Tcp {
        return;
    }
    let ws = server
        .ws_url()
        .expect("the server has a websocket listener");
    let ca = CURRENT.with(|c| {
        c.borrow()
            .1
            .as_ref()
            .map(|t| t.ca_cert_path().to_path_buf())
    });
    REGISTRY.with(|r| r.borrow_mut().insert(server.port(), (ws, ca)));
}

/// The URL list and options to connect with over the current transport.
pub fn adapt(urls: &str, options: ConnectOptions) -> (String, ConnectOptions) {
    if current() == Transport::Tcp {
        return (urls.to_owned(), options);
    }
    REGISTRY.with(|registry| adapt_with(&registry.borrow(), urls, options))
}

fn adapt_with(
    registry: &HashMap<u16, (String, Option<std::path::PathBuf>)>,
    urls: &str,
    options: ConnectOptions,
) -> (String, ConnectOptions) {
    let mut ca = None;
    let mut known = false;
    let scheme = if current() == Transport::Wss {
        "wss"
    } else {
        "ws"
    };
    let mapped: Vec<String> = urls
        .split(',')
        .map(|url| {
            let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
            let (userinfo, host_port) = match rest.rsplit_once('@') {
                Some((u, h)) => (format!("{u}@"), h),
                None => (String::new(), rest),
            };
            let port = host_port
                .rsplit_once(':')
                .and_then(|(_, p)| p.parse::<u16>().ok());
            let Some((ws, ca_path)) = port.and_then(|p| registry.get(&p)) else {
                return format!("{scheme}://{userinfo}{host_port}");
            };
            known = true;
            ca.clone_from(ca_path);
            let (scheme, addr) = ws.split_once("://").expect("ws url");
            format!("{scheme}://{userinfo}{addr}")
        })
        .collect();
    assert!(
        known,
        "{urls} names no server the suite started for {:?}: this case cannot run over a websocket",
        current()
    );
    let mut options = options;
    if current() == Transport::WsCompressed {
        options = options.websocket_compression(true);
    }
    if let Some(ca) = ca {
        options = options.add_root_certificates(ca);
    }
    (mapped.join(","), options)
}

/// The port a client connects to for `server` under the current transport:
/// its websocket listener's, or its client port.
pub fn port(server: &natrs_tests::Server) -> u16 {
    match current() {
        Transport::Tcp => server.port(),
        _ => server.ws_addr().expect("a websocket listener").port(),
    }
}
