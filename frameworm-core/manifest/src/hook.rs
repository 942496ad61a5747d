//! The hook reference: one static table of every hook, its argument and when the engine fires it.
//!
//! `plugin.yaml`'s `hooks:` list is validated against it, `frameworm hooks list` prints it, the
//! README's hooks reference mirrors it, and `frameworm_core::HookRegistry` dispatches on it.

use std::fmt;

/// The one table of hooks: every other hook list (the [`Hook`] enum here, and in
/// `frameworm-core` the `HookEvent` enum, the `Callback` trait's methods and their dispatch) is
/// generated from it. Calls `$m!` with one row per hook:
/// `/// doc` `Variant(argument: Type)` (or `Variant` without one) `=> method_name, "when it fires";`.
/// The argument types are resolved where `$m` expands (`frameworm-core` names its own).
#[macro_export]
macro_rules! for_each_hook {
    ($m:ident) => {
        $m! {
            /// Once, before the first epoch.
            TrainBegin => on_train_begin, "once, before the first epoch";
            /// Once, after the last epoch (also after a stop request).
            TrainEnd => on_train_end, "once, after the last epoch or a stop request";
            /// At the start of every epoch.
            EpochBegin => on_epoch_begin, "at the start of every epoch";
            /// At the end of every epoch, with the epoch's metrics.
            EpochEnd(metrics: Metrics) => on_epoch_end, "at the end of every epoch, after validation";
            /// Before every training batch.
            BatchBegin => on_batch_begin, "before the forward pass of every training batch";
            /// After every optimizer step, with the batch loss.
            BatchEnd(loss: Scalar) => on_batch_end, "after the optimizer step of every training batch";
            /// After the forward pass, before backward, with the loss.
            BackwardBegin(loss: Scalar) => on_backward_begin, "after the forward pass, before backward";
            /// After backward, before the optimizer step.
            BackwardEnd => on_backward_end, "after backward, before the optimizer step";
            /// Just before the optimizer updates the parameters.
            OptimizerStep => on_optimizer_step, "just before the optimizer updates parameters";
            /// Before a validation pass.
            ValidationBegin => on_validation_begin, "before each validation pass";
            /// After a validation pass, with the validation metrics.
            ValidationEnd(metrics: Metrics) => on_validation_end, "after each validation pass";
            /// After a checkpoint is written, with its path.
            CheckpointSave(path: Path) => on_checkpoint_save, "after a checkpoint is written";
            /// After a checkpoint is loaded, with what was restored.
            CheckpointLoad(checkpoint: CheckpointInfo) => on_checkpoint_load, "after a checkpoint is restored";
            /// Before a model is exported (`frameworm export`), with the format; an error refuses the export.
            ModelExport(format: str) => on_model_export, "before a model is exported; an error refuses it";
            /// When training fails, with the error.
            Error(error: str) => on_error, "when training fails, before the error is returned";
        }
    };
}

macro_rules! define_hook {
    ($( $(#[doc = $doc:literal])* $variant:ident $(($arg:ident : $ty:ty))? => $method:ident, $when:literal; )*) => {
        /// A point in the training life cycle at which subscribers run.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Hook {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Hook {
            /// How many hooks there are.
            pub const COUNT: usize = [$(stringify!($variant)),*].len();

            /// Every hook, in the order of the reference table.
            pub const ALL: [Hook; Hook::COUNT] = [$(Hook::$variant),*];

            fn row(self) -> (&'static str, &'static str, &'static str) {
                match self {
                    $( Hook::$variant => (stringify!($method), concat!($(stringify!($arg))?), $when), )*
                }
            }
        }

        impl fmt::Display for Hook {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $( Hook::$variant => stringify!($method), )* })
            }
        }
    };
}

for_each_hook!(define_hook);

impl Hook {
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

    /// Parses a hook name (`on_epoch_end`).
    pub fn parse(name: &str) -> Option<Hook> {
        Hook::ALL.into_iter().find(|hook| hook.name() == name)
    }

    /// Every hook name, for did-you-mean suggestions.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Hook::ALL.into_iter().map(Hook::name)
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
