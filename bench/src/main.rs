//! nats-bench.
fn main() {}
