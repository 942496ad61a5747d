//! The engine as a pipeline's host: [`EngineHost`] implements the contract's
//! [`PipelineHost`] with [`train`](super::train), [`evaluate`](super::evaluate) and
//! [`sample`](super::sample), so pipeline plugins drive the engine without importing it.

use std::path::Path;

use burn::tensor::Tensor;
use frameworm_manifest::Kind;

use super::evaluate::{build_metrics, evaluate, load, sample};
use super::options::TrainOptions;
use super::train::train;
use crate::config::Config;
use crate::contract::{Evaluation, HostError, PipelineHost, TrainReport};
use crate::registry::Registry;

/// Trains, evaluates and samples `config` with `options`, for a pipeline.
pub struct EngineHost<'a> {
    registry: &'a mut Registry,
    config: &'a Config,
    options: TrainOptions,
}

impl<'a> EngineHost<'a> {
    /// A host for pipelines run on `config` with `options`.
    pub fn new(registry: &'a mut Registry, config: &'a Config, options: TrainOptions) -> Self {
        EngineHost { registry, config, options }
    }
}

impl PipelineHost for EngineHost<'_> {
    fn train(&mut self) -> Result<TrainReport, HostError> {
        Ok(train(self.registry, self.config, self.options.clone())?)
    }

    fn evaluate(&mut self, checkpoint: &Path, metrics: &[String], count: usize) -> Result<Evaluation, HostError> {
        let trained = load(self.registry, checkpoint, &self.options.device)?;
        let metrics = build_metrics(self.registry, self.config, metrics)?;
        Ok(evaluate(self.registry, &trained, &metrics, count, None, &self.options.device)?)
    }

    fn sample(&mut self, checkpoint: &Path, count: usize, seed: u64) -> Result<Option<Tensor<4>>, HostError> {
        let trained = load(self.registry, checkpoint, &self.options.device)?;
        if !trained.model.can_sample() {
            return Ok(None);
        }
        Ok(Some(sample(&trained, count, seed, &self.options.device)?))
    }

    fn components(&self) -> Vec<(Kind, String)> {
        self.registry.all().into_iter().map(|meta| (meta.kind, meta.qualified_name.clone())).collect()
    }
}
