//! Run configs: YAML files with `_base_` inheritance and command-line overrides ([`layers`]),
//! typed engine sections ([`sections`]), plugin component sections picked by `name`
//! ([`component_ref`]), and errors that point at `file:line` ([`positions`]). Layer 0: it knows
//! nothing of the registry; `session` checks component sections against it.

pub mod component_ref;
pub mod error;
pub mod layers;
pub mod positions;
pub mod sections;

use std::path::Path;

use frameworm_manifest::Kind;
use serde_yaml::Value;

pub use component_ref::ComponentRef;
pub use error::{ConfigError, error_key_and_message};
pub use layers::{ConfigFiles, FileSystem, LayeredConfig, MemoryFiles, Override};
pub use sections::{
    CheckpointConfig, DataConfig, MonitorMode, OptimizerConfig, OptimizerKind, PluginsConfig, RunConfig, SchedulerConfig,
    SchedulerKind, TrainingConfig, Precision,
};


/// A loaded run config: the merged tree with its provenance, and its typed form.
#[derive(Debug, Clone)]
pub struct Config {
    /// The merged YAML and where each key came from.
    pub layers: LayeredConfig,
    /// The typed form.
    pub run: RunConfig,
}

impl Config {
    /// Loads `path` (with its `_base_` chain), applies `overrides`, and parses the engine's
    /// sections. Component sections are checked against the registry by `session`.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Config, ConfigError> {
        Config::from_layers(LayeredConfig::load(path, overrides)?)
    }

    /// [`Config::load`] reading the files from `files` (e.g. [`MemoryFiles`] in tests and fuzzing).
    pub fn load_from(files: &dyn ConfigFiles, path: &Path, overrides: &[Override]) -> Result<Config, ConfigError> {
        Config::from_layers(LayeredConfig::load_from(files, path, overrides)?)
    }

    /// Parses an already merged config.
    pub fn from_layers(layers: LayeredConfig) -> Result<Config, ConfigError> {
        let run: RunConfig = serde_path_to_error::deserialize(layers.value.clone()).map_err(|error| {
            let (path, message) = error::error_key_and_message(error);
            located(&layers, &path, &message)
        })?;
        let config = Config { layers, run };
        let problems = config.engine_problems();
        if !problems.is_empty() {
            return Err(many(problems));
        }
        Ok(config)
    }

    /// A config from YAML text, without `_base_` files, labelled `label` in errors (tests,
    /// tools, pipelines that build configs).
    pub fn from_yaml(label: &str, text: &str) -> Result<Config, ConfigError> {
        let value: Value = serde_yaml::from_str(text).map_err(|error| ConfigError::Invalid { location: label.to_string(), message: error.to_string() })?;
        Config::from_layers(LayeredConfig::from_value(Path::new(label), value))
    }

    /// The run's name: `name:`, else the config file's stem.
    pub fn run_name(&self) -> String {
        self.run.name.clone().unwrap_or_else(|| {
            self.layers.path.file_stem().map_or_else(|| "run".to_string(), |s| s.to_string_lossy().into_owned())
        })
    }

    /// Every component the config names, as (config path, kind, reference).
    pub fn components(&self) -> Vec<(String, Kind, &ComponentRef)> {
        let run = &self.run;
        let mut all = vec![
            ("model".to_string(), Kind::Model, &run.model),
            ("dataset".to_string(), Kind::Dataset, &run.dataset),
            ("trainer".to_string(), Kind::Trainer, &run.trainer),
        ];
        if let Some(val) = &run.val_dataset {
            all.push(("val_dataset".to_string(), Kind::Dataset, val));
        }
        all.extend(run.callbacks.iter().enumerate().map(|(i, c)| (format!("callbacks.{i}"), Kind::Callback, c)));
        all.extend(run.metrics.iter().enumerate().map(|(i, m)| (format!("metrics.{i}"), Kind::Metric, m)));
        if let Some(pipeline) = &run.pipeline {
            all.push(("pipeline".to_string(), Kind::Pipeline, pipeline));
        }
        all
    }

    /// A located error at `key` inside the component section labelled `label` (`model.vae`)
    /// that sits at config path `path` (`model`): unknown fields name the section and offer a
    /// did-you-mean.
    pub fn error_in_section(&self, label: &str, path: &str, key: &str, message: &str) -> ConfigError {
        located_in(&self.layers, label, path, key, message)
    }

    /// A located error about the value at dotted `path`.
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { location: self.layers.locate(path), message: message.into() }
    }

    /// The merged config with every component's defaults filled in: what the run will use.
    /// `defaults` gives a component's default section by kind and name (the registry's).
    pub fn resolved(&self, defaults: impl Fn(Kind, &str) -> Option<Value>) -> Value {
        let mut value = serde_yaml::to_value(&self.run).unwrap_or(Value::Null);
        for (path, kind, component) in self.components() {
            let Some(mut full) = defaults(kind, &component.name) else { continue };
            if !full.is_mapping() {
                full = Value::Mapping(Default::default());
            }
            layers::merge(&mut full, component.section.clone());
            if let Value::Mapping(map) = &mut full {
                let mut named = serde_yaml::Mapping::new();
                named.insert("name".into(), Value::String(component.name.clone()));
                named.extend(std::mem::take(map));
                *map = named;
            }
            set_dotted(&mut value, &path, full);
        }
        value
    }

    /// Range checks of the engine's own sections.
    fn engine_problems(&self) -> Vec<ConfigError> {
        let run = &self.run;
        let mut problems = Vec::new();
        let mut check = |ok: bool, path: &str, message: &str| {
            if !ok {
                problems.push(self.error_at(path, format!("`{path}` {message}")));
            }
        };
        check(run.training.epochs > 0, "training.epochs", "must be at least 1");
        check(run.training.val_every > 0, "training.val_every", "must be at least 1");
        check(run.training.log_every > 0, "training.log_every", "must be at least 1");
        check(run.data.batch_size > 0, "data.batch_size", "must be at least 1");
        check(run.data.val_batch_size != Some(0), "data.val_batch_size", "must be at least 1");
        check((0.0..1.0).contains(&run.data.val_split), "data.val_split", "must be in [0, 1)");
        check(run.optimizer.lr.is_finite() && run.optimizer.lr > 0.0 && run.optimizer.lr <= 1.0, "optimizer.lr", "must be in (0, 1]");
        check(run.optimizer.eps > 0.0, "optimizer.eps", "must be positive");
        check(run.optimizer.betas.iter().all(|b| (0.0..1.0).contains(b)), "optimizer.betas", "must be in [0, 1)");
        check(run.optimizer.grad_clip_norm.is_none_or(|v| v > 0.0), "optimizer.grad_clip_norm", "must be positive");
        check(run.optimizer.grad_clip_value.is_none_or(|v| v > 0.0), "optimizer.grad_clip_value", "must be positive");
        check(
            run.optimizer.grad_clip_norm.is_none() || run.optimizer.grad_clip_value.is_none(),
            "optimizer.grad_clip_value",
            "cannot be combined with `grad_clip_norm`: pick one",
        );
        let sgd = run.optimizer.name == OptimizerKind::Sgd;
        check(sgd || run.optimizer.momentum == 0.0, "optimizer.momentum", "applies to `sgd` only (Adam has `betas`)");
        check(sgd || !run.optimizer.nesterov, "optimizer.nesterov", "applies to `sgd` only");
        check((0.0..1.0).contains(&run.optimizer.momentum), "optimizer.momentum", "must be in [0, 1)");
        check(run.scheduler.step_epochs > 0, "scheduler.step_epochs", "must be at least 1");
        check(run.scheduler.gamma > 0.0 && run.scheduler.gamma <= 1.0, "scheduler.gamma", "must be in (0, 1]");
        check((0.0..=1.0).contains(&run.scheduler.warmup_start) && run.scheduler.warmup_start > 0.0, "scheduler.warmup_start", "must be in (0, 1]");
        check(run.scheduler.min_lr >= 0.0 && run.scheduler.min_lr <= run.optimizer.lr, "scheduler.min_lr", "must be in [0, optimizer.lr]");
        check(run.scheduler.final_lr >= 0.0 && run.scheduler.final_lr <= 1.0, "scheduler.final_lr", "must be in [0, 1]");
        check(run.checkpoint.every > 0, "checkpoint.every", "must be at least 1");
        check(run.training.max_steps != Some(0), "training.max_steps", "must be at least 1");
        problems
    }
}

/// One error for `problems`: itself when there is one, else [`ConfigError::Many`].
pub fn many(mut problems: Vec<ConfigError>) -> ConfigError {
    if problems.len() == 1 { problems.remove(0) } else { ConfigError::Many(problems) }
}

/// An error in the engine's sections at `path` (relative to the root).
fn located(layers: &LayeredConfig, path: &str, message: &str) -> ConfigError {
    located_in(layers, "", "", path, message)
}

/// An error at `key` inside the section labelled `label` (`model.vae`), which sits at config
/// path `prefix` (`model`). Unknown fields name the section and offer a did-you-mean.
fn located_in(layers: &LayeredConfig, label: &str, prefix: &str, key: &str, message: &str) -> ConfigError {
    let message = frameworm_manifest::suggest::enrich_serde_message(message);
    let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}.{b}"),
    };
    let base = join(prefix, key);
    let field_marker = "unknown field `";
    if let Some(start) = message.find(field_marker) {
        let after = start + field_marker.len();
        if let Some(end) = message[after..].find('`') {
            let field = &message[after..after + end];
            let close = after + end + 1;
            let scope = join(label, key);
            let scope = if scope.is_empty() { "the config".to_string() } else { scope };
            return ConfigError::Invalid {
                location: layers.locate(&join(&base, field)),
                message: format!("{} in {scope}{}", &message[..close], &message[close..]),
            };
        }
    }
    let shown = join(label, key);
    let message = if shown.is_empty() || message.starts_with(&shown) { message } else { format!("`{shown}`: {message}") };
    ConfigError::Invalid { location: layers.locate(&base), message }
}

fn set_dotted(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    for segment in path.split('.') {
        node = match node {
            Value::Mapping(map) => map.entry(Value::String(segment.to_string())).or_insert(Value::Null),
            Value::Sequence(items) => match segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => item,
                None => return,
            },
            _ => return,
        };
    }
    *node = value;
}
