//! `natrs events`: advisories, metrics and system events, one line each
//! (or pretty JSON), until Ctrl-C.

use crate::Global;
use crate::interrupt::Interrupt;
use anyhow::{Result, anyhow};
use clap::Args;
use futures_util::StreamExt;
use natrs_tokio::jetstream::events::{EventFamily, Events};
use std::io::Write;

/// `natrs events`.
#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    /// Every family: JetStream advisories and metrics, connections and the
    /// system events
    #[arg(short = 'a', long)]
    all: bool,
    /// JetStream advisories (the default when no family is chosen)
    #[arg(long = "js-advisory")]
    js_advisory: bool,
    /// JetStream metrics (sampled consumer acks)
    #[arg(long = "js-metric")]
    js_metric: bool,
    /// Only the advisories and metrics of this stream and its consumers
    #[arg(long)]
    stream: Option<String>,
    /// Clients connecting and disconnecting (needs a system account user)
    #[arg(short = 'c', long)]
    connections: bool,
    /// Server events: failed authentications, statistics, shutdown and lame
    /// duck (needs a system account user)
    #[arg(long = "sys", visible_alias = "srv-advisory")]
    sys: bool,
    /// Events on these subjects too, comma-separated or repeated (wildcards
    /// allowed)
    #[arg(long, value_delimiter = ',')]
    subjects: Vec<String>,
    /// Stop after this many events
    #[arg(long)]
    count: Option<u64>,
}

impl EventsArgs {
    /// The families the flags choose.
    fn families(&self) -> Vec<EventFamily> {
        let mut families = Vec::new();
        let stream = self.stream.as_ref();
        if self.all || self.js_advisory {
            families.push(match stream {
                Some(s) => EventFamily::stream_advisories(s),
                None => EventFamily::JetStreamAdvisories,
            });
        }
        if self.all || self.js_metric {
            families.push(match stream {
                Some(s) => EventFamily::stream_metrics(s),
                None => EventFamily::Metrics,
            });
        }
        if self.all || self.connections {
            families.push(EventFamily::Connections(None));
        }
        if self.all || self.sys {
            families.extend([
                EventFamily::AuthErrors,
                EventFamily::ServerStats,
                EventFamily::ServerLifecycle,
            ]);
        }
        families.extend(self.subjects.iter().cloned().map(EventFamily::Subject));
        if families.is_empty() {
            families.push(match stream {
                Some(s) => EventFamily::stream_advisories(s),
                None => EventFamily::JetStreamAdvisories,
            });
        }
        families
    }
}

pub(crate) async fn run(args: EventsArgs, global: &Global) -> Result<()> {
    let mut interrupt = Interrupt::new()?;
    let families = args.families();
    let client = global.connect.settings()?.connect().await?;
    let mut events = Events::subscribe(&client, &families)
        .map_err(|e| anyhow!("cannot subscribe to events: {e}"))?;
    client
        .flush()
        .await
        .map_err(|e| anyhow!("subscription not confirmed by the server: {e}"))?;
    let subjects: Vec<String> = families.iter().flat_map(|f| f.subjects()).collect();
    eprintln!("Listening for events on {}", subjects.join(", "));
    let mut received = 0u64;
    let mut interrupted = false;
    loop {
        let event = tokio::select! {
            event = events.next() => event,
            () = interrupt.wait() => {
                interrupted = true;
                break;
            }
        };
        let Some(event) = event else { break };
        let mut out = std::io::stdout().lock();
        match event {
            Ok(event) if global.json => writeln!(out, "{}", event.pretty_json())?,
            Ok(event) => writeln!(out, "{}", event.line())?,
            // A body that is not an event is reported and skipped.
            Err(bad) => eprintln!("natrs: {bad}"),
        }
        out.flush()?;
        received += 1;
        if args.count.is_some_and(|count| received >= count) {
            break;
        }
    }
    drop(events);
    client.drain().await.ok();
    if interrupted {
        eprintln!("Interrupted after {received} events");
    }
    Ok(())
}
