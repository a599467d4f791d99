//! Ctrl-C: commands that run until stopped (`sub`, `watch`, `bench`, `reply`)
//! end cleanly on SIGINT.

/// A SIGINT listener, registered when made, so a signal that comes before
/// the command waits for it is not lost.
pub(crate) struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    /// Starts listening for SIGINT.
    pub(crate) fn new() -> anyhow::Result<Interrupt> {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(|e| anyhow::anyhow!("cannot listen for Ctrl-C: {e}"))?;
            Ok(Interrupt { signal })
        }
        #[cfg(not(unix))]
        Ok(Interrupt {})
    }

    /// Resolves on the next SIGINT.
    pub(crate) async fn wait(&mut self) {
        #[cfg(unix)]
        {
            self.signal.recv().await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
