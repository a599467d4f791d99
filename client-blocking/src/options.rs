//! [`BlockingOptions`]: the settings only natrs-blocking has, beside the
//! [`ConnectOptions`] every natrs runtime crate shares.

use natrs_client::ConnectOptions;

/// The options of a natrs-blocking connection: the [`ConnectOptions`] of
/// every natrs runtime crate, and how this crate runs handlers.
/// [`connect_with_options`](crate::connect_with_options) takes either.
///
/// ```no_run
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use natrs_blocking::{BlockingOptions, ConnectOptions};
/// let options = BlockingOptions::new(ConnectOptions::new().name("worker")).handler_threads(2);
/// let client = natrs_blocking::connect_with_options("nats://127.0.0.1:4222", options)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct BlockingOptions {
    pub(crate) connect: ConnectOptions,
    pub(crate) handler_threads: usize,
}

impl BlockingOptions {
    /// `connect`, with natrs-blocking's own settings at their defaults.
    pub fn new(connect: ConnectOptions) -> BlockingOptions {
        BlockingOptions {
            connect,
            handler_threads: 0,
        }
    }

    /// Runs the handlers of this client's handler subscriptions
    /// ([`Client::subscribe_with_handler`](crate::Client::subscribe_with_handler)
    /// and the queue group one) on a pool of `n` threads shared by all of
    /// them, instead of a thread for each subscription (the default, and what
    /// `0` asks for); nats.c's `natsOptions_UseGlobalMessageDelivery` makes the
    /// same trade.
    ///
    /// Each subscription keeps its guarantees: its handler gets one message at
    /// a time, in order, and every message delivered before the subscription
    /// ends; a pool thread hands one subscription at most 64 messages before
    /// the other waiting subscriptions get their turn. A handler that panics
    /// ends its own subscription only.
    ///
    /// The cost: a handler that blocks (sleeps, waits) holds its pool
    /// thread, and the subscriptions whose turn it is wait. A handler may
    /// publish and make requests: a reply goes to the requesting thread, not
    /// through the pool (but a request answered by a pooled handler of the
    /// same client needs another pool thread free). A handler that waits for
    /// another pooled subscription's work (its message, its end, a
    /// [`join`](crate::HandlerSubscription::join)) waits forever once every
    /// pool thread waits that way. With many subscriptions of short handlers
    /// the pool saves a thread, its stack and the switches to it per
    /// subscription.
    ///
    /// The threads (`natrs-handlers-N`) start with the first handler
    /// subscription and end when none is left.
    pub fn handler_threads(mut self, n: usize) -> BlockingOptions {
        self.handler_threads = n;
        self
    }
}

impl From<ConnectOptions> for BlockingOptions {
    fn from(connect: ConnectOptions) -> BlockingOptions {
        BlockingOptions::new(connect)
    }
}
