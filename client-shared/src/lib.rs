//! The runtime-independent half of every natrs client: handles, subscriptions, requests and the shared connection state that a runtime driver feeds.
