#![allow(unreachable_pub)]

//! The behavioural suite: every case runs against a real nats-server (started
//! per test by the harness) once for each runtime crate.
//!
//! A case is a generic function `fn case<C: SuiteClient>()` in `cases/`,
//! written as blocking code against [`support::SuiteClient`]. The
//! [`suite_tests!`] macro turns the list of cases below into one `#[test]` per
//! case and runtime: `suite_tests!(tokio, tokio_client::TokioClient)` makes
//! `tokio::connect::connects_to_one_url`, and so on. Adding a runtime is one
//! `SuiteClient` implementation and one macro line (see `tests/README.md`).

mod async_client;
mod async_std_runtime;
mod blocking_client;
mod cases;
mod dialer;
mod examples;
mod runtime_examples;
mod support;
mod tokio_only;
mod tokio_runtime;

/// Instantiates every case of the suite for one client implementation:
/// `suite_tests!(module_name, ClientType)` makes `mod module_name` with one
/// test per case, grouped in the same modules as `cases/`.
macro_rules! suite_tests {
    ($runtime:ident, $client:ty) => {
        mod $runtime {
            #[allow(unused_imports)]
            use super::*;
            suite_tests!(@groups $client;
                connect {
                    connects_to_one_url,
                    connects_to_a_list,
                    connect_failure_is_an_error,
                    invalid_addresses_and_options_fail_fast,
                    name_shows_in_connz,
                    no_echo_suppresses_own_messages,
                    inbox_prefix_is_used,
                    pings_at_the_interval,
                    unanswered_pings_make_the_connection_stale,
                    a_connect_timeout_too_long_for_the_clock_connects,
                    connect_timeout_bounds_the_handshake,
                    connect_timeout_bounds_the_tcp_connect,
                    retain_servers_order_connects_in_order,
                    discovered_servers_join_the_pool,
                    servers_discovered_event,
                    dropping_the_last_handle_closes_the_connection,
                    verbose_and_pedantic_connections_work,
                }
                errors {
                    request_errors_answer_the_common_questions,
                    a_bad_password_is_an_auth_error,
                    a_refused_connect_keeps_the_io_error,
                    client_events_read_as_one_line,
                }
                reconnect {
                    default_options_reconnect_forever,
                    reconnect_wait_spaces_the_attempts,
                    reconnect_jitter_is_bounded,
                    custom_reconnect_delay_policy,
                    max_reconnects_closes_the_client,
                    no_reconnect_closes_on_the_first_loss,
                    retry_on_initial_connect,
                    initial_connect_without_retry_fails,
                    reconnect_buffer_size_limits_buffering,
                    zero_reconnect_buffer_refuses_publishing_while_disconnected,
                    restart_delivers_buffered_work_and_restores_subscriptions,
                    force_reconnect_keeps_subscriptions,
                    connection_state_follows_the_connection,
                    unsubscribed_while_down_stays_unsubscribed,
                    close_while_reconnecting_returns_promptly,
                    requests_work_again_after_a_restart,
                }
                pubsub {
                    publish_and_subscribe,
                    messages_keep_their_order,
                    a_burst_leaves_without_a_flush,
                    large_payloads_round_trip,
                    large_messages_arrive_intact_while_some_are_held,
                    every_payload_form_round_trips,
                    publish_with_reply_carries_the_reply_subject,
                    headers_round_trip,
                    invalid_input_is_refused_locally,
                    queue_groups_share_the_messages,
                    flush_means_the_server_processed_everything,
                    flush_with_a_timeout_too_long_for_the_clock_completes,
                    unsubscribe_stops_delivery,
                    unsubscribe_after_counts_messages,
                    subscription_drain_delivers_what_was_sent,
                    dropping_a_subscriber_unsubscribes,
                    statistics_count_messages_and_bytes,
                    publish_json_round_trips,
                    publishing_past_the_write_buffer_limit,
                    publishing_short_messages_past_the_copied_limit,
                    headers_refused_when_the_server_lacks_them,
                }
                requests {
                    request_gets_a_reply,
                    concurrent_requests_get_their_own_replies,
                    request_with_headers_and_timeout,
                    no_responders_fail_fast,
                    slow_responder_times_out,
                    default_request_timeout_applies,
                    request_many_collects_up_to_max_messages,
                    request_many_ends_at_a_stall,
                    request_many_ends_at_the_sentinel,
                    request_many_ends_at_its_timeout,
                    request_many_without_responders,
                    request_json_round_trips,
                    rtt_measures_a_round_trip,
                }
                drain {
                    drain_delivers_messages_sent_before_it,
                    drain_flushes_own_publishes,
                    drain_waits_for_requests_in_flight,
                    drain_timeout_closes_anyway,
                    close_fails_what_is_pending,
                    close_writes_what_was_published,
                    drain_while_reconnecting_finishes_after_the_reconnect,
                    flush_fails_when_the_connection_is_lost,
                }
                events {
                    stream_and_callback_see_the_same_events,
                    every_stream_gets_every_event,
                    slow_consumer_reported_once_per_episode,
                    pending_byte_limit_drops_too,
                    pending_byte_limit_counts_headers,
                    permission_violations_are_reported_without_disconnecting,
                    an_unread_stream_still_learns_of_a_reconnect,
                    calls_return_after_the_callback_saw_their_events,
                }
                auth {
                    user_and_password,
                    bad_credentials_are_refused,
                    token,
                    nkey_seed,
                    jwt_with_signing_callback,
                    creds_file_and_text,
                    creds_file_problems_fail_before_connecting,
                    creds_file_is_reread_on_reconnect,
                    auth_callback,
                    expired_jwt_is_refused,
                    jwt_expiring_while_connected,
                    expiring_jwt_reconnects_are_paced,
                    max_connections_refuses_the_extra_client,
                }
                tls {
                    tls_url_with_custom_roots,
                    nats_url_upgrades_when_the_server_requires_tls,
                    require_tls_against_a_plain_server_fails,
                    user_supplied_rustls_config,
                    mutual_tls_with_a_client_certificate,
                    certificates_and_keys_from_pem_bytes,
                    mutual_tls_without_a_valid_certificate_fails,
                    unknown_ca_is_a_clear_error,
                    wrong_server_name_is_a_clear_error,
                    tls_handshake_first,
                    tls_first_against_a_server_that_sends_info_fails,
                    plain_client_against_handshake_first_server_times_out,
                    unreadable_tls_material_fails_before_connecting,
                    tls_carries_large_and_many_messages,
                    tls_reconnects_after_a_restart,
                    mutual_tls_with_handshake_first,
                    tls_first_against_a_silent_server_times_out,
                    close_during_a_tls_handshake_returns_promptly,
                }
                faults {
                    frozen_server_is_detected_as_stale,
                    flush_times_out_when_the_server_does_not_answer,
                    cluster_failover_to_discovered_servers,
                    lame_duck_moves_the_client,
                    slow_consumer_keeps_the_connection_alive,
                    max_payload_boundary,
                    server_killed_mid_request,
                    protocol_violation_drops_the_connection,
                    discovered_servers_inherit_url_credentials,
                    frozen_server_does_not_block_publishers_or_close,
                    discovered_plain_server_is_used_with_tls,
                    huge_connect_urls_do_not_stall_publishers,
                    subscription_the_server_ends_connections_over_is_dropped,
                    max_control_line_option_refuses_long_subscriptions,
                    subscription_over_the_maximum_ends,
                    server_that_does_not_read_cannot_grow_the_client,
                }
                supercluster {
                    requests_and_queue_groups_cross_the_gateway,
                    failover_to_the_other_cluster,
                }
                keepalive {
                    pings_are_answered_during_a_publish_flood,
                }
                pool {
                    set_server_pool_keeps_or_moves_the_connection,
                    reconnect_callback_chooses_the_server,
                    local_address_binds_outgoing_connections,
                }
                websocket {
                    server_ping_and_a_frame_split_across_reads,
                    server_close_frame_with_a_reason,
                    path_and_headers_through_a_proxy,
                }
            );
        }
    };
    (@groups $client:ty; $( $group:ident { $( $(#[$attr:meta])* $case:ident ),* $(,)? } )*) => {
        $(
            mod $group {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[test]
                    $(#[$attr])*
                    fn $case() {
                        crate::cases::$group::$case::<$client>();
                    }
                )*
            }
        )*
    };
}

/// Instantiates the cases that run over every transport, for one client
/// implementation and one transport: `transport_tests!(tokio_ws,
/// ClientType, Transport::WsCompressed)` makes `tokio_ws::pubsub::...`. The
/// cases are the plain suite's; `support::transport` points their servers
/// and connections at a WebSocket listener.
macro_rules! transport_tests {
    ($module:ident, $client:ty, $transport:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            transport_tests!(@groups $client, $transport;
                connect {
                    connects_to_a_list,
                    a_connect_timeout_too_long_for_the_clock_connects,
                    name_shows_in_connz,
                    no_echo_suppresses_own_messages,
                    inbox_prefix_is_used,
                    dropping_the_last_handle_closes_the_connection,
                    verbose_and_pedantic_connections_work,
                }
                reconnect {
                    max_reconnects_closes_the_client,
                    no_reconnect_closes_on_the_first_loss,
                    reconnect_buffer_size_limits_buffering,
                    zero_reconnect_buffer_refuses_publishing_while_disconnected,
                    restart_delivers_buffered_work_and_restores_subscriptions,
                    force_reconnect_keeps_subscriptions,
                    connection_state_follows_the_connection,
                    unsubscribed_while_down_stays_unsubscribed,
                    close_while_reconnecting_returns_promptly,
                    requests_work_again_after_a_restart,
                }
                pubsub {
                    publish_and_subscribe,
                    messages_keep_their_order,
                    a_burst_leaves_without_a_flush,
                    large_payloads_round_trip,
                    large_messages_arrive_intact_while_some_are_held,
                    every_payload_form_round_trips,
                    publish_with_reply_carries_the_reply_subject,
                    headers_round_trip,
                    queue_groups_share_the_messages,
                    flush_means_the_server_processed_everything,
                    flush_with_a_timeout_too_long_for_the_clock_completes,
                    unsubscribe_stops_delivery,
                    unsubscribe_after_counts_messages,
                    subscription_drain_delivers_what_was_sent,
                    dropping_a_subscriber_unsubscribes,
                    publish_json_round_trips,
                    publishing_past_the_write_buffer_limit,
                    publishing_short_messages_past_the_copied_limit,
                }
                requests {
                    request_gets_a_reply,
                    concurrent_requests_get_their_own_replies,
                    request_with_headers_and_timeout,
                    no_responders_fail_fast,
                    slow_responder_times_out,
                    request_many_collects_up_to_max_messages,
                    request_many_ends_at_the_sentinel,
                    request_json_round_trips,
                    rtt_measures_a_round_trip,
                }
                drain {
                    drain_delivers_messages_sent_before_it,
                    drain_flushes_own_publishes,
                    close_writes_what_was_published,
                }
                auth {
                    user_and_password,
                    token,
                    nkey_seed,
                    creds_file_and_text,
                }
            );
        }
    };
    (@groups $client:ty, $transport:expr; $( $group:ident { $( $case:ident ),* $(,)? } )*) => {
        $(
            mod $group {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[test]
                    fn $case() {
                        crate::support::transport::run_with(
                            $transport,
                            crate::cases::$group::$case::<$client>,
                        );
                    }
                )*
            }
        )*
    };
}

suite_tests!(tokio, async_client::AsyncClient<tokio_runtime::Tokio>);
suite_tests!(
    async_std,
    async_client::AsyncClient<async_std_runtime::AsyncStd>
);
suite_tests!(blocking, blocking_client::BlockingClient);

use support::transport::Transport;
transport_tests!(
    tokio_ws,
    async_client::AsyncClient<tokio_runtime::Tokio>,
    Transport::WsCompressed
);
transport_tests!(
    tokio_wss,
    async_client::AsyncClient<tokio_runtime::Tokio>,
    Transport::Wss
);
transport_tests!(
    async_std_ws,
    async_client::AsyncClient<async_std_runtime::AsyncStd>,
    Transport::WsCompressed
);
transport_tests!(
    async_std_wss,
    async_client::AsyncClient<async_std_runtime::AsyncStd>,
    Transport::Wss
);
transport_tests!(
    blocking_ws,
    blocking_client::BlockingClient,
    Transport::WsCompressed
);
transport_tests!(
    blocking_wss,
    blocking_client::BlockingClient,
    Transport::Wss
);
