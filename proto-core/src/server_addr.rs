//! Server addresses: `nats://user:pass@host:port` URLs and lists of them.
