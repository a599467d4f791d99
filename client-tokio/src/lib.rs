//! The natrs NATS client on tokio.
