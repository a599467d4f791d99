//! The natrs NATS client on async-io: runs under async-std, smol or any executor.
