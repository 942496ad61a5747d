//! `frameworm-core`: the plugin contract, the component and hook registries, the run plan and
//! the training engine. It depends on no plugin and no CLI code.
//!
//! The crate is built in layers; each uses only those below it (ARCHITECTURE.md, enforced by
//! `tests/layers.rs`), so data flows one way — config → registry → model / dataset / trainer →
//! engine → hooks, checkpoints, logs:
//!
//! | layer | modules | what |
//! |---|---|---|
//! | L0 | `config`, `fsio`, `device`, `panic`, `images` | YAML layers and sections, durable writes, backends and remote devices, panic messages, PNG grids |
//! | L1 | `contract` | what plugins implement and receive: data units, the six kinds, hooks, errors, reports |
//! | L2 | `registry`, `data` | constructors by kind and name; datasets, splits, loaders, prefetch |
//! | L3 | `session` | the run plan: config checked and located once, components built once |
//! | L4 | `engine` | the loop, checkpoints, run folder, optimizer, scoring, evaluation, progress events |
//! | edge | `prelude`, `testing`, `fuzzing` | what plugins import; test support for plugin authors; fuzz entry points |
//!
//! Modules are private; what is public is re-exported here and in [`prelude`], which is all a
//! plugin needs.

pub mod config;
mod contract;
mod data;
pub mod device;
mod panic;
mod engine;
mod fsio;
#[doc(hidden)]
pub mod fuzzing;
mod images;
pub mod prelude;
mod registry;
mod session;
#[doc(hidden)]
pub mod testing;

pub use burn;
pub use frameworm_manifest::{Hook, Kind, PluginOrigin, suggest};

pub use config::{Config, ConfigError, Override};
pub use contract::{
    Batch, Best, Callback, CheckpointInfo, Column, ComponentConfig, ComponentError, DType, Dataset, DynModel, Evaluation, FieldError,
    FieldMismatch, FieldNeed, FieldSpec, FireHooks, FromConfig, Generator, ImageShape, HookContext, HookEvent, HookFailure, HookRegistry, HookResult, HostError, LossOutput, Metric, MetricInput, MetricSource,
    Metrics, Model, ModelView, NamedMetric, Outcome, Pipeline, PipelineContext, PipelineHost, PipelineReport, Predictions, Problem, RegistryError, RunHooks,
    Sample, Sampler, Scalar, Scaling, Schema, Score, ShapeNeed, StepContext, StepError, StepOutput, StopRequest, SubscriberInfo, TrainReport, Trainer, Value, cannot_generate, cannot_sample, check_section,
    default_section, erase, fields, parse_section, scalars, unsupported,
};
pub use data::{PluginItems, SampleBatcher, Subset, gunzip};
pub use engine::{
    EngineHost, ExportFormat, ProgressEvent, default_export_path, export, ProgressSink, Resume, TrainError, TrainOptions, Trained, build_metrics, data_info,
    evaluate, generate, load as load_trained, load_export, predict, PredictOptions, Predicted, sample, train,
};
pub use engine::checkpoint::{CheckpointError, CheckpointState};
pub use fsio::{FileError, write_atomic, write_synced};
pub use panic::panic_message;
pub use images::{GridError, GridLayout, grid_image, write_grid};
pub use registry::{ComponentMeta, Declared, PluginInfo, PluginRegistrar, Registrar, Registry, RegistrySummary};
pub use session::{Monitor, PlanError, PlannedCallback, RunData, RunPlan, check as check_config, check_data, check_fields, locate as locate_error, prepare_data, resolved as resolved_config};

/// The framework version plugins declare requirements against (`dependencies.frameworm`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
