//! [`RunPlan::new`]: the one place a run's config is checked against the registry and each of
//! its components is built, in the order the errors should surface.

use std::collections::BTreeSet;

use burn::tensor::Device;
use frameworm_manifest::{Hook, Kind};

use super::data::{RunData, check_fields, prepare_data};
use super::error::PlanError;
use super::locate::{check, locate, resolved};
use super::monitor::{Monitor, probe_metrics, unknown_metric};
use crate::config::{ComponentRef, Config, ConfigError};
use crate::contract::{Callback, DynModel, NamedMetric, RegistryError, Trainer};
use crate::registry::Registry;

/// One of the run's own callbacks (from the config's `callbacks:` list), built.
pub struct PlannedCallback {
    /// Its plugin.
    pub plugin: String,
    /// Its component name.
    pub name: String,
    /// The hooks its plugin declares (shown by `hooks list`).
    pub hooks: Vec<Hook>,
    /// The callback.
    pub callback: Box<dyn Callback>,
}

/// A run, planned: data, built components, the metrics it produces and the one it monitors.
pub struct RunPlan {
    /// The training and held-out items and their shape.
    pub data: RunData,
    /// The model, on the training (autodiff) device, initialised from `seed`.
    pub model: Box<dyn DynModel>,
    /// The trainer.
    pub trainer: Box<dyn Trainer>,
    /// The metric plugins scored on validation data.
    pub metrics: Vec<NamedMetric>,
    /// The run's own callbacks, in config order.
    pub callbacks: Vec<PlannedCallback>,
    /// Every epoch metric the run produces (the columns of `metrics.csv`).
    pub columns: BTreeSet<String>,
    /// The metric `best` checkpoints follow.
    pub monitor: Monitor,
    /// The config with every default filled in, as YAML (the run folder's `config.yaml`).
    pub resolved_config: String,
}

impl RunPlan {
    /// Plans the run `config` describes, evaluating on `device` and training on `train_device`.
    pub fn new(registry: &Registry, config: &Config, device: &Device, train_device: &Device) -> Result<RunPlan, PlanError> {
        check(config, registry)?;
        let run = &config.run;
        let data = prepare_data(registry, config)?;
        device.seed(run.seed);
        train_device.seed(run.seed);
        check_fields(registry, config, &data.schema)?;
        let model = registry.build_model(&run.model.name, &run.model.section, &data.schema, train_device).map_err(|e| locate(config, "model", e))?;
        let trainer = registry.build_trainer(&run.trainer.name, &run.trainer.section).map_err(|e| locate(config, "trainer", e))?;
        trainer.check_model(&*model).map_err(|e| locate(config, "trainer", RegistryError::Component(e)))?;
        let metrics = build_metrics(registry, config)?;
        let callbacks = build_callbacks(registry, config)?;
        let validation = data.validation.is_some();
        let columns = probe_metrics(config, &*model, &data.train, validation, &metrics, device)?;
        let monitor = Monitor::choose(config, &columns, validation, &metrics)?;
        for (index, planned) in callbacks.iter().enumerate() {
            if let Some(wanted) = planned.callback.monitored_metrics().into_iter().find(|wanted| !columns.contains(wanted)) {
                let message = unknown_metric(&format!("callback `{}` monitors", planned.name), &wanted, &columns);
                return Err(config.error_at(&format!("callbacks.{index}"), message).into());
            }
        }
        let resolved_config = serde_yaml::to_string(&resolved(config, registry)).unwrap_or_default();
        Ok(RunPlan { data, model, trainer, metrics, callbacks, columns, monitor, resolved_config })
    }
}

/// The config's `metrics:` plugins, built.
fn build_metrics(registry: &Registry, config: &Config) -> Result<Vec<NamedMetric>, ConfigError> {
    let build = |(index, metric): (usize, &ComponentRef)| {
        let built = registry.build_metric(&metric.name, &metric.section).map_err(|e| locate(config, &format!("metrics.{index}"), e))?;
        Ok((metric.name.clone(), built))
    };
    config.run.metrics.iter().enumerate().map(build).collect()
}

/// The config's `callbacks:`, built, each with its plugin and the hooks the plugin declares.
fn build_callbacks(registry: &Registry, config: &Config) -> Result<Vec<PlannedCallback>, ConfigError> {
    let build = |(index, callback): (usize, &ComponentRef)| {
        let path = format!("callbacks.{index}");
        let built = registry.build_callback(&callback.name, &callback.section).map_err(|e| locate(config, &path, e))?;
        let meta = registry.metadata(Kind::Callback, &callback.name).map_err(|e| locate(config, &path, e))?;
        let hooks = registry.plugin(&meta.plugin).map(|p| p.hooks.to_vec()).unwrap_or_default();
        Ok(PlannedCallback { plugin: meta.plugin.clone(), name: meta.name.clone(), hooks, callback: built })
    };
    config.run.callbacks.iter().enumerate().map(build).collect()
}
