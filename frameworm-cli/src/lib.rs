//! `frameworm-cli`: the clap command line. It parses arguments, asks the core, and prints
//! tables for people or JSON for scripts; it holds no training logic.

mod args;
mod commands;
mod generate;
mod info;
mod load;
mod pipeline;
mod plot;
mod progress;
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
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
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
