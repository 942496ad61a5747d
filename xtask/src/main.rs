//! `cargo xtask …`: developer chores for the Frameworm workspace (the cargo-xtask pattern).
//!
//! - `new-plugin NAME --kind K` scaffolds `plugins/NAME` and wires it in;
//! - `sync-plugins` re-derives workspace members and the binary's plugin dependencies;
//! - `check` validates every plugin.yaml with the build script's validator, compiling nothing;
//! - `man [--out DIR]` writes the man pages (`frameworm manpage`, clap_mangen) of a release build.
//!
//! Each task runs against a workspace root it is given and returns the lines it reports, so the
//! tests (`tests.rs`) run them on scratch workspaces.

use std::path::{Path, PathBuf};

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
    /// Write the man pages, one per command, with `frameworm manpage` (builds the release binary).
    Man {
        /// The folder for the pages, relative to the workspace root.
        #[arg(long, default_value = "target/man")]
        out: PathBuf,
    },
}

/// The workspace around the current folder (where `cargo xtask` was run), else around xtask/.
fn workspace_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    frameworm_manifest::find_workspace_root(&cwd)
        .or_else(|| frameworm_manifest::find_workspace_root(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .context("not inside a Cargo workspace")
}

fn main() -> std::process::ExitCode {
    let xtask = Xtask::parse();
    match workspace_root().and_then(|root| run(xtask.command, &root)) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs `task` on the workspace at `root`; returns what it reports, a line each.
fn run(task: Task, root: &Path) -> Result<Vec<String>> {
    match task {
        Task::NewPlugin { name, kind } => new_plugin(root, &name, &kind),
        Task::SyncPlugins => sync_plugins(root),
        Task::Check => check(root),
        Task::Man { out } => man(root, &out),
    }
}

/// `man --out DIR`: `cargo run --release --bin frameworm -- manpage --out DIR` in `root`, so the
/// pages show this build's plugins; the pages written, a line each.
fn man(root: &Path, out: &Path) -> Result<Vec<String>> {
    let out = root.join(out);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["run", "--release", "--quiet", "--bin", "frameworm", "--", "manpage", "--out"])
        .arg(&out)
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("`frameworm manpage --out {}` failed ({status})", out.display());
    }
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .with_context(|| format!("{}: cannot list the man pages", out.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path().display().to_string()))
        .collect();
    pages.sort();
    Ok(pages)
}

/// `new-plugin NAME --kind KIND`.
fn new_plugin(root: &Path, name: &str, kind: &str) -> Result<Vec<String>> {
    let Some(kind) = Kind::parse(kind) else {
        bail!(
            "unknown kind `{kind}`{}; kinds: model, trainer, pipeline, dataset, metric, callback",
            suggest::did_you_mean(kind, Kind::ALL.map(Kind::name))
        );
    };
    let dir = scaffold::new_plugin(root, name, kind)?;
    Ok(vec![
        format!("created {} ({kind} plugin `{name}`) and wired it into Cargo.toml", dir.display()),
        "next: cargo build --release && cargo run --release -- plugins list".to_string(),
    ])
}

/// `sync-plugins`: what was added and removed.
fn sync_plugins(root: &Path) -> Result<Vec<String>> {
    let report = scaffold::sync_plugins(root)?;
    let mut lines: Vec<String> = report.added.iter().map(|path| format!("added   {path}")).collect();
    lines.extend(report.removed.iter().map(|path| format!("removed {path}")));
    if lines.is_empty() {
        lines.push("plugins already in sync".to_string());
    }
    Ok(lines)
}

/// `check`: every plugin, validated, in registration order.
fn check(root: &Path) -> Result<Vec<String>> {
    let version = FRAMEWORK_VERSION.parse().expect("the workspace version is semver");
    let plugins = discover(root, &[]).and_then(|plugins| validate(plugins, &version)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut lines = vec![format!("{} plugins valid:", plugins.len())];
    for plugin in &plugins {
        let components = plugin.manifest.provides.iter().count();
        lines.push(format!("  {} {} ({}, {components} components)", plugin.manifest.name, plugin.manifest.version, plugin.display_path));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests;
