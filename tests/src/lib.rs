//! The natrs test harness (real nats-server processes) and the shared integration suite.
