//! The consumer and publisher logic as sans-IO state machines: fed messages
//! and the time (`std::time::Instant` values the caller reads), they say what
//! to deliver, what to send and when to wake up. The async layer drives them;
//! unit tests drive them deterministically.

pub mod ack_window;
pub mod ordered;
pub mod pull;
pub mod push;
pub mod status;
