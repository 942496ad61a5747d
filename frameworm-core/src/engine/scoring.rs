//! Scoring metric plugins on held-out data, shared by validation and `frameworm evaluate`.
//!
//! Paired metrics (reconstructions, predictions) are scored per batch, their partials averaged
//! over items and finished once (a mean score, or r² and perplexity from their parts);
//! sample metrics are scored once, on every real image seen against as many samples drawn from
//! the model with a fixed seed, because a distribution distance is not a mean of batch scores.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor};

use crate::contract::{Batch, ComponentError, DynModel, MetricInput, MetricSource, Metrics, NamedMetric, Predictions, fields};

/// Accumulates metric scores over the batches of one pass.
pub struct MetricScores<'m> {
    metrics: &'m [NamedMetric],
    /// Per metric: item-weighted sums of its partials, and the items seen.
    sums: BTreeMap<String, (Vec<f64>, f64)>,
    real: Vec<Tensor<4>>,
}

impl<'m> MetricScores<'m> {
    /// A pass scoring `metrics`.
    pub fn new(metrics: &'m [NamedMetric]) -> Self {
        MetricScores { metrics, sums: BTreeMap::new(), real: Vec::new() }
    }

    fn wants(&self, sources: &[MetricSource]) -> bool {
        self.metrics.iter().any(|(_, metric)| sources.contains(&metric.source()))
    }

    /// Scores the paired metrics on `batch` and keeps its images for the sample metrics.
    pub fn add_batch(&mut self, model: &dyn DynModel, batch: &Batch) -> Result<(), ComponentError> {
        let items = batch.len() as f64;
        let predictions = if self.wants(&[MetricSource::Predictions, MetricSource::Outputs]) { model.predictions(batch)? } else { None };
        let values = predictions.as_ref().filter(|p| matches!(p, Predictions::Values { .. }));
        let needs_reconstructions = self.metrics.iter().any(|(_, metric)| match metric.source() {
            MetricSource::Reconstructions => true,
            MetricSource::Outputs => values.is_none(),
            _ => false,
        });
        let reconstructions = if needs_reconstructions { model.reconstruction(batch)? } else { None };
        let real = if batch.has(fields::IMAGE) { Some(batch.image()?) } else { None };
        if self.wants(&[MetricSource::Samples])
            && let Some(real) = &real
        {
            self.real.push(real.clone());
        }
        for (name, metric) in self.metrics {
            let input = match metric.source() {
                MetricSource::Samples => continue,
                MetricSource::Reconstructions => MetricInput { real: real.as_ref(), generated: reconstructions.as_ref(), predictions: None },
                MetricSource::Predictions => MetricInput { real: real.as_ref(), generated: None, predictions: predictions.as_ref() },
                MetricSource::Outputs => match values {
                    Some(values) => MetricInput::predicted(values),
                    None => MetricInput { real: real.as_ref(), generated: reconstructions.as_ref(), predictions: None },
                },
            };
            let partials = metric.partials(&input).map_err(|error| named(name, error))?;
            let entry = self.sums.entry(name.clone()).or_insert_with(|| (vec![0.0; partials.len()], 0.0));
            if entry.0.len() != partials.len() {
                return Err(named(name, ComponentError::Invalid(format!("returned {} partials for one batch and {} for another", partials.len(), entry.0.len()))));
            }
            for (sum, partial) in entry.0.iter_mut().zip(partials) {
                *sum += partial * items;
            }
            entry.1 += items;
        }
        Ok(())
    }

    /// Finishes the pass: draws as many samples as real images were seen (after seeding
    /// `device` with `seed`), scores the sample metrics, and returns every score by name.
    pub fn finish(self, model: &dyn DynModel, device: &Device, seed: u64) -> Result<Metrics, ComponentError> {
        let mut scores = Metrics::new();
        for (name, metric) in self.metrics {
            if let Some((sums, items)) = self.sums.get(name) {
                let means: Vec<f64> = sums.iter().map(|sum| sum / items.max(1.0)).collect();
                scores.insert(name.clone(), metric.finish(&means));
            }
        }
        if self.real.is_empty() {
            if let Some((name, _)) = self.metrics.iter().find(|(_, metric)| metric.source() == MetricSource::Samples) {
                return Err(named(name, ComponentError::Invalid("it compares samples with real images, and the data has no `image` field".into())));
            }
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
