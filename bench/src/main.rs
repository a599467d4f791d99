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
//! Scenarios: `pub`, `pubsub`, `reqrep`, `js_pub`, `js_fetch`. Prints one
//! `RESULT client=... scenario=... msgs=... size=... secs=... rate=...` line, or
//! `UNSUPPORTED ...` with exit code 3. Without a URL it starts a throwaway local
//! nats-server (with JetStream) and uses the rig's default count and size.
//!
//! The URL may be `ws://` or `wss://` (a server's websocket listener); with
//! `NATRS_BENCH_WS_COMPRESSION=1` in the environment the client offers
//! permessage-deflate, so a server with `compression: true` compresses what it
//! sends.

mod async_std_rt;
mod blocking_rt;
mod report;
mod tokio_rt;

use std::process::ExitCode;

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

fn usage() -> ExitCode {
    eprintln!(
        "usage: nats-bench [--runtime tokio|async-std|async-std-thread|blocking] <scenario> [<url> <count> <size>]"
    );
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
    let Some(args) = parse_args() else {
        return usage();
    };
    // A local server when no URL is given; stopped when `_server` drops.
    let (_server, url) = match &args.url {
        Some(url) => (None, url.clone()),
        None => match natrs_tests::Server::start() {
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
