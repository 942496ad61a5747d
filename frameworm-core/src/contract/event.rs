//! What hook subscribers see: the run state they read and write ([`HookContext`]), the
//! inference view of the model, stop requests, and the failure a subscriber's error becomes.
//! The events themselves are generated from the one hook table (see `callback.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::tensor::Device;
use frameworm_manifest::Hook;

use super::model::DynModel;

/// Named scalar metrics of an epoch or a validation pass.
pub type Metrics = BTreeMap<String, f64>;

/// What a subscriber returns: `Err` with a message fails the run (after on_error).
pub type HookResult = Result<(), String>;

/// A request to end training, with who asked and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    /// The plugin whose subscriber asked.
    pub plugin: String,
    /// Why.
    pub reason: String,
}

/// Run state visible to subscribers, and their channel back to the engine.
#[derive(Debug, Default, Clone)]
pub struct HookContext {
    /// The current epoch (0-based).
    pub epoch: usize,
    /// The global optimizer step count.
    pub step: u64,
    /// The batch index within the epoch (0-based): the running batch's in the batch hooks, 0 at
    /// `on_epoch_begin` (no batch of the epoch has run yet; resuming mid-epoch, the last batch
    /// done before the stop), the epoch's last batch's in the hooks that follow its batches
    /// (validation, `on_epoch_end`, `on_checkpoint_save`, `on_train_end`).
    pub batch_idx: usize,
    /// Training batches per epoch (0 before training starts).
    pub num_batches: usize,
    /// The number of epochs the run is configured for.
    pub max_epochs: usize,
    /// The run folder (`runs/<name>-<timestamp>/`), where callbacks may write files.
    pub run_dir: Option<std::path::PathBuf>,
    /// The plugin whose subscriber is running (set by the registry).
    pub plugin: String,
    /// An inference copy of the model, set by the engine before `on_train_begin` and refreshed
    /// before each `on_epoch_end`: for callbacks that sample or score it (e.g. `sample-grid`).
    pub model: Option<ModelView>,
    stop: Option<StopRequest>,
}

/// A read-only inference copy of the model being trained, and the device it lives on.
#[derive(Clone)]
pub struct ModelView {
    model: Arc<dyn DynModel>,
    device: Device,
}

impl ModelView {
    /// Wraps an inference copy of a model.
    pub fn new(model: Box<dyn DynModel>, device: Device) -> Self {
        ModelView { model: Arc::from(model), device }
    }

    /// The model.
    pub fn model(&self) -> &dyn DynModel {
        &*self.model
    }

    /// Its device.
    pub fn device(&self) -> &Device {
        &self.device
    }
}

impl std::fmt::Debug for ModelView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelView").field("model", &self.model.type_name()).field("device", &self.device).finish()
    }
}

impl HookContext {
    /// Asks training to stop cleanly after the current step.
    pub fn request_stop(&mut self, reason: impl Into<String>) {
        if self.stop.is_none() {
            self.stop = Some(StopRequest { plugin: self.plugin.clone(), reason: reason.into() });
        }
    }

    /// The first stop request, if any.
    pub fn stop_requested(&self) -> Option<&StopRequest> {
        self.stop.as_ref()
    }
}

/// A subscriber failed or panicked.
#[derive(Debug, Clone, thiserror::Error)]
#[error("hook `{hook}` of `{subscriber}` (plugin `{plugin}`) {what}: {message}")]
pub struct HookFailure {
    /// The hook that was firing.
    pub hook: Hook,
    /// The subscriber's name.
    pub subscriber: String,
    /// Its plugin.
    pub plugin: String,
    /// "failed" or "panicked".
    pub what: &'static str,
    /// The error or panic message.
    pub message: String,
}

