//! Scoring metric plugins on held-out data, shared by validation and `frameworm evaluate`.
//!
//! Paired metrics (reconstructions, predictions) are scored per batch and averaged over items;
//! sample metrics are scored once, on every real image seen against as many samples drawn from
//! the model with a fixed seed, because a distribution distance is not a mean of batch scores.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor};

use crate::contract::{Batch, ComponentError, DynModel, MetricInput, MetricSource, Metrics, NamedMetric};

/// Accumulates metric scores over the batches of one pass.
pub struct MetricScores<'m> {
    metrics: &'m [NamedMetric],
    sums: BTreeMap<String, (f64, f64)>,
    real: Vec<Tensor<4>>,
}

impl<'m> MetricScores<'m> {
    /// A pass scoring `metrics`.
    pub fn new(metrics: &'m [NamedMetric]) -> Self {
        MetricScores { metrics, sums: BTreeMap::new(), real: Vec::new() }
    }

    fn wants(&self, source: MetricSource) -> bool {
        self.metrics.iter().any(|(_, metric)| metric.source() == source)
    }

    /// Scores the paired metrics on `batch` and keeps its images for the sample metrics.
    pub fn add_batch(&mut self, model: &dyn DynModel, batch: &Batch) -> Result<(), ComponentError> {
        let items = batch.len() as f64;
        let reconstructions = if self.wants(MetricSource::Reconstructions) { model.reconstruction(batch.images.clone()) } else { None };
        let predictions = if self.wants(MetricSource::Predictions) { model.predictions(batch.images.clone()) } else { None };
        if self.wants(MetricSource::Samples) {
            self.real.push(batch.images.clone());
        }
        for (name, metric) in self.metrics {
            let generated = match metric.source() {
                MetricSource::Samples => continue,
                MetricSource::Reconstructions => reconstructions.as_ref(),
                MetricSource::Predictions => None,
            };
            let input = MetricInput { real: &batch.images, labels: batch.labels.as_ref(), generated, predictions: predictions.as_ref() };
            let score = metric.compute(&input).map_err(|error| named(name, error))?;
            let entry = self.sums.entry(name.clone()).or_insert((0.0, 0.0));
            entry.0 += score * items;
            entry.1 += items;
        }
        Ok(())
    }

    /// Finishes the pass: draws as many samples as real images were seen (after seeding
    /// `device` with `seed`), scores the sample metrics, and returns every score by name.
    pub fn finish(self, model: &dyn DynModel, device: &Device, seed: u64) -> Result<Metrics, ComponentError> {
        let mut scores: Metrics = self.sums.iter().map(|(name, (sum, items))| (name.clone(), sum / items.max(1.0))).collect();
        if self.real.is_empty() {
            return Ok(scores);
        }
        let real = Tensor::cat(self.real, 0);
        let count = real.dims()[0];
        device.seed(seed);
        let samples = model
            .sample(count, device)
            .ok_or_else(|| ComponentError::Invalid("sample metrics need a model that can sample".into()))?;
        for (name, metric) in self.metrics.iter().filter(|(_, metric)| metric.source() == MetricSource::Samples) {
            let score = metric.compute(&MetricInput::images(&real, &samples)).map_err(|error| named(name, error))?;
            scores.insert(name.clone(), score);
        }
        Ok(scores)
    }
}

fn named(metric: &str, error: ComponentError) -> ComponentError {
    match error {
        ComponentError::Invalid(message) if !message.contains(metric) => ComponentError::Invalid(format!("metric `{metric}`: {message}")),
        other => other,
    }
}
