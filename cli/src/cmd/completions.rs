//! `natrs completions bash|zsh|fish`.

use clap::Args;
use clap_complete::Shell;

/// `natrs completions SHELL`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    shell: String,
}

pub(crate) fn run(args: &CompletionsArgs, command: &mut clap::Command) {
    let shell = match args.shell.as_str() {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        _ => Shell::Fish,
    };
    clap_complete::generate(shell, command, "natrs", &mut std::io::stdout());
}
