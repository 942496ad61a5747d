//! `frameworm-core`: the plugin contract (six traits), the component and hook registries, and
//! the pieces a training run is made of. It depends on no plugin and no CLI code.
//!
//! Data flows one way: config → [`Registry`] → model / dataset / trainer → engine → hooks.

pub mod batch;
pub mod callback;
pub mod component;
pub mod config;
pub mod dataset;
pub mod device;
pub mod engine;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hooks;
pub mod images;
pub mod metric;
pub mod model;
pub mod pipeline;
pub mod registry;
pub mod sampler;
pub mod scalar;
pub mod trainer;

pub use batch::{Batch, DataInfo, Sample};
pub use burn;
pub use callback::Callback;
pub use component::{ComponentConfig, FromConfig};
pub use dataset::Dataset;
pub use error::{ComponentError, RegistryError};
pub use frameworm_manifest::{Hook, Kind, PluginOrigin};
pub use hooks::{ModelView, HookContext, HookEvent, HookFailure, HookRegistry, HookResult, Metrics, StopRequest};
pub use metric::{Metric, MetricInput, MetricSource};
pub use model::{DynModel, LossOutput, Model};
pub use pipeline::{Pipeline, PipelineContext, PipelineReport};
pub use registry::{
    ComponentMeta, Declared, PluginInfo, PluginRegistrar, Registrar, Registry, RegistrySummary,
};
pub use sampler::Sampler;
pub use scalar::Scalar;
pub use trainer::{StepContext, StepOutput, Trainer};

/// The framework version plugins declare requirements against (`dependencies.frameworm`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
