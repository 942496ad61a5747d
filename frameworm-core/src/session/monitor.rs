//! Which metrics a run will produce, found before training by evaluating one batch
//! ([`probe_metrics`]), and which of them checkpoints and callbacks watch: every name a
//! callback or `checkpoint.monitor` reads is checked against that set ([`Monitor::choose`]).

use std::collections::BTreeSet;

use burn::tensor::Device;

use crate::config::{Config, MonitorMode};
use crate::contract::{DynModel, NamedMetric, unsupported};
use crate::data::{self, Subset};

use super::error::PlanError;

/// The metric checkpoints track for `best`, and which way is better.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    /// The metric's name (`val_loss`).
    pub name: String,
    /// Whether larger is better.
    pub higher_is_better: bool,
}

impl Monitor {
    /// `checkpoint.monitor` (default `val_loss` with validation data, else `loss`), checked
    /// against `available`. A metric plugin knows which way is better; other names follow the
    /// mode's naming rule.
    pub fn choose(config: &Config, available: &BTreeSet<String>, validation: bool, metrics: &[NamedMetric]) -> Result<Monitor, PlanError> {
        let checkpoint = &config.run.checkpoint;
        let name = checkpoint.monitor.clone().unwrap_or_else(|| if validation { "val_loss".into() } else { "loss".into() });
        if !available.contains(&name) {
            let at = if checkpoint.monitor.is_some() { "checkpoint.monitor" } else { "checkpoint" };
            return Err(config.error_at(at, unknown_metric("checkpoint.monitor", &name, available)).into());
        }
        let plugin_metric = metrics.iter().find(|(metric, _)| name == *metric || name == format!("val_{metric}"));
        let higher_is_better = match (checkpoint.mode, plugin_metric) {
            (MonitorMode::Auto, Some((_, metric))) => metric.higher_is_better(),
            (mode, _) => mode.higher_is_better(&name),
        };
        Ok(Monitor { name, higher_is_better })
    }
}

/// The error for a metric name `what` reads that no component produces.
pub fn unknown_metric(what: &str, name: &str, available: &BTreeSet<String>) -> String {
    let hint = frameworm_manifest::suggest::did_you_mean(name, available.iter().map(String::as_str));
    let list: Vec<&str> = available.iter().map(String::as_str).collect();
    format!("{what} `{name}`, which no component of this run produces{hint}; available: {}", list.join(", "))
}

/// The epoch metric names this run will produce, found by evaluating one batch; also checks
/// that metric plugins have reconstructions and validation data to work on.
pub fn probe_metrics(
    config: &Config,
    model: &dyn DynModel,
    train: &Subset,
    validation: bool,
    metrics: &[NamedMetric],
    device: &Device,
) -> Result<BTreeSet<String>, PlanError> {
    let probe_size = config.run.data.batch_size.min(train.indices.len()).max(1);
    let loader = data::epoch_loader(train, probe_size, None, 0, 0, device);
    let batch = loader
        .iter()
        .next()
        .ok_or_else(|| PlanError::Data("the training set yields no batch".into()))?
        .map_err(|error| PlanError::Data(error.to_string()))?;
    let inference = model.inference();
    let output = inference
        .compute_loss(&batch)
        .map_err(|error| PlanError::Data(format!("model `{}` failed on the first batch: {error}", config.run.model.name)))?;
    let mut names: BTreeSet<String> = std::iter::once("loss".to_string()).chain(output.metrics.iter().map(|(n, _)| n.to_string())).collect();
    if !metrics.is_empty() {
        if !validation {
            return Err(config.error_at("metrics", "metric plugins are computed on validation data: set `data.val_split` or `val_dataset`").into());
        }
        for (index, (name, metric)) in metrics.iter().enumerate() {
            if names.contains(name) {
                return Err(config
                    .error_at(
                        &format!("metrics.{index}"),
                        format!("metric plugin `{name}` would overwrite the `val_{name}` that model `{}` already reports; remove it from `metrics`", config.run.model.name),
                    )
                    .into());
            }
            if let Some(problem) = unsupported(name, metric.source(), &*inference, &config.run.model.name, &batch) {
                return Err(config.error_at(&format!("metrics.{index}"), problem).into());
            }
        }
    }
    if validation {
        let val: Vec<String> = names.iter().map(|n| format!("val_{n}")).chain(metrics.iter().map(|(n, _)| format!("val_{n}"))).collect();
        names.extend(val);
    }
    names.insert("lr".into());
    Ok(names)
}
