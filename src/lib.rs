//! Frameworm as a library: the registry of every plugin this build discovered, and the flows the
//! `frameworm` binary runs, callable from a Rust program, a test harness or a notebook.
//!
//! The registry is generated at build time by `build.rs` from every plugin.yaml (the same code
//! the binary runs — the binary is a few lines over this crate), so nothing is discovered at
//! run time and a plugin missing from it is a build error, not a lookup failure.
//!
//! Three flows:
//!
//! 1. **Build a component by name** from a config section, for data of a given schema:
//!
//! ```
//! use frameworm::core::burn::tensor::Device;
//! use frameworm::core::{FieldSpec, Schema};
//!
//! let registry = frameworm::registry()?;
//! // The plugin guide's model: one Linear(10, 5) layer (`tabular` with no hidden layer).
//! let section = frameworm::section("{hidden: []}")?;
//! let schema = Schema::new(vec![FieldSpec::float("features", [10]), FieldSpec::float("target", [5])]);
//! let model = registry.build_model("tabular", &section, &schema, &Device::default())?;
//! assert_eq!(model.num_params(), 10 * 5 + 5);
//! assert!(registry.build_model("tabulr", &section, &schema, &Device::default()).is_err()); // "did you mean `tabular`?"
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! 2. **Load a config and train it**, with a closure for progress instead of a terminal bar
//!    ([`load_config`] follows `_base_` and applies `--set`-style overrides; [`train`] runs
//!    it; `examples/train_vae.rs` does it end to end and draws samples).
//!
//! 3. **Load a checkpoint** and use it: [`load_trained`] for the model with its config and
//!    data schema, then [`evaluate`], [`sample`] or [`generate`] (`examples/predict.rs`).
//!
//! Hooks subscribe from code too: [`Registry::hooks_mut`](core::Registry::hooks_mut) takes
//! closures for any hook (`examples/on_epoch_end.rs`).
//!
//! Everything else — the plugin contract, configs, datasets, metrics — is
//! [`frameworm_core`], re-exported as [`core`].

pub use frameworm_core as core;
pub use frameworm_core::{
    Config, ConfigError, Override, ProgressEvent, Registry, RegistryError, Resume, TrainError, TrainOptions, TrainReport, Trained, evaluate,
    generate, load_trained, sample, train,
};

/// The registry generated at build time from every plugin.yaml.
mod generated {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}

/// Registers every plugin this build discovered, each after the plugins it depends on: what
/// [`registry`] calls, and what `frameworm_cli::run` takes.
pub use generated::register_plugins;

/// The registry of every plugin this build discovered.
pub fn registry() -> Result<Registry, RegistryError> {
    Registry::build(register_plugins, &[])
}

/// The registry without the plugins named in `disabled` (as `--disable-plugin`); disabling a
/// plugin others depend on is an error.
pub fn registry_without(disabled: &[String]) -> Result<Registry, RegistryError> {
    Registry::build(register_plugins, disabled)
}

/// The run config at `path` with its `_base_` chain, then `overrides` in order, each written as
/// on the command line after `--set` (`"training.epochs=3"`, `"model.latent_dim=4"`).
pub fn load_config(path: impl AsRef<std::path::Path>, overrides: &[&str]) -> Result<Config, ConfigError> {
    let overrides = overrides.iter().map(|text| Override::parse(text)).collect::<Result<Vec<_>, _>>()?;
    Config::load(path.as_ref(), &overrides)
}

/// A component's config section from YAML text (`"{latent_dim: 8}"`), for the registry's
/// `build_*` methods.
pub fn section(yaml: &str) -> Result<serde_yaml::Value, serde_yaml::Error> {
    serde_yaml::from_str(yaml)
}
