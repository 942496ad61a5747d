//! The Pipeline kind: a multi-stage workflow (the seed's `BasePipeline.run`), run by
//! `frameworm pipeline run NAME --config CONFIG`. A pipeline drives training, evaluation and
//! sampling through a [`PipelineHost`], which the engine implements, so pipelines never import
//! the engine.

use std::path::{Path, PathBuf};

use burn::tensor::Tensor;
use frameworm_manifest::Kind;

use super::error::ComponentError;
use super::report::{Evaluation, TrainReport};
use crate::config::Config;

/// An error of a host operation (a failed run, an unreadable checkpoint), kept as the
/// engine's own error type behind the trait object.
pub type HostError = Box<dyn std::error::Error + Send + Sync>;

/// What the engine does for a pipeline, on the run config and options it was started with.
pub trait PipelineHost {
    /// Trains the run config (device, progress, Ctrl-C flag as the command was given); the run's
    /// callbacks belong to that run only, so training twice subscribes them once each time.
    fn train(&mut self) -> Result<TrainReport, HostError>;
    /// Scores the metric plugins `metrics` (each with the run config's settings for it, else its
    /// defaults) on the first `count` held-out items, with the checkpoint at `checkpoint`.
    fn evaluate(&mut self, checkpoint: &Path, metrics: &[String], count: usize) -> Result<Evaluation, HostError>;
    /// Draws `count` images with `seed` from the checkpoint at `checkpoint`; `Ok(None)` when its
    /// model cannot sample.
    fn sample(&mut self, checkpoint: &Path, count: usize, seed: u64) -> Result<Option<Tensor<4>>, HostError>;
    /// Every component the registry holds, as (kind, `plugin::name`), kind by kind.
    fn components(&self) -> Vec<(Kind, String)>;
}

/// What a pipeline runs with: the run config and the host that trains, evaluates and samples.
pub struct PipelineContext<'a> {
    /// The run config.
    pub config: &'a Config,
    /// Training, evaluation and sampling.
    pub host: &'a mut dyn PipelineHost,
}

/// What a pipeline produced, for the CLI to print.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PipelineReport {
    /// One line per stage, in order.
    pub stages: Vec<String>,
    /// Files it wrote (reports, images, the run folder).
    pub outputs: Vec<PathBuf>,
}

/// A pipeline plugin.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a pipeline in a plugin.yaml but does not implement `frameworm_core::Pipeline`",
    label = "declared as a pipeline here",
    note = "add `impl frameworm_core::Pipeline for {Self}` with `fn run(&mut self, ctx: &mut PipelineContext) -> Result<PipelineReport, ComponentError>`"
)]
pub trait Pipeline: Send {
    /// Runs every stage.
    fn run(&mut self, ctx: &mut PipelineContext<'_>) -> Result<PipelineReport, ComponentError>;
}
