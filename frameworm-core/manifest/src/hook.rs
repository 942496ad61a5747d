//! The hook reference: one static table of every hook, its argument and when the engine fires it.
//!
//! `plugin.yaml`'s `hooks:` list is validated against it, `frameworm hooks list` prints it, the
//! README's hooks reference mirrors it, and `frameworm_core::HookRegistry` dispatches on it.

use std::fmt;

/// A point in the training life cycle at which subscribers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hook {
    /// Once, before the first epoch.
    TrainBegin,
    /// Once, after the last epoch (also after a stop request).
    TrainEnd,
    /// At the start of every epoch.
    EpochBegin,
    /// At the end of every epoch, with the epoch's metrics.
    EpochEnd,
    /// Before every training batch.
    BatchBegin,
    /// After every optimizer step, with the batch loss.
    BatchEnd,
    /// After the forward pass, before backward, with the loss.
    BackwardBegin,
    /// After backward, before the optimizer step.
    BackwardEnd,
    /// Just before the optimizer updates the parameters.
    OptimizerStep,
    /// Before a validation pass.
    ValidationBegin,
    /// After a validation pass, with the validation metrics.
    ValidationEnd,
    /// After a checkpoint is written, with its path.
    CheckpointSave,
    /// After a checkpoint is loaded, with what was restored.
    CheckpointLoad,
    /// After a model is exported, with the format.
    ModelExport,
    /// When training fails, with the error.
    Error,
}

impl Hook {
    /// Every hook, in the order of the reference table.
    pub const ALL: [Hook; 15] = [
        Hook::TrainBegin,
        Hook::TrainEnd,
        Hook::EpochBegin,
        Hook::EpochEnd,
        Hook::BatchBegin,
        Hook::BatchEnd,
        Hook::BackwardBegin,
        Hook::BackwardEnd,
        Hook::OptimizerStep,
        Hook::ValidationBegin,
        Hook::ValidationEnd,
        Hook::CheckpointSave,
        Hook::CheckpointLoad,
        Hook::ModelExport,
        Hook::Error,
    ];

    /// The hook's name as written in plugin.yaml and method names (`on_epoch_end`).
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The argument the hook passes (empty when none).
    pub fn argument(self) -> &'static str {
        self.row().1
    }

    /// When the engine fires it.
    pub fn when(self) -> &'static str {
        self.row().2
    }

    fn row(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Hook::TrainBegin => ("on_train_begin", "", "once, before the first epoch"),
            Hook::TrainEnd => ("on_train_end", "", "once, after the last epoch or a stop request"),
            Hook::EpochBegin => ("on_epoch_begin", "", "at the start of every epoch"),
            Hook::EpochEnd => ("on_epoch_end", "metrics", "at the end of every epoch, after validation"),
            Hook::BatchBegin => ("on_batch_begin", "", "before the forward pass of every training batch"),
            Hook::BatchEnd => ("on_batch_end", "loss", "after the optimizer step of every training batch"),
            Hook::BackwardBegin => ("on_backward_begin", "loss", "after the forward pass, before backward"),
            Hook::BackwardEnd => ("on_backward_end", "", "after backward, before the optimizer step"),
            Hook::OptimizerStep => ("on_optimizer_step", "", "just before the optimizer updates parameters"),
            Hook::ValidationBegin => ("on_validation_begin", "", "before each validation pass"),
            Hook::ValidationEnd => ("on_validation_end", "metrics", "after each validation pass"),
            Hook::CheckpointSave => ("on_checkpoint_save", "path", "after a checkpoint is written"),
            Hook::CheckpointLoad => ("on_checkpoint_load", "checkpoint", "after a checkpoint is restored"),
            Hook::ModelExport => ("on_model_export", "format", "after a model is exported"),
            Hook::Error => ("on_error", "error", "when training fails, before the error is returned"),
        }
    }

    /// Parses a hook name (`on_epoch_end`).
    pub fn parse(name: &str) -> Option<Hook> {
        Hook::ALL.into_iter().find(|hook| hook.name() == name)
    }

    /// Every hook name, for did-you-mean suggestions.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Hook::ALL.into_iter().map(Hook::name)
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hook_parses_from_its_name() {
        for hook in Hook::ALL {
            assert_eq!(Hook::parse(hook.name()), Some(hook));
            assert!(hook.name().starts_with("on_"));
            assert!(!hook.when().is_empty());
        }
        assert_eq!(Hook::parse("on_epoch_ends"), None);
    }
}
