//! The `natrs` command-line tool, driven as a process against real
//! nats-servers from the harness.

mod auth;
mod bench;
mod context;
mod core;
mod kv;
mod micro;
mod object;
mod ops;
mod stream;
mod support;
