//! The engine as a pipeline's host: [`EngineHost`] implements the contract's
//! [`PipelineHost`] with [`train`](super::train), [`evaluate`](super::evaluate) and
//! [`sample`](super::sample), so pipeline plugins drive the engine without importing it.

use std::path::{Path, PathBuf};

use burn::tensor::Tensor;
use frameworm_manifest::Kind;

use super::error::TrainError;
use super::evaluate::{Trained, build_metrics, evaluate, load, sample};
use super::options::TrainOptions;
use super::train::train;
use crate::config::Config;
use crate::contract::{Evaluation, HostError, PipelineHost, TrainReport};
use crate::registry::Registry;

/// Trains, evaluates and samples `config` with `options`, for a pipeline. The checkpoint last
/// asked for stays loaded, so evaluating and then sampling it reads it once.
pub struct EngineHost<'a> {
    registry: &'a mut Registry,
    config: &'a Config,
    options: TrainOptions,
    loaded: Option<(PathBuf, Trained)>,
}

impl<'a> EngineHost<'a> {
    /// A host for pipelines run on `config` with `options`.
    pub fn new(registry: &'a mut Registry, config: &'a Config, options: TrainOptions) -> Self {
        EngineHost { registry, config, options, loaded: None }
    }

    /// The checkpoint at `checkpoint`, loaded unless it is the one loaded last.
    fn trained(&mut self, checkpoint: &Path) -> Result<&Trained, TrainError> {
        if self.loaded.as_ref().is_none_or(|(path, _)| path != checkpoint) {
            let trained = load(self.registry, checkpoint, &self.options.device)?;
            self.loaded = Some((checkpoint.to_path_buf(), trained));
        }
        Ok(&self.loaded.as_ref().expect("loaded just above").1)
    }
}

impl PipelineHost for EngineHost<'_> {
    fn train(&mut self) -> Result<TrainReport, HostError> {
        // A new run may rewrite the checkpoint folders a path names (`best`, `latest`).
        self.loaded = None;
        Ok(train(self.registry, self.config, self.options.clone())?)
    }

    fn evaluate(&mut self, checkpoint: &Path, metrics: &[String], count: usize) -> Result<Evaluation, HostError> {
        let metrics = build_metrics(self.registry, self.config, metrics)?;
        self.trained(checkpoint)?;
        let trained = &self.loaded.as_ref().expect("loaded by `trained`").1;
        Ok(evaluate(self.registry, trained, &metrics, count, None, &self.options.device)?)
    }

    fn sample(&mut self, checkpoint: &Path, count: usize, seed: u64) -> Result<Option<Tensor<4>>, HostError> {
        let device = self.options.device.clone();
        let trained = self.trained(checkpoint)?;
        if !trained.model.can_sample() {
            return Ok(None);
        }
        Ok(Some(sample(trained, count, seed, &device)?))
    }

    fn components(&self) -> Vec<(Kind, String)> {
        self.registry.all().into_iter().map(|meta| (meta.kind, meta.qualified_name.clone())).collect()
    }
}
