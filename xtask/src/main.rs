//! `cargo xtask …`: developer chores for the Frameworm workspace (the cargo-xtask pattern).
//!
//! - `new-plugin NAME --kind K` scaffolds `plugins/NAME` and wires it in;
//! - `sync-plugins` re-derives workspace members and the binary's plugin dependencies;
//! - `check` validates every plugin.yaml with the build script's validator, compiling nothing.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use frameworm_manifest::{FRAMEWORK_VERSION, Kind, discover, scaffold, suggest, validate};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Frameworm developer tasks")]
struct Xtask {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Scaffold plugins/NAME with a working component of KIND and wire it into the workspace.
    NewPlugin {
        /// The plugin name (lowercase letters, digits, `-`, `_`).
        name: String,
        /// model | trainer | pipeline | dataset | metric | callback
        #[arg(long, default_value = "model")]
        kind: String,
    },
    /// Make the workspace members and the frameworm package's dependencies match plugins/.
    SyncPlugins,
    /// Validate every plugin.yaml and the plugin set without compiling.
    Check,
}

/// The workspace around the current folder (where `cargo xtask` was run), else around xtask/.
fn workspace_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    frameworm_manifest::find_workspace_root(&cwd)
        .or_else(|| frameworm_manifest::find_workspace_root(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))))
        .context("not inside a Cargo workspace")
}

fn main() -> std::process::ExitCode {
    match run(Xtask::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(xtask: Xtask) -> Result<()> {
    let root = workspace_root()?;
    match xtask.command {
        Task::NewPlugin { name, kind } => {
            let Some(kind) = Kind::parse(&kind) else {
                bail!(
                    "unknown kind `{kind}`{}; kinds: model, trainer, pipeline, dataset, metric, callback",
                    suggest::did_you_mean(&kind, Kind::ALL.map(Kind::name))
                );
            };
            let dir = scaffold::new_plugin(&root, &name, kind)?;
            println!("created {} ({kind} plugin `{name}`) and wired it into Cargo.toml", dir.display());
            println!("next: cargo build --release && cargo run --release -- plugins list");
        }
        Task::SyncPlugins => {
            let report = scaffold::sync_plugins(&root)?;
            for path in &report.added {
                println!("added   {path}");
            }
            for path in &report.removed {
                println!("removed {path}");
            }
            if report.added.is_empty() && report.removed.is_empty() {
                println!("plugins already in sync");
            }
        }
        Task::Check => {
            let version = FRAMEWORK_VERSION.parse().expect("the workspace version is semver");
            let plugins = discover(&root, &[]).and_then(|plugins| validate(plugins, &version)).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{} plugins valid:", plugins.len());
            for plugin in &plugins {
                let components = plugin.manifest.provides.iter().count();
                println!("  {} {} ({}, {components} components)", plugin.manifest.name, plugin.manifest.version, plugin.display_path);
            }
        }
    }
    Ok(())
}
