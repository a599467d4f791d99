//! TLS with the driver spawned on the application's executor (smol). Every
//! TLS behaviour (handshakes, mutual TLS, failures, volume) is checked on
//! the default driver thread by the natrs-tests suite.

mod common;

use common::within;
use natrs_async_std::{AsyncIoRuntime, ConnectOptions};
use natrs_tests::{Server, ServerConfig, TlsMaterial, TlsOptions};

fn tls_server(material: &TlsMaterial, options: TlsOptions) -> Server {
    ServerConfig::new()
        .jetstream(false)
        .config(material.server_config_block(options))
        .start()
        .expect("start a TLS nats-server")
}

fn trusting(material: &TlsMaterial) -> ConnectOptions {
    ConnectOptions::new().add_root_certificates(material.ca_cert_path())
}

#[test]
fn mutual_tls_with_the_driver_on_smol() {
    let material = TlsMaterial::generate().unwrap();
    let server = tls_server(&material, TlsOptions::new().verify(true));
    smol::block_on(async {
        let runtime = AsyncIoRuntime::with_spawner(|driver| smol::spawn(driver).detach());
        let options = trusting(&material)
            .add_client_certificate(material.client().cert_path(), material.client().key_path());
        let client = natrs_async_std::connect_with_runtime(runtime, server.tls_url(), options)
            .await
            .expect("connect with a client certificate");
        let reply_sub = client.subscribe("mtls").await.unwrap();
        drop(reply_sub);
        within("flush", client.flush()).await.unwrap();
        client.close().await;
    });
}
