//! The Pipeline kind: a multi-stage workflow (the seed's `BasePipeline.run`).

use crate::error::ComponentError;
use crate::registry::Registry;

/// What a pipeline runs with: the registry (to build components) and the run config.
pub struct PipelineContext<'a> {
    /// Every registered component.
    pub registry: &'a Registry,
    /// The merged run config.
    pub config: &'a serde_yaml::Value,
}

/// A pipeline plugin.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a pipeline in a plugin.yaml but does not implement `frameworm_core::Pipeline`",
    label = "declared as a pipeline here",
    note = "add `impl frameworm_core::Pipeline for {Self}` with `fn run(&mut self, ctx: &mut PipelineContext) -> Result<(), ComponentError>`"
)]
pub trait Pipeline: Send {
    /// Runs every stage.
    fn run(&mut self, ctx: &mut PipelineContext<'_>) -> Result<(), ComponentError>;
}
