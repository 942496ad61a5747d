//! The command-line grammar (clap derive): one table that drives parsing and `--help`.

use clap::{Args, Parser, Subcommand};

/// Frameworm: config-driven deep-learning training with compile-time plugins.
#[derive(Debug, Parser)]
#[command(name = "frameworm", version, about, propagate_version = true)]
pub struct Cli {
    /// Disable a plugin for this run without rebuilding (repeatable).
    #[arg(long = "disable-plugin", value_name = "NAME", global = true)]
    pub disable_plugin: Vec<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, inspect, search and create plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Print the registry summary: plugins and components per kind.
    Registry(JsonFlag),
    /// Inspect hook subscribers.
    #[command(subcommand)]
    Hooks(HooksCommand),
}

/// `--json` for scripts.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `frameworm plugins …`
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// List plugins (with -v, every component).
    List {
        /// Show each component with its kind, type and source.
        #[arg(short, long)]
        verbose: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one plugin, or one component by name or `plugin::name`.
    Info {
        /// A plugin or component name.
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Find components by substring or `*` wildcard across kinds (`"*gan*"`).
    Search {
        /// The query.
        query: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Scaffold a new plugin crate under plugins/ and wire it into the workspace.
    Create {
        /// The plugin name (lowercase letters, digits, `-`, `_`).
        name: String,
        /// The kind of component to scaffold.
        #[arg(long, default_value = "model")]
        kind: String,
    },
}

/// `frameworm hooks …`
#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Print every hook subscriber in the order they run.
    List(JsonFlag),
}
