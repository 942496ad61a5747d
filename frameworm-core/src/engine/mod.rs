//! Layer 4, the training engine: runs a [`RunPlan`](crate::session::RunPlan) and owns the loop
//! (burn-train's `Learner` has no per-step hooks). Per step: `on_batch_begin` → the trainer's
//! `training_step` (forward, `on_backward_begin`, backward, `on_backward_end`,
//! `on_optimizer_step`, step) → `on_batch_end`; per epoch `on_epoch_begin`, validation between
//! `on_validation_begin`/`on_validation_end`, `on_epoch_end`, then the checkpoint and
//! `on_checkpoint_save`; `on_error` on any failure.
//!
//! A run owns its configured callbacks ([`RunHooks`](crate::RunHooks)): nothing is written into
//! the registry, so a pipeline that trains twice subscribes them once each time. Progress is
//! reported as events ([`ProgressSink`]); the engine prints nothing.
//!
//! Several devices ([`parallel`]): with `TrainOptions::data_parallel` the model is wrapped so
//! that every step splits the global batch over the devices and their gradients meet on the
//! first; trainers drive it like one model.
//!
//! Determinism ([`seed`]): parameter init is seeded from `seed`, the split from `seed`, each
//! epoch's shuffle from (`seed`, epoch), each step's noise from (`seed`, step) and validation
//! noise from (`seed`, epoch), so a run resumed from any checkpoint replays exactly what an
//! uninterrupted run does on the CPU backend.

mod best;
pub(crate) mod checkpoint;
mod epoch;
mod error;
mod evaluate;
mod export;
mod host;
mod optim;
mod options;
mod parallel;
mod precision;
mod predict;
mod progress;
mod resume;
mod run;
mod run_dir;
mod scoring;
mod seed;
mod sums;
mod train;

pub use error::TrainError;
pub use export::{ExportFormat, default_export_path, export};
pub use evaluate::{Trained, build_metrics, data_info, evaluate, generate, load, sample};
pub use host::EngineHost;
pub use options::{Resume, TrainOptions};
pub use predict::{PredictOptions, Predicted, load_export, predict};
pub use progress::{ProgressEvent, ProgressSink};
pub use train::train;
