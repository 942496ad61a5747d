//! The Pipeline kind: a multi-stage workflow (the seed's `BasePipeline.run`), run by
//! `frameworm pipeline run NAME --config CONFIG`.

use std::path::PathBuf;

use crate::config::Config;
use crate::engine::TrainOptions;
use crate::error::ComponentError;
use crate::registry::Registry;

/// What a pipeline runs with: the registry (to build components and train), the run config, and
/// how to train (device, quiet, Ctrl-C flag).
pub struct PipelineContext<'a> {
    /// Every registered component; `engine::train` takes it mutably to add the run's callbacks.
    pub registry: &'a mut Registry,
    /// The run config.
    pub config: &'a Config,
    /// Device, verbosity, resume and interrupt flag for any training the pipeline does.
    pub options: TrainOptions,
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
