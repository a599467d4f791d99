//! `natrs micro ...` against a service run with the library.

use crate::support::Natrs;
use futures_util::StreamExt;
use natrs_tests::Server;
use natrs_tokio::service::{EndpointConfig, Service, ServiceConfig};

#[test]
fn ls_info_stats_ping_a_running_service() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _service = runtime.block_on(async {
        let client = natrs_tokio::connect(server.url()).await.unwrap();
        let service = Service::add(
            &client,
            ServiceConfig::new("calc", "1.2.3").description("adds numbers"),
        )
        .unwrap();
        let mut endpoint = service.add_endpoint(EndpointConfig::new("sum")).unwrap();
        tokio::spawn(async move {
            while let Some(request) = endpoint.next().await {
                let _ = request.respond("3").await;
            }
        });
        (client, service)
    });

    let ls = natrs.ok(&["micro", "ls"]);
    assert!(
        ls.contains("calc") && ls.contains("1.2.3") && ls.contains("adds numbers"),
        "{ls}"
    );
    let info = natrs.json(&["micro", "info", "calc"]);
    assert_eq!(info[0]["endpoints"][0]["name"], "sum");
    assert_eq!(natrs.ok(&["request", "sum", "1 2", "--raw"]), "3\n");
    let stats = natrs.json(&["micro", "stats", "calc"]);
    assert_eq!(stats[0]["endpoints"][0]["num_requests"], 1);
    let table = natrs.ok(&["micro", "stats", "calc"]);
    assert!(
        table.contains("Requests") && table.contains("sum"),
        "{table}"
    );
    let ping = natrs.ok(&["micro", "ping"]);
    assert!(ping.starts_with("calc 1.2.3 "), "{ping}");
    natrs.fails(
        &["micro", "info", "nosuch"],
        "no instance of service \"nosuch\" answered",
    );
}
