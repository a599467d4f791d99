//! nats-bench: the natrs benchmark program, with the command line of the peers rig
//! (`../shared/peers`):
//!
//! ```text
//! nats-bench [--runtime tokio|async-std|async-std-thread|blocking] <scenario> [<url> <count> <size>]
//! ```
//!
//! `async-std` runs natrs-async-std with its default driver (a task on the
//! executor async-std runs on) and the benchmark's own tasks on async-std;
//! `async-std-thread` runs the drivers on threads of their own instead
//! (`AsyncIoRuntime::driver_threads`).
//!
//! Scenarios: `pub`, `pubsub`, `reqrep`, `js_pub`, `js_fetch` (one module
//! per runtime), and the families written once for every runtime: `kv_put`,
//! `kv_get` ([`kv`]), `obj_put`, `obj_get` ([`object`]), `fanout`,
//! `subs_many` ([`fanout`]), `reqrep_load` ([`load`]). Prints one
//! `RESULT client=... scenario=... msgs=... size=... secs=... rate=...` line, or
//! `UNSUPPORTED ...` with exit code 3. Without a URL it starts a throwaway local
//! nats-server (with JetStream) and uses the rig's default count and size; the
//! URL `local` starts one too, with the count and size given.
//!
//! The URL may be `ws://` or `wss://` (a server's websocket listener); with
//! `NATRS_BENCH_WS_COMPRESSION=1` in the environment the client offers
//! permessage-deflate, so a server with `compression: true` compresses what it
//! sends. On natrs-blocking `subs_many` runs its handlers on a pool of one
//! thread; `NATRS_BENCH_HANDLER_THREADS=n` sets another size (`0`: a thread
//! per handler).
//!
//! Resident memory is measured by a program of its own, `natrs-mem`
//! (`src/bin/natrs-mem.rs`).

mod async_rt;
mod async_std_rt;
mod blocking_rt;
mod fanout;
mod kv;
mod load;
mod object;
mod report;
mod tokio_rt;

use async_rt::AsyncRt;
use report::{BenchError, Outcome};
use std::process::ExitCode;

/// Runs a scenario of the families on an async runtime (`None`: unknown).
async fn run_family<R: AsyncRt>(
    rt: &R,
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    match scenario {
        "kv_put" | "kv_get" => kv::run(rt, scenario, url, n, size).await,
        "obj_put" | "obj_get" => object::run(rt, scenario, url, n, size).await,
        "reqrep_load" => load::run(rt, url, n, size).await,
        _ => fanout::run(rt, scenario, url, n, size).await,
    }
}

/// [`run_family`] on natrs-blocking.
fn run_family_blocking(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    match scenario {
        "kv_put" | "kv_get" => kv::run_blocking(scenario, url, n, size),
        "obj_put" | "obj_get" => object::run_blocking(scenario, url, n, size),
        "reqrep_load" => load::run_blocking(url, n, size),
        _ => fanout::run_blocking(scenario, url, n, size),
    }
}

/// What to run.
struct Args {
    runtime: String,
    scenario: String,
    url: Option<String>,
    count: u64,
    size: usize,
}

/// The options every benchmark connection starts from: no pending limits,
/// and permessage-deflate offered when `NATRS_BENCH_WS_COMPRESSION=1`.
pub(crate) fn base_options() -> natrs_tokio::ConnectOptions {
    let compression = std::env::var("NATRS_BENCH_WS_COMPRESSION").is_ok_and(|v| v == "1");
    natrs_tokio::ConnectOptions::new()
        .subscription_pending_limits(usize::MAX, usize::MAX)
        .websocket_compression(compression)
}

const USAGE: &str = "\
usage: nats-bench [--runtime tokio|async-std|async-std-thread|blocking] <scenario> [<url> <count> <size>]

scenarios (default count x size without a URL; then a local nats-server is started):
  pub          2M x 16 B publishes, then a flush
  pubsub       1M x 16 B, one subscriber connection
  reqrep       20k x 16 B sequential requests to an echo responder (p50/p99)
  js_pub       200k x 16 B JetStream async publishes, 4000 acks outstanding at most
  js_fetch     200k x 16 B fetched in batches of 500 and acked
  kv_put       10k x 128 B KV puts to keys k.0..k.999 (p50/p99, direct=)
  kv_get       10k x 128 B KV gets of k.0..k.999 (p50/p99, direct=)
  obj_put      one 64 MiB object in 128 KiB chunks (count: bytes; mbps=, chunks=)
  obj_get      the same object read back, SHA-256 digest checked
  fanout       400k x 16 B, four subscriber connections
  subs_many    500k x 16 B over 10,000 subscriptions on one connection (blocking: handlers
               on a pool of NATRS_BENCH_HANDLER_THREADS threads, default 1; 0: one each)
  reqrep_load  5k x 16 B requests while a third connection publishes flat out (load_rate=)

<url> `local` starts a throwaway local nats-server, as no URL does.
Prints one RESULT line (the peers rig's format), or UNSUPPORTED with exit code 3.";

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

fn parse_args() -> Option<Args> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runtime = String::from("tokio");
    if args.first().map(String::as_str) == Some("--runtime") {
        if args.len() < 2 {
            return None;
        }
        runtime = args.remove(1);
        args.remove(0);
    } else if let Some(rt) = args.first().and_then(|a| a.strip_prefix("--runtime=")) {
        runtime = rt.to_string();
        args.remove(0);
    }
    let scenario = args.first()?.clone();
    let (default_count, default_size) = match scenario.as_str() {
        "pub" => (2_000_000, 16),
        "pubsub" => (1_000_000, 16),
        "reqrep" => (20_000, 16),
        "kv_put" | "kv_get" => (10_000, 128),
        "obj_put" | "obj_get" => (64 << 20, 128 << 10),
        "fanout" => (400_000, 16),
        "subs_many" => (500_000, 16),
        "reqrep_load" => (5_000, 16),
        _ => (200_000, 16),
    };
    Some(match args.len() {
        1 => Args {
            runtime,
            scenario,
            url: None,
            count: default_count,
            size: default_size,
        },
        4 => Args {
            runtime,
            scenario,
            url: Some(args[1].clone()),
            count: args[2].parse().ok()?,
            size: args[3].parse().ok()?,
        },
        _ => return None,
    })
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let Some(args) = parse_args() else {
        return usage();
    };
    // A local server when no URL is given (or `local`); stopped when
    // `_server` drops.
    let (_server, url) = match args.url.as_deref() {
        Some(url) if url != "local" => (None, url.to_string()),
        _ => match natrs_tests::Server::start() {
            Ok(server) => {
                let url = server.url();
                eprintln!("nats-bench: started a local nats-server at {url}");
                (Some(server), url)
            }
            Err(e) => {
                eprintln!("nats-bench: cannot start a local nats-server: {e}");
                return ExitCode::from(1);
            }
        },
    };
    let client = format!("natrs-{}", args.runtime);
    let outcome = match args.runtime.as_str() {
        "tokio" => tokio_rt::run(&args.scenario, &url, args.count, args.size),
        "blocking" => blocking_rt::run(&args.scenario, &url, args.count, args.size),
        "async-std" => async_std_rt::run(
            async_std_rt::Driver::Default,
            &args.scenario,
            &url,
            args.count,
            args.size,
        ),
        "async-std-thread" => async_std_rt::run(
            async_std_rt::Driver::Thread,
            &args.scenario,
            &url,
            args.count,
            args.size,
        ),
        _ => {
            eprintln!("nats-bench: unknown runtime {}", args.runtime);
            return usage();
        }
    };
    match outcome {
        Ok(Some(result)) => {
            println!(
                "{}",
                result.line(&client, &args.scenario, args.count, args.size)
            );
            ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("UNSUPPORTED client={client} scenario={}", args.scenario);
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("{client}: error: {e}");
            ExitCode::from(1)
        }
    }
}
