#![allow(unreachable_pub)]

//! The JetStream behavioural suite: every case runs against a real
//! nats-server (started per case by the harness) once for each runtime
//! crate, through that crate's `jetstream` module.
//!
//! A case is a generic function `fn case<J: SuiteJs>()` in `cases/`, written
//! as blocking code against [`support::SuiteJs`]. The [`jetstream_tests!`]
//! macro turns the list of cases below into one `#[test]` per case and
//! runtime: `jetstream_tests!(tokio, ...)` makes
//! `tokio::streams::create_update_get_delete`, and so on. The async crates
//! share one implementation over natrs-jetstream's async API
//! (`async_js.rs`, driven by each runtime's `block_on`); natrs-blocking's is
//! its blocking facade (`blocking_js.rs`).
//!
//! ```text
//! cargo test -p natrs-tests --test jetstream_suite               # everything
//! cargo test -p natrs-tests --test jetstream_suite blocking::    # one runtime
//! cargo test -p natrs-tests --test jetstream_suite consume::     # one group, every runtime
//! ```

mod async_js;
mod async_only;
mod async_std_runtime;
mod blocking_js;
mod cases;
mod support;
mod tokio_runtime;

/// Instantiates every case for one [`support::SuiteJs`] implementation:
/// `jetstream_tests!(module_name, Type)` makes `mod module_name` with one
/// test per case, grouped in the same modules as `cases/`.
macro_rules! jetstream_tests {
    ($runtime:ident, $js:ty) => {
        mod $runtime {
            #[allow(unused_imports)]
            use super::*;
            jetstream_tests!(@groups $js;
                streams {
                    account_info_and_api_level,
                    full_config_round_trips_through_the_server,
                    create_update_get_delete,
                    sealed_streams_refuse_changes,
                    names_and_list_page_past_1024,
                    info_with_subject_details,
                    purges,
                    get_and_delete_messages,
                    direct_get_and_batches,
                    mirrors_and_sources,
                    per_message_ttl,
                }
                consumers {
                    create_and_update_actions,
                    durable_named_and_ephemeral,
                    filters_and_deliver_policies,
                    every_policy_field_round_trips,
                    names_and_list_page,
                    pause_and_resume,
                    reset_moves_the_consumer,
                }
                manage {
                    listings_page_lazily,
                    load_or_create_reports_differences,
                    reports_of_streams_and_consumers,
                }
                messages {
                    metadata_and_acknowledgements,
                    ack_subjects_carry_the_domain,
                }
                publish {
                    acks_and_dedupe_within_the_window,
                    expectation_headers_fail_with_typed_errors,
                    no_stream_is_retried_then_reported,
                    async_publish_retries_when_no_stream_answers,
                    domains_and_prefixes,
                    jetstream_not_enabled,
                    async_publish_keeps_a_bounded_window,
                    async_publish_from_several_threads,
                    async_publish_acks_time_out,
                    async_publish_with_a_long_inbox_prefix,
                    async_publish_across_a_server_restart,
                }
                consume {
                    fetch_batches_bytes_expiry_and_no_wait,
                    fetch_with_heartbeats_over_long_expiry,
                    consume_keeps_the_buffer_filled,
                    consume_ends_when_the_consumer_is_deleted,
                    consume_reports_missed_heartbeats_and_goes_on,
                    pull_consumer_across_a_server_restart,
                    push_consumer_with_flow_control_and_heartbeats,
                    push_consumer_without_acks,
                    queue_push_consumer_shares_the_messages,
                    ordered_consumer_survives_deletes_and_restarts,
                    ordered_consumer_with_filters_and_start,
                    stopping_a_consume_ends_it_after_the_buffer,
                    pinned_pulls_present_the_pin_id_until_refused,
                    fetch_heartbeat_must_be_under_half_the_expiry,
                    consume_backs_off_from_a_message_larger_than_max_bytes,
                    consume_pulls_again_at_once_after_a_refused_pull,
                }
                backup {
                    backup_restores_into_another_server,
                    a_backup_with_an_idle_time_too_long_for_the_clock_completes,
                    restore_onto_an_existing_stream_fails,
                    restore_under_a_new_name,
                    cancelled_restore_leaves_no_stream,
                    a_server_killed_mid_backup_fails_the_backup,
                    restore_with_three_replicas_placed_in_a_cluster,
                }
                cluster {
                    r3_stream_survives_losing_its_leader,
                }
                events {
                    stream_and_consumer_actions_and_api_audit,
                    delivery_advisories_and_ack_metrics,
                    snapshot_and_restore_advisories,
                    leader_elected_and_quorum_lost,
                    connections_auth_errors_and_stats,
                    lame_duck_and_shutdown,
                }
                leaf {
                    stream_kv_and_objects_through_the_domains,
                    kv_mirrored_into_the_other_domain,
                }
                supercluster {
                    r3_stream_placed_by_tag_rides_out_losing_its_leader,
                }
                soak {
                    async_publishes_through_three_restarts,
                    #[ignore = "the big soak, minutes long: run it with --ignored (see tests/README.md)"]
                    million_async_publishes_through_five_restarts,
                }
            );
        }
    };
    (@groups $js:ty; $( $group:ident { $( $(#[$attr:meta])* $case:ident ),* $(,)? } )*) => {
        $(
            mod $group {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[test]
                    $(#[$attr])*
                    fn $case() {
                        crate::cases::$group::$case::<$js>();
                    }
                )*
            }
        )*
    };
}

/// The JetStream cases that also run over WebSockets, for one
/// implementation and one transport (see `support::transport`).
macro_rules! jetstream_transport_tests {
    ($module:ident, $js:ty, $transport:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            jetstream_transport_tests!(@groups $js, $transport;
                streams {
                    create_update_get_delete,
                    get_and_delete_messages,
                    direct_get_and_batches,
                }
                consumers {
                    durable_named_and_ephemeral,
                }
                messages {
                    metadata_and_acknowledgements,
                }
                publish {
                    acks_and_dedupe_within_the_window,
                    async_publish_keeps_a_bounded_window,
                    async_publish_across_a_server_restart,
                }
                consume {
                    fetch_batches_bytes_expiry_and_no_wait,
                    consume_keeps_the_buffer_filled,
                    pull_consumer_across_a_server_restart,
                    ordered_consumer_with_filters_and_start,
                }
            );
        }
    };
    (@groups $js:ty, $transport:expr; $( $group:ident { $( $case:ident ),* $(,)? } )*) => {
        $(
            mod $group {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[test]
                    fn $case() {
                        crate::support::transport::run_with(
                            $transport,
                            crate::cases::$group::$case::<$js>,
                        );
                    }
                )*
            }
        )*
    };
}

jetstream_tests!(tokio, async_js::AsyncJs<tokio_runtime::Tokio>);
jetstream_tests!(async_std, async_js::AsyncJs<async_std_runtime::AsyncStd>);
jetstream_tests!(blocking, blocking_js::BlockingJs);

use support::transport::Transport;
jetstream_transport_tests!(
    tokio_ws,
    async_js::AsyncJs<tokio_runtime::Tokio>,
    Transport::WsCompressed
);
jetstream_transport_tests!(
    tokio_wss,
    async_js::AsyncJs<tokio_runtime::Tokio>,
    Transport::Wss
);
jetstream_transport_tests!(
    async_std_ws,
    async_js::AsyncJs<async_std_runtime::AsyncStd>,
    Transport::WsCompressed
);
jetstream_transport_tests!(
    async_std_wss,
    async_js::AsyncJs<async_std_runtime::AsyncStd>,
    Transport::Wss
);
jetstream_transport_tests!(
    blocking_ws,
    blocking_js::BlockingJs,
    Transport::WsCompressed
);
jetstream_transport_tests!(blocking_wss, blocking_js::BlockingJs, Transport::Wss);

/// Issue 18's backup case at its full size, 100,000 messages, on one
/// runtime: the transfer is the same code on every runtime, and the others
/// run it with 2,000 messages (`backup::backup_restores_into_another_server`).
mod backup_full_size {
    #[test]
    fn tokio_backup_restores_100000_messages() {
        crate::cases::backup::backup_restores_100000_messages::<
            crate::async_js::AsyncJs<crate::tokio_runtime::Tokio>,
        >();
    }
}

/// Cases that need an async executor's tasks.
mod async_tasks {
    #[test]
    fn tokio_async_publish_from_many_tasks() {
        crate::async_only::async_publish_from_many_tasks::<crate::tokio_runtime::Tokio>();
    }

    #[test]
    fn async_std_async_publish_from_many_tasks() {
        crate::async_only::async_publish_from_many_tasks::<crate::async_std_runtime::AsyncStd>();
    }

    #[test]
    fn tokio_dropped_restore_leaves_no_stream() {
        crate::async_only::dropped_restore_leaves_no_stream::<crate::tokio_runtime::Tokio>();
    }

    #[test]
    fn async_std_dropped_restore_leaves_no_stream() {
        crate::async_only::dropped_restore_leaves_no_stream::<crate::async_std_runtime::AsyncStd>();
    }
}
