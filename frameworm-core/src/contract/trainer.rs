//! The Trainer kind: what one training step and one validation step do.

use std::path::Path;

use burn::optim::ModuleOptimizer;

use super::batch::Batch;
use super::error::ComponentError;
use super::callback::HookEvent;
use super::event::{HookContext, HookFailure};
use super::subscribers::FireHooks;
use super::model::DynModel;
use super::scalar::Scalar;

/// What a step hands a trainer: the model, its optimizer, the learning rate and the hooks to
/// fire around backward and the optimizer step.
pub struct StepContext<'a> {
    /// The model being trained.
    pub model: &'a mut dyn DynModel,
    /// Its optimizer (extra optimizers, e.g. a GAN's second, live in the trainer itself).
    pub optimizer: &'a mut ModuleOptimizer,
    /// The learning rate for this step.
    pub lr: f64,
    /// Whether this is the epoch's last batch (a trainer accumulating gradients steps here).
    pub last_batch: bool,
    /// The hooks to fire (the run's [`RunHooks`](super::subscribers::RunHooks), or a
    /// [`HookRegistry`](super::subscribers::HookRegistry) in tests).
    pub hooks: &'a mut dyn FireHooks,
    /// Epoch, step and stop state shared with hooks.
    pub hook_context: &'a mut HookContext,
}

impl<'a> StepContext<'a> {
    /// The context of a validation step: the same model, optimizer and hooks, a learning rate
    /// of 0 and no epoch end (a validation step updates nothing).
    pub fn for_validation(
        model: &'a mut dyn DynModel,
        optimizer: &'a mut ModuleOptimizer,
        hooks: &'a mut dyn FireHooks,
        hook_context: &'a mut HookContext,
    ) -> Self {
        StepContext { model, optimizer, lr: 0.0, last_batch: false, hooks, hook_context }
    }

    /// Fires `event` on every subscriber.
    pub fn fire(&mut self, event: &HookEvent<'_>) -> Result<(), HookFailure> {
        self.hooks.fire(event, self.hook_context)
    }
}

/// The result of one step: the loss and named scalar metrics.
#[derive(Debug, Clone)]
pub struct StepOutput {
    /// The step's loss.
    pub loss: Scalar,
    /// Extra named metrics.
    pub metrics: Vec<(&'static str, Scalar)>,
}

/// A failure inside a step.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// A hook failed or panicked.
    #[error(transparent)]
    Hook(#[from] HookFailure),
    /// The trainer itself failed.
    #[error(transparent)]
    Component(#[from] ComponentError),
}

impl From<super::batch::FieldError> for StepError {
    fn from(error: super::batch::FieldError) -> Self {
        StepError::Component(error.into())
    }
}

/// A trainer plugin (the seed's `training_step` / `validation_step`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a trainer in a plugin.yaml but does not implement `frameworm_core::Trainer`",
    label = "declared as a trainer here",
    note = "add `impl frameworm_core::Trainer for {Self}` with `training_step` and `validation_step` (README: Plugin guide)"
)]
pub trait Trainer: Send {
    /// One optimisation step on `batch`; fires on_backward_begin/end and on_optimizer_step.
    fn training_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, batch_idx: usize) -> Result<StepOutput, StepError>;
    /// Evaluates `batch` without updating parameters.
    fn validation_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, batch_idx: usize) -> Result<StepOutput, StepError>;
    /// Refuses a model this trainer cannot train (e.g. a GAN trainer given a classifier), before
    /// the run starts: no run folder is created and the error names the config's `trainer`.
    fn check_model(&self, model: &dyn DynModel) -> Result<(), ComponentError> {
        let _ = model;
        Ok(())
    }
    /// Whether the trainer works through [`DynModel::compute_loss`], [`DynModel::gradients`]
    /// and [`DynModel::apply_gradients`] only, so the engine may hand it a model that spreads
    /// every step over several devices (`--devices`). A trainer that reaches the concrete model
    /// (`as_any`) or keeps optimizers of its own says no (the default), and a run on several
    /// devices is refused before it starts.
    fn data_parallel(&self) -> bool {
        false
    }
    /// Writes the trainer's own state (e.g. a second optimizer) into the checkpoint folder
    /// `dir` while it is being written; the folder becomes visible only once complete.
    fn save_state(&self, dir: &Path) -> Result<(), ComponentError> {
        let _ = dir;
        Ok(())
    }
    /// Restores what [`Trainer::save_state`] wrote into checkpoint folder `dir`.
    fn load_state(&mut self, dir: &Path) -> Result<(), ComponentError> {
        let _ = dir;
        Ok(())
    }
}
