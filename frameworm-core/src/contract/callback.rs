//! The Callback kind and the hook events, both generated from the one hook table
//! (`frameworm_manifest::for_each_hook!`): [`HookEvent`] (one variant per hook, carrying its
//! argument), the [`Callback`] trait (one no-op default method per hook) and the dispatch of an
//! event to a callback's method. Callbacks may also keep state across a resume.

use std::path::Path;

use frameworm_manifest::{Hook, for_each_hook};

use super::event::{HookContext, HookResult, Metrics};
use super::scalar::Scalar;

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

macro_rules! define_hook_api {
    ($( $(#[doc = $doc:literal])* $variant:ident $(($arg:ident : $ty:ty))? => $method:ident, $when:literal; )*) => {
        /// A hook firing with its data (one variant per [`Hook`]).
        #[derive(Debug, Clone, Copy)]
        pub enum HookEvent<'a> {
            $( $(#[doc = $doc])* $variant $((&'a $ty))?, )*
        }

        impl HookEvent<'_> {
            /// Which hook this event fires.
            #[allow(unused_variables)]
            pub fn hook(&self) -> Hook {
                match self {
                    $( HookEvent::$variant $(($arg))? => Hook::$variant, )*
                }
            }
        }

        /// A callback plugin: any subset of the hook methods (README: Hooks reference).
        #[diagnostic::on_unimplemented(
            message = "`{Self}` is declared as a callback in a plugin.yaml but does not implement `frameworm_core::Callback`",
            label = "declared as a callback here",
            note = "add `impl frameworm_core::Callback for {Self} {{}}` and override the hook methods you need (README: Hooks reference)"
        )]
        #[allow(unused_variables)]
        pub trait Callback: Send {
            $(
                $(#[doc = $doc])*
                fn $method(&mut self, ctx: &mut HookContext $(, $arg: &$ty)?) -> HookResult {
                    Ok(())
                }
            )*
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

        /// Calls the method of `callback` that `event` names.
        pub(crate) fn dispatch(callback: &mut dyn Callback, event: &HookEvent<'_>, ctx: &mut HookContext) -> HookResult {
            match *event {
                $( HookEvent::$variant $(($arg))? => callback.$method(ctx $(, $arg)?), )*
            }
        }
    };
}

for_each_hook!(define_hook_api);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hook_has_an_event_and_a_callback_method() {
        struct Named(Vec<&'static str>);
        impl Callback for Named {}
        let metrics = Metrics::new();
        let loss = Scalar::from_value(0.0);
        let info = CheckpointInfo { path: "x".into(), epoch: 0, step: 0 };
        let events = [
            HookEvent::TrainBegin,
            HookEvent::TrainEnd,
            HookEvent::EpochBegin,
            HookEvent::EpochEnd(&metrics),
            HookEvent::BatchBegin,
            HookEvent::BatchEnd(&loss),
            HookEvent::BackwardBegin(&loss),
            HookEvent::BackwardEnd,
            HookEvent::OptimizerStep,
            HookEvent::ValidationBegin,
            HookEvent::ValidationEnd(&metrics),
            HookEvent::CheckpointSave(Path::new("x")),
            HookEvent::CheckpointLoad(&info),
            HookEvent::ModelExport("safetensors"),
            HookEvent::Error("boom"),
        ];
        let hooks: Vec<Hook> = events.iter().map(HookEvent::hook).collect();
        assert_eq!(hooks, Hook::ALL);
        let mut callback = Named(Vec::new());
        for event in &events {
            dispatch(&mut callback, event, &mut HookContext::default()).unwrap();
        }
        assert!(callback.0.is_empty());
    }
}
