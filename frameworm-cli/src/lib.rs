//! `frameworm-cli`: the clap command line. It parses arguments, asks the core, and prints
//! tables for people or JSON for scripts; it holds no training logic.

mod args;
mod commands;
mod completions;
mod generate;
mod info;
mod load;
mod pipeline;
mod plot;
mod progress;
mod serve;
mod table;
mod train;

use std::process::ExitCode;

use clap::Parser;
use frameworm_core::{Registrar, RegistryError};

pub use args::Cli;

/// The build-generated function that registers every plugin.
pub type RegisterFn = fn(&mut Registrar) -> Result<(), RegistryError>;

/// Parses the command line and runs it; errors print as `error: …` and exit with code 1
/// (clap's own usage errors exit with 2).
pub fn run(register: RegisterFn) -> ExitCode {
    run_with_args(std::env::args_os(), register)
}

/// `error` and its causes, `: `-separated, leaving out a cause whose text the message already
/// shows (most of Frameworm's errors print their cause themselves, with a hint after it).
fn report(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}

/// [`run`] with the arguments given (the first is the program name): for tools and tests that
/// drive the command line with a registration function of their own.
pub fn run_with_args<I, T>(args: I, register: RegisterFn) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    quiet_panics();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| commands::dispatch(cli, register))) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            eprintln!("error: {}", report(&error));
            ExitCode::FAILURE
        }
        Err(payload) => {
            let message = frameworm_core::panic_message(payload.as_ref());
            eprintln!(
                "error: internal error: {message}\nThis is a bug in Frameworm or one of its plugins; please report it with the \
                 command you ran (with RUST_BACKTRACE=1 set, the report shows where it happened)."
            );
            ExitCode::from(INTERNAL_ERROR)
        }
    }
}

/// Exit status of a run ended by an internal error (a panic no layer turned into an error), as
/// Rust reports an uncaught panic.
const INTERNAL_ERROR: u8 = 101;

/// Panics the core turns into errors (a hook's, one of burn's on a damaged file) are reported
/// once, as the error that names their source, and one nothing caught as an internal error
/// (above): the default hook would print each first as "thread … panicked at …" noise. With
/// `RUST_BACKTRACE` set the default hook stays, for whoever debugs.
fn quiet_panics() {
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
}

#[cfg(test)]
mod tests {
    use super::report;

    /// An error that prints its cause itself and also exposes it as its source.
    #[derive(Debug)]
    struct ShowsItsCause {
        source: std::io::Error,
    }

    impl std::fmt::Display for ShowsItsCause {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "model.bpk: cannot write: {}; free some space", self.source)
        }
    }

    impl std::error::Error for ShowsItsCause {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn a_cause_is_printed_once() {
        let cause = || std::io::Error::other("No space left on device");
        let shown = anyhow::Error::new(ShowsItsCause { source: cause() });
        assert_eq!(report(&shown), "model.bpk: cannot write: No space left on device; free some space");
        let hidden = anyhow::Error::new(cause()).context("cannot save model.bpk");
        assert_eq!(report(&hidden), "cannot save model.bpk: No space left on device");
    }
}
