//! The Callback kind: a hook subscriber object (the seed's `CallbackHook`). Every hook method has
//! a no-op default; implement the ones you need. Callbacks may also keep state across a resume.

use std::path::Path;

use crate::hooks::{HookContext, HookResult, Metrics};
use crate::scalar::Scalar;

/// What a checkpoint restored, passed to `on_checkpoint_load`.
#[derive(Debug, Clone)]
pub struct CheckpointInfo {
    /// The checkpoint folder or file.
    pub path: std::path::PathBuf,
    /// The epoch it was written after.
    pub epoch: usize,
    /// The global step it was written at.
    pub step: u64,
}

/// A callback plugin: any subset of the hook methods.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a callback in a plugin.yaml but does not implement `frameworm_core::Callback`",
    label = "declared as a callback here",
    note = "add `impl frameworm_core::Callback for {Self} {{}}` and override the hook methods you need (README: Hooks reference)"
)]
#[allow(unused_variables)]
pub trait Callback: Send {
    /// Once, before the first epoch.
    fn on_train_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        Ok(())
    }
    /// Once, after the last epoch or a stop request.
    fn on_train_end(&mut self, ctx: &mut HookContext) -> HookResult {
        Ok(())
    }
    /// At the start of every epoch.
    fn on_epoch_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        Ok(())
    }
    /// At the end of every epoch, with its metrics.
    fn on_epoch_end(&mut self, ctx: &mut HookContext, metrics: &Metrics) -> HookResult {
        Ok(())
    }
    /// Before every training batch.
    fn on_batch_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        Ok(())
    }
    /// After every optimizer step, with the batch loss.
    fn on_batch_end(&mut self, ctx: &mut HookContext, loss: &Scalar) -> HookResult {
        Ok(())
    }
    /// After the forward pass, before backward.
    fn on_backward_begin(&mut self, ctx: &mut HookContext, loss: &Scalar) -> HookResult {
        Ok(())
    }
    /// After backward, before the optimizer step.
    fn on_backward_end(&mut self, ctx: &mut HookContext) -> HookResult {
        Ok(())
    }
    /// Just before the optimizer updates the parameters.
    fn on_optimizer_step(&mut self, ctx: &mut HookContext) -> HookResult {
        Ok(())
    }
    /// Before each validation pass.
    fn on_validation_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        Ok(())
    }
    /// After each validation pass, with its metrics.
    fn on_validation_end(&mut self, ctx: &mut HookContext, metrics: &Metrics) -> HookResult {
        Ok(())
    }
    /// After a checkpoint is written.
    fn on_checkpoint_save(&mut self, ctx: &mut HookContext, path: &Path) -> HookResult {
        Ok(())
    }
    /// After a checkpoint is restored.
    fn on_checkpoint_load(&mut self, ctx: &mut HookContext, checkpoint: &CheckpointInfo) -> HookResult {
        Ok(())
    }
    /// After a model is exported.
    fn on_model_export(&mut self, ctx: &mut HookContext, format: &str) -> HookResult {
        Ok(())
    }
    /// When training fails.
    fn on_error(&mut self, ctx: &mut HookContext, error: &str) -> HookResult {
        Ok(())
    }
    /// Names of the epoch metrics this callback reads (e.g. `val_loss`). The engine checks them
    /// against what the model, the metric plugins and validation produce before training starts,
    /// so a typo fails at once instead of making the callback a silent no-op.
    fn monitored_metrics(&self) -> Vec<String> {
        Vec::new()
    }
    /// State to keep in checkpoints (e.g. early-stopping counters); `None` keeps nothing.
    fn save_state(&self) -> Option<serde_json::Value> {
        None
    }
    /// Restores what `save_state` returned.
    fn load_state(&mut self, state: serde_json::Value) -> HookResult {
        Ok(())
    }
}
