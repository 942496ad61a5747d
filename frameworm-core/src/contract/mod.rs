//! Layer 1, the plugin contract: every type a plugin implements or receives — the data units
//! ([`Sample`], [`Batch`], the [`Schema`] of named, typed fields), the six component traits ([`Model`], [`Dataset`],
//! [`Trainer`], [`Metric`], [`Callback`], [`Pipeline`]) with [`FromConfig`], the hook events and
//! their subscribers, errors, and the report types a run returns. It uses only layer 0
//! (`config`, `fsio`, `device`), so a plugin that compiles against it never reaches the engine.

mod batch;
mod callback;
mod component;
mod dataset;
mod declared_fields;
mod error;
mod event;
mod generator;
mod image_shape;
mod metric;
mod model;
mod pipeline;
mod prediction;
mod report;
mod sampler;
mod scalar;
mod schema;
mod subscribers;
mod trainer;

pub use batch::{Batch, Column, FieldError, Sample, Value};
pub use callback::{Callback, CheckpointInfo, HookEvent};
pub use component::{ComponentConfig, FromConfig, check_section, default_section, parse_section};
pub use dataset::Dataset;
pub use declared_fields::check_declared_fields;
pub use error::{ComponentError, RegistryError};
pub use event::{HookContext, HookFailure, HookResult, Metrics, ModelView, StopRequest};
pub use metric::{Metric, MetricInput, MetricSource, NamedMetric, unsupported};
pub use model::{DynModel, LossOutput, Model, erase, scalars};
// The fuzz entry points (flex builds) read burnpack bytes straight into a model.
#[cfg(feature = "flex")]
pub(crate) use model::load_burnpack;
pub use image_shape::ImageShape;
pub use generator::{Generator, cannot_generate};
pub use pipeline::{HostError, Pipeline, PipelineContext, PipelineHost, PipelineReport};
pub use prediction::Predictions;
pub use report::{Best, Evaluation, Outcome, Score, TrainReport};
pub use sampler::{Sampler, cannot_sample};
pub use scalar::Scalar;
pub use schema::{DType, FieldMismatch, FieldNeed, FieldSpec, Problem, Scaling, Schema, ShapeNeed, fields};
pub use subscribers::{FireHooks, HookRegistry, RunHooks, SubscriberInfo};
pub use trainer::{StepContext, StepError, StepOutput, Trainer};
