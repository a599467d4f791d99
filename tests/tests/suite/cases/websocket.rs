//! What only a WebSocket has: a server ping, a frame split across reads, a
//! close frame with a reason, a proxy in front of the listener on a path of
//! its own. (The rest of the suite also runs over `ws://` and `wss://`, see
//! `transport_tests!` in `main.rs`, restarts of the server included.)

use crate::support::ws_peer::{PathProxy, WsPeer, server_frame};
use crate::support::*;
use natrs_client::{ClientEvent, CloseReason, ConnectOptions, DisconnectReason, WsError};
use natrs_tests::{ServerConfig, WebSocketListener};
use std::net::TcpListener;

/// Connects `C` to a scripted WebSocket server end; returns both.
fn connect_to_peer<C: SuiteClient>(options: ConnectOptions) -> (C, WsPeer) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let connecting = in_background(move || C::connect(&url, options));
    let mut peer = WsPeer::accept(&listener);
    peer.handshake();
    let client = join("connect", &connecting, GUARD).expect("connect");
    (client, peer)
}

/// The server pings; the client answers with the same payload. The ping came
/// with the first bytes of a message frame, and the rest of that frame is
/// sent only after the pong, so the frame reaches the client in two reads.
pub fn server_ping_and_a_frame_split_across_reads<C: SuiteClient>() {
    let (client, mut peer) = connect_to_peer::<C>(ConnectOptions::new());
    let mut sub = client.subscribe("split").unwrap();
    peer.read_until("SUB split 1\r\n");
    let msg = server_frame(0x2, b"MSG split 1 5\r\nhello\r\n");
    let mut first = server_frame(0x9, b"are you there");
    first.extend_from_slice(&msg[..7]);
    peer.send(&first);
    // The pong proves the client read the ping, and the bytes after it.
    assert_eq!(peer.read_pong(), b"are you there");
    assert!(
        sub.next_timeout(std::time::Duration::from_millis(50))
            .is_none()
    );
    peer.send(&msg[7..]);
    let got = take(&mut sub, 1);
    assert_eq!(payloads(&got), ["hello"]);
}

/// A close frame ends the connection, its status and reason reported.
pub fn server_close_frame_with_a_reason<C: SuiteClient>() {
    let log = EventLog::new();
    let (client, mut peer) = connect_to_peer::<C>(log.attach(ConnectOptions::new().no_reconnect()));
    let mut close = 1008u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"go away for a test");
    peer.send(&server_frame(0x8, &close));
    let expected = DisconnectReason::WebSocket(WsError::Closed {
        code: Some(1008),
        reason: "go away for a test".into(),
    });
    let (_, event) = log.wait("Closed", |e| matches!(e, ClientEvent::Closed { .. }));
    assert_eq!(
        event,
        ClientEvent::Closed {
            reason: CloseReason::NoServers(Some(expected.clone()))
        }
    );
    assert!(
        log.count(|e| *e
            == ClientEvent::Disconnected {
                reason: expected.clone()
            })
            == 1
    );
    assert!(client.is_closed());
}

/// `ws://host:port/some/path` through a proxy that forwards only that path
/// with the header it wants; another path is refused with the proxy's 404.
pub fn path_and_headers_through_a_proxy<C: SuiteClient>() {
    let server = ServerConfig::new()
        .jetstream(false)
        .websocket(WebSocketListener::plain())
        .start()
        .unwrap();
    let proxy = PathProxy::start(
        "/some/path",
        "X-Proxy-Token",
        "let-me-in",
        server.ws_addr().unwrap(),
    );
    let url = format!("ws://127.0.0.1:{}/some/path", proxy.port());
    let options = ConnectOptions::new().websocket_header("X-Proxy-Token", "let-me-in");
    let client: C = connect_with(&url, options.clone());
    let mut sub = client.subscribe("through").unwrap();
    client.publish("through", b("the proxy")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["the proxy"]);

    let refused = |url: String, options: ConnectOptions| {
        let err = C::connect(&url, options.no_reconnect().max_reconnects(Some(1)))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("HTTP 404"), "{url}: {err}");
    };
    refused(
        format!("ws://127.0.0.1:{}/other/path", proxy.port()),
        options,
    );
    refused(url, ConnectOptions::new());
}
