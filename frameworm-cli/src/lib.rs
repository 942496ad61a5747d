//! `frameworm-cli`: the clap command line. It parses arguments, asks the core, and prints
//! tables for people or JSON for scripts; it holds no training logic.

mod args;
mod commands;
mod generate;
mod info;
mod pipeline;
mod plot;
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
    let cli = Cli::parse();
    match commands::dispatch(cli, register) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
