//! Everything a plugin usually needs, in one `use frameworm_core::prelude::*;`: the six kinds
//! and their config, the data units, hooks, errors and burn itself.

pub use crate::burn;
pub use crate::burn::tensor::{Device, Int, Tensor};
pub use crate::{
    Batch, Callback, CheckpointInfo, ComponentError, DType, Dataset, DynModel, FieldNeed, FieldSpec, FromConfig, Generator, ImageShape, Hook,
    HookContext, HookEvent, HookResult, LossOutput, Metric, MetricInput, MetricSource, Metrics, Model, Pipeline, PipelineContext,
    PipelineReport, PluginRegistrar, Predictions, RegistryError, Sample, Sampler, Scalar, Schema, StepContext, StepError, StepOutput,
    Trainer, Value, fields,
};
