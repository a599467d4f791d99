//! `natrs`: a command-line tool for NATS, built on the natrs library
//! (natrs-tokio and its JetStream module). Its commands and flags follow the
//! nats CLI's, and it reads the nats CLI's contexts.

mod cmd;
mod connect;
mod context;
mod diff;
mod duration;
mod interrupt;
mod output;
mod sanitize;

use clap::{CommandFactory, Parser, Subcommand};
use connect::ConnectArgs;
use std::process::ExitCode;

/// natrs: publish, subscribe, manage JetStream, KV and Object Store, query
/// services and run benchmarks against NATS servers.
#[derive(Debug, Parser)]
#[command(
    name = "natrs",
    version,
    about = "A command-line tool for NATS, built on the natrs library",
    after_help = "Examples:\n  natrs pub orders.new 'hello'\n  natrs sub 'orders.>' --count 10\n  natrs --context prod stream ls\n  natrs kv get settings color"
)]
pub(crate) struct Cli {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Print JSON instead of tables and text
    #[arg(short = 'j', long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// What every command gets besides its own arguments.
#[derive(Debug, Clone)]
pub(crate) struct Global {
    /// The connection flags.
    pub(crate) connect: ConnectArgs,
    /// `--json`.
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Publish messages
    #[command(
        name = "pub",
        after_help = "Examples:\n  natrs pub orders.new 'hello'\n  natrs pub orders.new 'hello' --count 5 --sleep 100ms -H source:cli\n  echo hello | natrs pub orders.new"
    )]
    Pub(cmd::publish::PubArgs),
    /// Subscribe to a subject and print the messages
    #[command(
        name = "sub",
        after_help = "Examples:\n  natrs sub 'orders.>'\n  natrs sub orders.new --queue workers --count 10 --timestamp\n  natrs sub orders.new --raw --json"
    )]
    Sub(cmd::subscribe::SubArgs),
    /// Send a request and print the reply
    #[command(
        name = "request",
        visible_alias = "req",
        after_help = "Example:\n  natrs request time.now '' --timeout 2s"
    )]
    Request(cmd::request::RequestArgs),
    /// Answer requests: echo them, send a fixed body, or run a command
    #[command(
        name = "reply",
        after_help = "Examples:\n  natrs reply echo.service --echo\n  natrs reply time.now --command date\n  natrs reply greet 'hello there' --queue greeters"
    )]
    Reply(cmd::request::ReplyArgs),
    /// Measure the round trip time to the server
    #[command(name = "rtt", after_help = "Example:\n  natrs rtt --iterations 10")]
    Rtt(cmd::rtt::RttArgs),
    /// Manage contexts (compatible with the nats CLI)
    #[command(
        subcommand,
        after_help = "Examples:\n  natrs context save prod --server nats://prod:4222 --select\n  natrs context ls\n  natrs context show prod --json"
    )]
    Context(cmd::context::ContextCommand),
    /// Key-Value buckets
    #[command(
        subcommand,
        after_help = "Examples:\n  natrs kv add settings --history 5\n  natrs kv put settings color blue\n  natrs kv get settings color --raw"
    )]
    Kv(cmd::kv::KvCommand),
    /// Object stores
    #[command(
        subcommand,
        visible_alias = "obj",
        after_help = "Examples:\n  natrs object add files\n  natrs object put files report.pdf\n  natrs object get files report.pdf --output /tmp/report.pdf"
    )]
    Object(cmd::object::ObjectCommand),
    /// JetStream streams
    #[command(
        subcommand,
        visible_alias = "str",
        after_help = "Examples:\n  natrs stream add ORDERS --subjects 'orders.>' --storage file\n  natrs stream ls --json\n  natrs stream purge ORDERS --subject orders.old --force"
    )]
    Stream(cmd::stream::StreamCommand),
    /// JetStream consumers
    #[command(
        subcommand,
        visible_alias = "con",
        after_help = "Examples:\n  natrs consumer add ORDERS worker --pull --ack explicit\n  natrs consumer next ORDERS worker --count 10"
    )]
    Consumer(cmd::consumer::ConsumerCommand),
    /// Services of the NATS Service API
    #[command(
        subcommand,
        after_help = "Examples:\n  natrs micro ls\n  natrs micro info calculator\n  natrs micro stats calculator --json"
    )]
    Micro(cmd::micro::MicroCommand),
    /// Watch advisories and server events
    #[command(
        name = "events",
        visible_alias = "event",
        after_help = "Examples:\n  natrs events\n  natrs events --stream ORDERS --js-metric\n  natrs events --all --json"
    )]
    Events(cmd::events::EventsArgs),
    /// Benchmarks: publishers, subscribers, request/reply, JetStream
    #[command(
        subcommand,
        after_help = "Examples:\n  natrs bench pub bench.x --clients 4 --msgs 1000000 --size 128\n  natrs bench js pub bench.js --clients 2 --msgs 100000"
    )]
    Bench(cmd::bench::BenchCommand),
    /// Print shell completions
    #[command(
        name = "completions",
        after_help = "Examples:\n  natrs completions bash > /etc/bash_completion.d/natrs\n  natrs completions zsh > ~/.zfunc/_natrs"
    )]
    Completions(cmd::completions::CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let global = Global {
        connect: cli.connect,
        json: cli.json,
    };
    if let Command::Completions(args) = &cli.command {
        cmd::completions::run(args, &mut Cli::command());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&anyhow::anyhow!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(run(cli.command, global));
    // Don't wait for tasks still blocked on stdin or a socket.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Prints the error on one line and gives the failure exit code.
fn fail(e: &anyhow::Error) -> ExitCode {
    let text = format!("{e:#}").replace(['\n', '\r'], " ");
    eprintln!("natrs: error: {text}");
    ExitCode::FAILURE
}

async fn run(command: Command, global: Global) -> anyhow::Result<()> {
    match command {
        Command::Pub(args) => cmd::publish::run(args, &global).await,
        Command::Sub(args) => cmd::subscribe::run(args, &global).await,
        Command::Request(args) => cmd::request::run_request(args, &global).await,
        Command::Reply(args) => cmd::request::run_reply(args, &global).await,
        Command::Rtt(args) => cmd::rtt::run(args, &global).await,
        Command::Context(command) => cmd::context::run(command, &global),
        Command::Kv(command) => cmd::kv::run(command, &global).await,
        Command::Object(command) => cmd::object::run(command, &global).await,
        Command::Stream(command) => cmd::stream::run(command, &global).await,
        Command::Consumer(command) => cmd::consumer::run(command, &global).await,
        Command::Micro(command) => cmd::micro::run(command, &global).await,
        Command::Events(args) => cmd::events::run(args, &global).await,
        Command::Bench(command) => cmd::bench::run(command, &global).await,
        Command::Completions(_) => Ok(()),
    }
}
