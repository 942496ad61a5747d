//! Config against registry, located once: every registry or component error about the
//! component at a config path becomes a [`ConfigError`] at that key's `file:line`
//! ([`locate`]), every component section is checked in one pass that reports all problems
//! ([`check`]), and the resolved config fills in each component's defaults ([`resolved`]).

use serde_yaml::Value;

use crate::config::{self, Config, ConfigError};
use crate::contract::{ComponentError, RegistryError};
use crate::registry::Registry;

/// Turns a registry or component error about the component at config path `path` (`model`,
/// `callbacks.0`) into a located one.
pub fn locate(config: &Config, path: &str, error: RegistryError) -> ConfigError {
    match error {
        RegistryError::Component(ComponentError::Config { section, key, message }) => config.error_in_section(&section, path, &key, &message),
        RegistryError::Unknown { .. } | RegistryError::Disabled { .. } => config.error_at(&format!("{path}.name"), error.to_string()),
        other => config.error_at(path, other.to_string()),
    }
}

/// Checks `config` against `registry`: every named component exists and every component
/// section parses. Reports every problem, each with its `file:line`.
pub fn check(config: &Config, registry: &Registry) -> Result<(), ConfigError> {
    let problems: Vec<ConfigError> = config
        .components()
        .into_iter()
        .filter_map(|(path, kind, component)| registry.check_config(kind, &component.name, &component.section).err().map(|error| locate(config, &path, error)))
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(config::many(problems)) }
}

/// The merged config with every component's registered defaults filled in: what the run uses.
pub fn resolved(config: &Config, registry: &Registry) -> Value {
    config.resolved(|kind, name| registry.default_config(kind, name).ok())
}
