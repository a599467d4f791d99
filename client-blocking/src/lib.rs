//! The natrs NATS client on plain threads and std::net.
