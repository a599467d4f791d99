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

mod cases;
mod support;
mod tokio_client;
mod tokio_only;

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
                    connect_timeout_bounds_the_handshake,
                    retain_servers_order_connects_in_order,
                    discovered_servers_join_the_pool,
                    servers_discovered_event,
                }
                reconnect {
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

suite_tests!(tokio, tokio_client::TokioClient);
