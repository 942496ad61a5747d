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
    /// Train the model a config describes (Ctrl-C stops after the current step with a checkpoint).
    Train(TrainArgs),
    /// Show or validate a config.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// The config file and its overrides, shared by `train` and `config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Override a key: `--set training.epochs=3 --set optimizer.lr=1e-3` (values typed as YAML;
    /// list items by index: `callbacks.0.patience=2`). Beats the file and its `_base_` chain.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Train this model instead (`--set model.name=NAME`; the file's model settings are dropped).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
}

/// `frameworm train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The run config (YAML; may inherit others through `_base_`).
    #[arg(long, short, value_name = "CONFIG")]
    pub config: std::path::PathBuf,
    /// Overrides.
    #[command(flatten)]
    pub overrides: ConfigArgs,
    /// Continue a run: `auto` (the newest run folder of this config's name) or a checkpoint,
    /// checkpoints folder or run folder.
    #[arg(long, value_name = "auto|PATH")]
    pub resume: Option<String>,
    /// No progress bar and no per-epoch lines (the bar is also off when stderr is not a terminal).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `frameworm config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the merged config (its `_base_` chain, overrides and every component's defaults).
    Show {
        /// The config file.
        config: std::path::PathBuf,
        /// Overrides.
        #[command(flatten)]
        overrides: ConfigArgs,
        /// Print JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
    /// Check a config against the registry; exits non-zero listing every problem with its file:line.
    Validate {
        /// The config file.
        config: std::path::PathBuf,
        /// Overrides.
        #[command(flatten)]
        overrides: ConfigArgs,
    },
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
