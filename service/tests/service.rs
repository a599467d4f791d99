//! The Service API (ADR-32) against a real nats-server: discovery responses
//! with their exact JSON, statistics, error responses, groups and queue
//! groups, metadata, stop; then a subset through the blocking facade.

mod common;

use common::{connect, eventually, within};
use futures_util::StreamExt;
use natrs_client::{Request as ClientRequest, RequestManyOptions};
use natrs_service::{
    AsyncError, Discovery, EndpointConfig, ErrorReply, GroupConfig, InfoResponse, PingResponse,
    Service, ServiceConfig, ServiceError, StatsResponse, Target, Verb, error_headers,
};
use natrs_tests::{Server, ServerConfig, UrlAuth};
use natrs_tokio::Client;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn server() -> Server {
    ServerConfig::new()
        .jetstream(false)
        .start()
        .expect("start nats-server")
}

/// Requests `subject` and returns the JSON of the one answer.
async fn raw_json(client: &Client, subject: &str) -> (String, Value) {
    let reply = within(5, subject, client.request(subject, ""))
        .await
        .unwrap();
    let text = String::from_utf8(reply.payload.to_vec()).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn sorted(mut k: Vec<&str>) -> Vec<&str> {
    k.sort_unstable();
    k
}

/// Answers every request of `endpoint` with its payload.
fn echo(mut endpoint: natrs_service::Endpoint) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(request) = endpoint.next().await {
            let payload = request.payload().clone();
            request.respond(payload).await.unwrap();
        }
    })
}

#[tokio::test]
async fn discovery_answers_with_the_exact_schema() {
    let server = server();
    let client = connect(&server.url()).await;
    let other = connect(&server.url()).await;
    let service = Service::add(
        &client,
        ServiceConfig::new("calc", "1.2.3-rc.1+build.5")
            .description("adds things")
            .metadata_entry("region", "eu")
            .stats_handler(|e| serde_json::json!({ "endpoint": e.name })),
    )
    .unwrap();
    let add = service
        .add_endpoint(EndpointConfig::new("add").metadata_entry("unit", "ms"))
        .unwrap();
    let math = service.add_group("math").unwrap();
    let mul = math
        .add_endpoint(EndpointConfig::new("mul").queue_group("mq"))
        .unwrap();
    let nq = math
        .add_endpoint(
            EndpointConfig::new("all")
                .subject("everyone.*")
                .no_queue_group(),
        )
        .unwrap();
    let _tasks = (echo(add), echo(mul), echo(nq));
    client.flush().await.unwrap();

    let id = service.id().to_string();
    assert_eq!(id.len(), 22, "a NUID: {id}");
    assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));

    // PING on all three levels.
    for subject in [
        "$SRV.PING".to_string(),
        "$SRV.PING.calc".into(),
        format!("$SRV.PING.calc.{id}"),
    ] {
        let (text, ping) = raw_json(&other, &subject).await;
        assert!(text.starts_with(r#"{"name":"calc","id":""#), "{text}");
        assert_eq!(
            keys(&ping),
            sorted(vec!["name", "id", "version", "metadata", "type"])
        );
        assert_eq!(ping["type"], "io.nats.micro.v1.ping_response");
        assert_eq!(ping["name"], "calc");
        assert_eq!(ping["id"], id.as_str());
        assert_eq!(ping["version"], "1.2.3-rc.1+build.5");
        assert_eq!(ping["metadata"], serde_json::json!({ "region": "eu" }));
    }

    // INFO.
    let (_, info) = raw_json(&other, "$SRV.INFO.calc").await;
    assert_eq!(
        keys(&info),
        sorted(vec![
            "name",
            "id",
            "version",
            "metadata",
            "type",
            "description",
            "endpoints"
        ])
    );
    assert_eq!(info["type"], "io.nats.micro.v1.info_response");
    assert_eq!(info["description"], "adds things");
    let endpoints = info["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 3);
    for e in endpoints {
        assert_eq!(
            keys(e),
            sorted(vec!["name", "subject", "queue_group", "metadata"])
        );
        assert!(
            e["metadata"].is_object(),
            "metadata is always an object: {e}"
        );
    }
    assert_eq!(
        endpoints[0],
        serde_json::json!({"name":"add","subject":"add","queue_group":"q","metadata":{"unit":"ms"}})
    );
    assert_eq!(
        endpoints[1],
        serde_json::json!({"name":"mul","subject":"math.mul","queue_group":"mq","metadata":{}})
    );
    assert_eq!(
        endpoints[2],
        serde_json::json!({"name":"all","subject":"math.everyone.*","queue_group":"","metadata":{}})
    );

    // STATS after a few requests.
    for _ in 0..3 {
        other.request("add", "x").await.unwrap();
    }
    other.request("math.mul", "y").await.unwrap();
    other.request("math.everyone.z", "z").await.unwrap();
    let (_, stats) = raw_json(&other, &format!("$SRV.STATS.calc.{id}")).await;
    assert_eq!(
        keys(&stats),
        sorted(vec![
            "name",
            "id",
            "version",
            "metadata",
            "type",
            "started",
            "endpoints"
        ])
    );
    assert_eq!(stats["type"], "io.nats.micro.v1.stats_response");
    let started = stats["started"].as_str().unwrap();
    assert!(started.ends_with('Z'), "UTC: {started}");
    time::OffsetDateTime::parse(started, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let endpoints = stats["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 3);
    for e in endpoints {
        assert_eq!(
            keys(e),
            sorted(vec![
                "name",
                "subject",
                "queue_group",
                "num_requests",
                "num_errors",
                "last_error",
                "processing_time",
                "average_processing_time",
                "data"
            ])
        );
        assert_eq!(e["data"]["endpoint"], e["name"]);
        assert_eq!(e["num_errors"], 0);
        assert_eq!(e["last_error"], "");
        assert!(e["processing_time"].as_u64().unwrap() > 0);
    }
    assert_eq!(endpoints[0]["num_requests"], 3);
    assert_eq!(endpoints[1]["num_requests"], 1);
    assert_eq!(endpoints[2]["num_requests"], 1);
    assert_eq!(endpoints[2]["queue_group"], "");

    // The typed client side reads the same.
    let discovery = Discovery::new(other.clone()).timeout(Duration::from_secs(5));
    let pings: Vec<PingResponse> = discovery
        .clone()
        .max_responses(1)
        .ping(Target::All)
        .await
        .unwrap();
    assert_eq!(pings, vec![service.ping()]);
    let infos: Vec<InfoResponse> = discovery
        .info(Target::Instance {
            name: "calc",
            id: &id,
        })
        .await
        .unwrap();
    assert_eq!(infos, vec![service.info()]);
    let stats: Vec<StatsResponse> = discovery.stats(Target::Name("calc")).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].endpoints[0].num_requests, 3);
    assert_eq!(stats[0].started, service.stats().started);

    // Other names and ids do not answer.
    assert!(
        discovery
            .ping(Target::Name("other"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        discovery
            .ping(Target::Instance {
                name: "calc",
                id: "nope"
            })
            .await
            .unwrap()
            .is_empty()
    );
    // An unknown verb has no responders (the subscriptions are exact).
    assert!(matches!(
        other.request("$SRV.FOO", "").await,
        Err(natrs_client::RequestError::NoResponders)
    ));
}

#[tokio::test]
async fn statistics_count_requests_errors_and_time() {
    let server = server();
    let client = connect(&server.url()).await;
    let other = connect(&server.url()).await;
    let service = Service::add(&client, ServiceConfig::new("stats", "0.1.0")).unwrap();
    let mut endpoint = service.add_endpoint("work").unwrap();
    let (got_tx, mut got_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (release_tx, mut release_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let task = tokio::spawn(async move {
        while let Some(request) = endpoint.next().await {
            match &request.payload()[..] {
                b"hold" => {
                    got_tx.send(()).unwrap();
                    release_rx.recv().await.unwrap();
                    request.respond("held").await.unwrap();
                }
                b"fail" => request
                    .respond_error(503, "unavailable\r\nnow", "details")
                    .await
                    .unwrap(),
                b"json" => request
                    .respond_json(&serde_json::json!({"ok": true}))
                    .await
                    .unwrap(),
                b"empty-error" => {
                    assert!(matches!(
                        request.respond_error(500, "", "").await,
                        Err(ServiceError::EmptyDescription)
                    ));
                    request.respond("recovered").await.unwrap();
                }
                b"teapot" => request
                    .respond_with_headers(error_headers(418, "teapot"), "")
                    .await
                    .unwrap(),
                b"no-reply" => assert!(matches!(
                    request.respond("lost").await,
                    Err(ServiceError::NoReply)
                )),
                b"ignore" => {}
                _ => request.respond("ok").await.unwrap(),
            }
        }
        endpoint
    });
    client.flush().await.unwrap();

    // A request held for a measured span.
    let held = {
        let other = other.clone();
        tokio::spawn(async move { other.request("work", "hold").await })
    };
    within(5, "the held request", got_rx.recv()).await.unwrap();
    let gap_start = Instant::now();
    other.flush().await.unwrap();
    let gap = gap_start.elapsed();
    release_tx.send(()).unwrap();
    assert_eq!(held.await.unwrap().unwrap().payload, "held");

    let ok = other.request("work", "x").await.unwrap();
    assert_eq!(ok.payload, "ok");
    assert!(ErrorReply::from_message(&ok).is_none());
    let json = other.request("work", "json").await.unwrap();
    assert_eq!(json.payload, r#"{"ok":true}"#);

    // Error headers count as an error whichever way they are sent; so does
    // a response that cannot be sent.
    let teapot = other.request("work", "teapot").await.unwrap();
    assert_eq!(
        ErrorReply::from_message(&teapot).unwrap().to_string(),
        "418:teapot"
    );
    other.publish("work", "no-reply").await.unwrap();

    // An error response carries both headers; the description has no line
    // breaks left.
    let failed = other.request("work", "fail").await.unwrap();
    let headers = failed.headers.as_ref().expect("headers");
    assert_eq!(headers.get("Nats-Service-Error"), Some("unavailable  now"));
    assert_eq!(headers.get("Nats-Service-Error-Code"), Some("503"));
    assert_eq!(failed.payload, "details");
    let reply = ErrorReply::from_message(&failed).unwrap();
    assert_eq!(reply.code_number(), Some(503));

    let recovered = other.request("work", "empty-error").await.unwrap();
    assert_eq!(recovered.payload, "recovered");
    // A request dropped without a response still counts (when dropped).
    let ignored = other
        .send_request(
            "work",
            ClientRequest::new("ignore").timeout(Duration::from_millis(50)),
        )
        .await;
    assert!(ignored.is_err());

    let discovery = Discovery::new(other.clone()).max_responses(1);
    let stats = eventually_stats(&discovery, 8).await;
    let e = &stats.endpoints[0];
    assert_eq!(e.num_requests, 8);
    assert_eq!(e.num_errors, 3);
    assert_eq!(e.last_error, "503:unavailable  now");
    assert!(
        e.processing_time >= gap,
        "{:?} < {gap:?}",
        e.processing_time
    );
    assert_eq!(
        e.average_processing_time.as_nanos(),
        e.processing_time.as_nanos() / 8
    );
    assert_eq!(e.data, None);
    assert_eq!(service.stats().endpoints[0].num_requests, 8);

    // Reset.
    let before = service.stats().started.unwrap();
    service.reset();
    let after = service.stats();
    assert!(after.started.unwrap() >= before);
    let e = &after.endpoints[0];
    assert_eq!((e.num_requests, e.num_errors), (0, 0));
    assert_eq!(e.last_error, "");
    assert_eq!(e.processing_time, Duration::ZERO);
    assert_eq!(e.average_processing_time, Duration::ZERO);

    service.stop();
    let endpoint = within(5, "the endpoint to end", task).await.unwrap();
    assert_eq!(endpoint.name(), "work");
}

/// The stats of the one service, once its endpoint counted `requests`.
async fn eventually_stats(discovery: &Discovery, requests: u64) -> StatsResponse {
    let found = Arc::new(Mutex::new(None));
    eventually(5, "the statistics", || {
        let found = found.clone();
        async move {
            let stats = discovery.stats(Target::All).await.unwrap();
            let done = stats.len() == 1 && stats[0].endpoints[0].num_requests == requests;
            *found.lock().unwrap() = stats.into_iter().next();
            done
        }
    })
    .await;
    found.lock().unwrap().take().unwrap()
}

#[tokio::test]
async fn queue_groups_share_load_or_fan_out() {
    let server = server();
    let a = connect(&server.url()).await;
    let b = connect(&server.url()).await;
    let requester = connect(&server.url()).await;
    let mut services = Vec::new();
    let mut tasks = Vec::new();
    for client in [&a, &b] {
        let service = Service::add(client, ServiceConfig::new("shared", "1.0.0")).unwrap();
        // Default queue group `q`: the two instances share requests.
        tasks.push(echo(service.add_endpoint("work").unwrap()));
        // No queue group: both get every request.
        let fan = service
            .add_group(GroupConfig::new("fan").no_queue_group())
            .unwrap();
        tasks.push(echo(fan.add_endpoint("out").unwrap()));
        // A group queue group, overridden by one endpoint.
        let grouped = service
            .add_group(GroupConfig::new("g").queue_group("gq"))
            .unwrap();
        let nested = grouped.add_group("inner").unwrap();
        assert_eq!(nested.prefix(), "g.inner");
        assert_eq!(nested.queue_group(), Some("gq"));
        tasks.push(echo(nested.add_endpoint("x").unwrap()));
        tasks.push(echo(
            grouped
                .add_endpoint(EndpointConfig::new("y").queue_group("own"))
                .unwrap(),
        ));
        client.flush().await.unwrap();
        services.push(service);
    }

    for _ in 0..40 {
        requester.request("work", "w").await.unwrap();
    }
    let (sa, sb) = (services[0].stats(), services[1].stats());
    let (na, nb) = (sa.endpoints[0].num_requests, sb.endpoints[0].num_requests);
    assert_eq!(na + nb, 40, "each request went to one instance");
    assert!(
        na > 0 && nb > 0,
        "both instances took requests: {na} and {nb}"
    );

    let mut replies = requester
        .request_many(
            "fan.out",
            ClientRequest::new("f").timeout(Duration::from_secs(5)),
            RequestManyOptions {
                max_messages: Some(2),
                ..RequestManyOptions::default()
            },
        )
        .await
        .unwrap();
    let mut count = 0;
    while let Some(reply) = within(5, "fan-out replies", replies.next()).await {
        reply.unwrap();
        count += 1;
    }
    assert_eq!(count, 2);
    for s in &services {
        let stats = s.stats();
        assert_eq!(stats.endpoints[1].subject, "fan.out");
        assert_eq!(stats.endpoints[1].num_requests, 1);
    }

    let info = services[0].info();
    let queues: Vec<(&str, &str)> = info
        .endpoints
        .iter()
        .map(|e| (e.subject.as_str(), e.queue_group.as_str()))
        .collect();
    assert_eq!(
        queues,
        vec![
            ("work", "q"),
            ("fan.out", ""),
            ("g.inner.x", "gq"),
            ("g.y", "own")
        ]
    );
    requester.request("g.inner.x", "").await.unwrap();
    requester.request("g.y", "").await.unwrap();

    // Discovery finds both instances.
    let pings = Discovery::new(requester.clone())
        .max_responses(2)
        .ping(Target::Name("shared"))
        .await
        .unwrap();
    let mut ids: Vec<String> = pings.into_iter().map(|p| p.id).collect();
    ids.sort();
    let mut expected: Vec<String> = services.iter().map(|s| s.id().to_string()).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn service_queue_groups_fan_out_across_services() {
    let server = server();
    let client = connect(&server.url()).await;
    let mut tasks = Vec::new();
    let mut services = Vec::new();
    for i in 0..3 {
        let service = Service::add(
            &client,
            ServiceConfig::new("hedge", "1.0.0").queue_group(format!("q-{i}")),
        )
        .unwrap();
        let endpoint = service
            .add_endpoint(EndpointConfig::new("echo").subject("svc.echo"))
            .unwrap();
        assert_eq!(endpoint.queue_group(), Some(format!("q-{i}").as_str()));
        tasks.push(echo(endpoint));
        services.push(service);
    }
    let mut replies = client
        .request_many(
            "svc.echo",
            ClientRequest::new("hi").timeout(Duration::from_secs(5)),
            RequestManyOptions {
                max_messages: Some(3),
                ..RequestManyOptions::default()
            },
        )
        .await
        .unwrap();
    let mut count = 0;
    while let Some(reply) = within(5, "replies", replies.next()).await {
        assert_eq!(reply.unwrap().payload, "hi");
        count += 1;
    }
    assert_eq!(count, 3);
    // A service without queue groups.
    let plain = Service::add(
        &client,
        ServiceConfig::new("plain", "1.0.0").no_queue_group(),
    )
    .unwrap();
    assert_eq!(plain.queue_group(), None);
    let e = plain.add_endpoint("p").unwrap();
    assert_eq!(e.queue_group(), None);
    let g = plain
        .add_group(GroupConfig::new("g").queue_group("back"))
        .unwrap();
    assert_eq!(g.add_endpoint("x").unwrap().queue_group(), Some("back"));
}

#[tokio::test]
async fn stop_drains_and_ends_everything() {
    let server = server();
    let client = connect(&server.url()).await;
    let other = connect(&server.url()).await;
    let service = Service::add(&client, ServiceConfig::new("stopper", "1.0.0")).unwrap();
    let mut endpoint = service.add_endpoint("e").unwrap();
    client.flush().await.unwrap();
    // Two requests wait in the endpoint when it stops: both are delivered.
    let r1 = {
        let other = other.clone();
        tokio::spawn(async move { other.request("e", "1").await })
    };
    let r2 = {
        let other = other.clone();
        tokio::spawn(async move { other.request("e", "2").await })
    };
    eventually(5, "two waiting requests", || {
        let n = endpoint.pending();
        async move { n == 2 }
    })
    .await;
    assert!(!service.stopped());
    service.stop();
    assert!(service.stopped());
    within(1, "wait_stopped", service.wait_stopped()).await;
    let mut delivered = 0;
    while let Some(request) = within(5, "the endpoint to end", endpoint.next()).await {
        request.respond("bye").await.unwrap();
        delivered += 1;
    }
    assert_eq!(delivered, 2);
    assert_eq!(r1.await.unwrap().unwrap().payload, "bye");
    assert_eq!(r2.await.unwrap().unwrap().payload, "bye");
    // Stopped: no more endpoints, no discovery, no requests.
    assert!(matches!(
        service.add_endpoint("late"),
        Err(ServiceError::Stopped)
    ));
    let id = service.id().to_string();
    eventually(5, "discovery to go away", || {
        let other = other.clone();
        let subject = format!("$SRV.PING.stopper.{id}");
        async move {
            matches!(
                other.request(subject, "").await,
                Err(natrs_client::RequestError::NoResponders)
            )
        }
    })
    .await;
    assert!(matches!(
        other.request("e", "3").await,
        Err(natrs_client::RequestError::NoResponders)
    ));
    service.stop();
}

#[tokio::test]
async fn closing_the_connection_stops_the_service() {
    let server = server();
    let client = connect(&server.url()).await;
    let service = Service::add(&client, ServiceConfig::new("closer", "1.0.0")).unwrap();
    let mut endpoint = service.add_endpoint("e").unwrap();
    client.close().await;
    within(5, "the service to stop", service.wait_stopped()).await;
    assert!(service.stopped());
    assert!(
        within(5, "the endpoint to end", endpoint.next())
            .await
            .is_none()
    );
}

#[tokio::test]
async fn dropping_handles_removes_endpoints_and_the_service() {
    let server = server();
    let client = connect(&server.url()).await;
    let other = connect(&server.url()).await;
    let service = Service::add(&client, ServiceConfig::new("dropper", "1.0.0")).unwrap();
    let keep = service.add_endpoint("keep").unwrap();
    let gone = service.add_endpoint("gone").unwrap();
    assert_eq!(service.info().endpoints.len(), 2);
    drop(gone);
    let names: Vec<String> = service
        .info()
        .endpoints
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, vec!["keep".to_string()]);
    client.flush().await.unwrap();
    assert!(matches!(
        other.request("gone", "").await,
        Err(natrs_client::RequestError::NoResponders)
    ));
    // The endpoint keeps the service alive; dropping every handle ends it.
    drop(service);
    let discovery = Discovery::new(other.clone()).max_responses(1);
    assert_eq!(
        discovery.ping(Target::Name("dropper")).await.unwrap().len(),
        1
    );
    drop(keep);
    eventually(5, "the service to go away", || {
        let discovery = discovery.clone();
        async move {
            discovery
                .ping(Target::Name("dropper"))
                .await
                .unwrap()
                .is_empty()
        }
    })
    .await;
}

#[tokio::test]
async fn configuration_is_validated() {
    let server = server();
    let client = connect(&server.url()).await;
    let add = |config| Service::add(&client, config);
    assert!(matches!(
        add(ServiceConfig::new("bad name", "1.0.0")),
        Err(ServiceError::InvalidName(_))
    ));
    assert!(matches!(
        add(ServiceConfig::new("", "1.0.0")),
        Err(ServiceError::InvalidName(_))
    ));
    assert!(matches!(
        add(ServiceConfig::new("ok", "1.0")),
        Err(ServiceError::InvalidVersion(_))
    ));
    assert!(matches!(
        add(ServiceConfig::new("ok", "01.0.0")),
        Err(ServiceError::InvalidVersion(_))
    ));
    assert!(matches!(
        add(ServiceConfig::new("ok", "1.0.0").queue_group("a b")),
        Err(ServiceError::InvalidQueueGroup(_))
    ));
    let service = add(ServiceConfig::new("ok", "1.0.0")).unwrap();
    assert!(matches!(
        service.add_endpoint("a.b"),
        Err(ServiceError::InvalidEndpointName(_))
    ));
    assert!(matches!(
        service.add_endpoint(EndpointConfig::new("e").subject("a..b")),
        Err(ServiceError::InvalidSubject { .. })
    ));
    assert!(matches!(
        service.add_endpoint(EndpointConfig::new("e").queue_group("")),
        Err(ServiceError::InvalidQueueGroup(_))
    ));
    assert!(matches!(
        service.add_group("a.>"),
        Err(ServiceError::InvalidGroup(_))
    ));
    let empty = service.add_group("").unwrap();
    assert_eq!(empty.add_endpoint("plain").unwrap().subject(), "plain");
    assert!(service.info().endpoints.is_empty());
}

#[tokio::test]
async fn subscription_errors_reach_the_handler_and_stop_the_service() {
    let server = ServerConfig::new()
        .jetstream(false)
        .config(
            r#"authorization { users = [
                { user: svc, password: pw, permissions: { subscribe: { deny: ["denied.>"] } } },
                { user: cli, password: pw }
            ] }"#,
        )
        .start()
        .unwrap();
    let client = connect(&server.client_url_with(UrlAuth::UserPass("svc", "pw"))).await;
    let errors: Arc<Mutex<Vec<AsyncError>>> = Arc::default();
    let seen = errors.clone();
    let service = Service::add(
        &client,
        ServiceConfig::new("perm", "1.0.0")
            .error_handler(move |e| seen.lock().unwrap().push(e.clone())),
    )
    .unwrap();
    let endpoint = service
        .add_endpoint(EndpointConfig::new("e").subject("denied.e"))
        .unwrap();
    within(5, "the service to stop", service.wait_stopped()).await;
    let errors = errors.lock().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].subject, "denied.e");
    assert!(
        errors[0].description.contains("permissions violation"),
        "{errors:?}"
    );
    let stats = endpoint.stats();
    assert_eq!(stats.num_errors, 1);
    assert_eq!(stats.last_error, errors[0].description);
}

#[tokio::test]
async fn slow_endpoints_report_and_stop() {
    let server = server();
    let client = connect(&server.url()).await;
    let other = connect(&server.url()).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let service = Service::add(
        &client,
        ServiceConfig::new("slow", "1.0.0").error_handler(move |e| {
            let _ = tx.send(e.clone());
        }),
    )
    .unwrap();
    let endpoint = service
        .add_endpoint(EndpointConfig::new("e").pending_limits(1, 1024))
        .unwrap();
    client.flush().await.unwrap();
    for _ in 0..3 {
        other.publish("e", "x").await.unwrap();
    }
    let error = within(5, "the slow consumer error", rx.recv())
        .await
        .unwrap();
    assert_eq!(error.subject, "e");
    assert!(error.description.contains("slow consumer"));
    within(5, "the service to stop", service.wait_stopped()).await;
    assert_eq!(endpoint.stats().num_errors, 1);
}

mod blocking {
    use super::*;
    use natrs_service::blocking::{Discovery, Service};

    fn setup() -> (tokio::runtime::Runtime, Server, Client, Client) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = super::server();
        let a = rt.block_on(connect(&server.url()));
        let b = rt.block_on(connect(&server.url()));
        (rt, server, a, b)
    }

    #[test]
    fn handler_threads_discovery_errors_and_stop() {
        let (rt, _server, client, other) = setup();
        let service = Service::add(
            &client,
            ServiceConfig::new("blocking", "2.0.0").metadata_entry("k", "v"),
        )
        .unwrap();
        let group = service.add_group("b").unwrap();
        let worker = group
            .add_endpoint("echo")
            .unwrap()
            .spawn_handler(|request| {
                if request.payload().is_empty() {
                    request.respond_error(400, "empty", "").unwrap();
                } else {
                    request.respond(request.payload().clone()).unwrap();
                }
            })
            .unwrap();
        let mut manual = service.add_endpoint("manual").unwrap();
        assert!(manual.next_timeout(Duration::from_millis(10)).is_none());
        rt.block_on(client.flush()).unwrap();

        let reply = rt.block_on(other.request("b.echo", "hi")).unwrap();
        assert_eq!(reply.payload, "hi");
        let error = rt.block_on(other.request("b.echo", "")).unwrap();
        let e = ErrorReply::from_message(&error).unwrap();
        assert_eq!((e.code.as_str(), e.description.as_str()), ("400", "empty"));

        let pending = {
            let other = other.clone();
            rt.spawn(async move { other.request("manual", "m").await })
        };
        let request = manual.next().expect("a request");
        assert_eq!(request.endpoint_name(), "manual");
        request.respond_json(&[1, 2]).unwrap();
        drop(request);
        assert_eq!(rt.block_on(pending).unwrap().unwrap().payload, "[1,2]");

        let discovery = Discovery::new(other.clone()).max_responses(1);
        let info = discovery.info(Target::Name("blocking")).unwrap();
        assert_eq!(info.len(), 1);
        assert_eq!(info[0].metadata.get("k").map(String::as_str), Some("v"));
        assert_eq!(info[0].endpoints.len(), 2);
        let stats = discovery
            .stats(Target::Instance {
                name: "blocking",
                id: service.id(),
            })
            .unwrap();
        let echo = &stats[0].endpoints[0];
        assert_eq!(
            (echo.name.as_str(), echo.num_requests, echo.num_errors),
            ("echo", 2, 1)
        );
        assert_eq!(echo.last_error, "400:empty");
        let raw = discovery.raw(Verb::Ping, Target::All).unwrap();
        let ping: PingResponse = serde_json::from_slice(&raw[0].payload).unwrap();
        assert_eq!(ping.id, service.id());

        assert!(!service.wait_stopped_timeout(Duration::from_millis(10)));
        service.stop();
        service.wait_stopped();
        worker.join().unwrap();
        assert!(manual.next().is_none());
    }
}

/// nats-py's service client (`nats.micro`, installed by the harness) parses
/// our PING, INFO and STATS replies: endpoint `data` is written as `null`
/// without a stats handler, and `started` has microseconds.
#[tokio::test]
async fn nats_py_parses_discovery_replies() {
    let server = server();
    let client = connect(&server.url()).await;
    let service = Service::add(
        &client,
        ServiceConfig::new("pyinterop", "1.0.0")
            .description("read by nats-py")
            .metadata_entry("k", "v"),
    )
    .unwrap();
    let _task = echo(service.add_endpoint("plain").unwrap());
    client.flush().await.unwrap();
    within(5, "a request", client.request("plain", "x"))
        .await
        .unwrap();
    let (_, stats) = raw_json(&client, "$SRV.STATS.pyinterop").await;
    let started = stats["started"].as_str().unwrap().to_string();
    assert_eq!(
        started.len(),
        "2026-12-06T17:14:44.456018Z".len(),
        "{started}"
    );

    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nats_py_service.py");
    let url = server.url();
    let output = tokio::task::spawn_blocking(move || {
        natrs_tests::python::python()
            .expect("python3 with nats-py")
            .arg(script)
            .arg(url)
            .arg("pyinterop")
            .output()
    })
    .await
    .unwrap()
    .expect("run python3");
    assert!(
        output.status.success(),
        "nats-py could not read the replies: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = service.id();
    for verb in ["PING", "INFO", "STATS"] {
        assert_eq!(read[verb]["id"], id, "{verb}: {read}");
        assert_eq!(read[verb]["name"], "pyinterop");
        assert_eq!(read[verb]["version"], "1.0.0");
        assert_eq!(read[verb]["metadata"], serde_json::json!({"k": "v"}));
    }
    assert_eq!(read["INFO"]["description"], "read by nats-py");
    assert_eq!(read["INFO"]["endpoints"][0]["subject"], "plain");
    let endpoint = &read["STATS"]["endpoints"][0];
    assert_eq!(endpoint["name"], "plain");
    assert_eq!(endpoint["num_requests"], 1);
    assert_eq!(endpoint["data"], Value::Null);
    assert_eq!(read["started"], started.as_str());
}
