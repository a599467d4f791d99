//! JetStream, Key-Value, Object Store and the Service API, for every natrs runtime.
