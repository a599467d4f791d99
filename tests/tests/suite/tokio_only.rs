//! Tests of what only the tokio crate has: subscriptions and events as
//! `Stream`s inside async code, and handles dropped outside any runtime.
