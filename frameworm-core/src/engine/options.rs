//! How to run: the device (or devices), where progress goes, what to resume from, and the
//! Ctrl-C flag.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use burn::tensor::Device;

use super::progress::ProgressSink;

/// Where to resume from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// The newest run folder of this config's run name that has a checkpoint.
    Auto,
    /// A checkpoint folder, a run folder, or a `checkpoints` folder.
    Path(PathBuf),
}

/// How to run.
#[derive(Clone)]
pub struct TrainOptions {
    /// The device to train on (its autodiff form is used for training); with
    /// [`TrainOptions::data_parallel`], the first of several, which holds the model.
    pub device: Device,
    /// Further devices every step also runs on (data parallelism: each takes a slice of the
    /// global batch; `engine::parallel`); empty: one device.
    pub data_parallel: Vec<Device>,
    /// How messages name [`TrainOptions::device`] and then each of
    /// [`TrainOptions::data_parallel`] (the `--devices` entries as given, `device::DeviceList`);
    /// a device without a name here is shown in burn's debug form.
    pub device_names: Vec<String>,
    /// Where progress events go; `None` reports nothing.
    pub progress: Option<Arc<dyn ProgressSink>>,
    /// Continue from a checkpoint.
    pub resume: Option<Resume>,
    /// Set (by a Ctrl-C handler) to stop after the current step with a checkpoint.
    pub interrupt: Option<Arc<AtomicBool>>,
}

impl TrainOptions {
    /// Train on `device`, reporting nothing, with no resume and no interrupt flag.
    pub fn on(device: Device) -> Self {
        TrainOptions { device, data_parallel: Vec::new(), device_names: Vec::new(), progress: None, resume: None, interrupt: None }
    }
}

impl std::fmt::Debug for TrainOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainOptions")
            .field("device", &self.device)
            .field("data_parallel", &self.data_parallel)
            .field("device_names", &self.device_names)
            .field("progress", &self.progress.is_some())
            .field("resume", &self.resume)
            .field("interrupt", &self.interrupt.is_some())
            .finish()
    }
}

