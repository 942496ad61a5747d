//! Why a run failed, as a type: each variant carries what and where (a located config error,
//! a checkpoint or run-folder file, a hook's plugin, the step of a non-finite loss).

use super::checkpoint::CheckpointError;
use super::run_dir::{LockError, RunDirError};
use crate::config::ConfigError;
use crate::contract::{ComponentError, HookFailure, StepError};
use crate::session::PlanError;

/// A run failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The config is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A checkpoint could not be written or read.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The run folder could not be written.
    #[error(transparent)]
    RunDir(#[from] RunDirError),
    /// Another process trains into the run folder.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A hook failed or panicked.
    #[error(transparent)]
    Hook(#[from] HookFailure),
    /// A component failed while training.
    #[error(transparent)]
    Component(#[from] ComponentError),
    /// Loading a batch failed.
    #[error("loading data: {0}")]
    Data(String),
    /// The loss became NaN or infinite.
    #[error("the loss is {value} at epoch {epoch}, batch {batch} (step {step}); the last good checkpoint is kept. Lower `optimizer.lr`, set `optimizer.grad_clip_norm`, or check the data")]
    NonFinite {
        /// The value.
        value: f64,
        /// The epoch (1-based).
        epoch: usize,
        /// The batch (1-based).
        batch: usize,
        /// The step.
        step: u64,
    },
    /// Resuming is impossible.
    #[error("cannot resume: {0}")]
    Resume(String),
    /// A device stopped answering mid-run (a `frameworm serve` server killed or unreachable).
    #[error(
        "device `{name}` ({position} of {count}) stopped answering at epoch {epoch}, after step {step}: {reason}; {}",
        match checkpoint {
            Some(path) => format!("the last checkpoint is intact: resume on the devices still up with `--resume {}` (same global batch)", path.display()),
            None => "no checkpoint had been written yet".to_string(),
        }
    )]
    DeviceLost {
        /// The device as given (`ws://HOST:PORT`).
        name: String,
        /// Its position in the device list, from 1.
        position: usize,
        /// How many devices the run had.
        count: usize,
        /// What asking it gave.
        reason: String,
        /// The epoch that was running, from 1.
        epoch: usize,
        /// Steps completed.
        step: u64,
        /// The last checkpoint written (or resumed from).
        checkpoint: Option<std::path::PathBuf>,
    },
    /// A request that cannot be carried out as asked (e.g. sampling from a classifier).
    #[error("{0}")]
    Usage(String),
}

impl From<PlanError> for TrainError {
    fn from(error: PlanError) -> Self {
        match error {
            PlanError::Config(error) => TrainError::Config(error),
            PlanError::Data(message) => TrainError::Data(message),
        }
    }
}

impl From<StepError> for TrainError {
    fn from(error: StepError) -> Self {
        match error {
            StepError::Hook(failure) => TrainError::Hook(failure),
            StepError::Component(error) => TrainError::Component(error),
        }
    }
}

