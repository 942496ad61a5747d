//! The Metric kind: a score computed on held-out data (the seed's
//! `__call__(real_images, fake_images)`), during validation and by `frameworm evaluate`.
//!
//! A metric says what it scores ([`MetricSource`]): the model's reconstructions against the
//! real images (paired scores such as PSNR), freshly generated samples (distribution scores such
//! as a Fréchet distance), or the model's [`Predictions`] against their targets (accuracy, mse,
//! perplexity). The caller checks that the model can provide it before any training starts.

use burn::tensor::Tensor;

use super::batch::Batch;
use super::error::ComponentError;
use super::model::DynModel;
use super::prediction::Predictions;

/// What a metric scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricSource {
    /// The model's reconstruction of each real image ([`crate::Model::reconstruction`]),
    /// paired item by item. Scored per batch and averaged over items.
    Reconstructions,
    /// As many new images from the model's [`crate::Sampler`], unpaired. Scored once on the
    /// whole held-out set.
    Samples,
    /// The model's [`Predictions`] against their targets ([`crate::Model::predictions`]).
    /// Scored per batch and averaged over items.
    Predictions,
    /// Value predictions when the model makes them (a regression), otherwise reconstructions:
    /// for errors such as mse and mae that mean the same on both.
    Outputs,
}

impl MetricSource {
    /// A short name for tables and errors.
    pub fn name(self) -> &'static str {
        match self {
            MetricSource::Reconstructions => "reconstructions",
            MetricSource::Samples => "samples",
            MetricSource::Predictions => "predictions",
            MetricSource::Outputs => "value predictions or reconstructions",
        }
    }
}

/// What a metric scores: depending on its [`MetricSource`], real and generated images, or
/// predictions with their targets.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricInput<'a> {
    /// Real images `[N, C, H, W]` in `[0, 1]`, when the data has an `image` field.
    pub real: Option<&'a Tensor<4>>,
    /// Reconstructions (paired with `real`) or samples (unpaired, same count), `[N, C, H, W]` in
    /// `[0, 1]`.
    pub generated: Option<&'a Tensor<4>>,
    /// The model's predictions with their targets.
    pub predictions: Option<&'a Predictions>,
}

impl<'a> MetricInput<'a> {
    /// Real images paired with generated ones.
    pub fn images(real: &'a Tensor<4>, generated: &'a Tensor<4>) -> Self {
        MetricInput { real: Some(real), generated: Some(generated), predictions: None }
    }

    /// Predictions with their targets.
    pub fn predicted(predictions: &'a Predictions) -> Self {
        MetricInput { real: None, generated: None, predictions: Some(predictions) }
    }

    /// The real images, or an error naming `metric`.
    pub fn real(&self, metric: &str) -> Result<&'a Tensor<4>, ComponentError> {
        self.real.ok_or_else(|| ComponentError::Invalid(format!("metric `{metric}` compares images, and the data has no `image` field")))
    }

    /// The generated images, or an error naming `metric`.
    pub fn generated(&self, metric: &str) -> Result<&'a Tensor<4>, ComponentError> {
        self.generated.ok_or_else(|| ComponentError::Invalid(format!("metric `{metric}` needs generated images")))
    }

    /// The generated images, checked to have the real images' shape.
    pub fn same_shape(&self, metric: &str) -> Result<&'a Tensor<4>, ComponentError> {
        let generated = self.generated(metric)?;
        let real = self.real(metric)?;
        if generated.dims() != real.dims() {
            return Err(ComponentError::Invalid(format!(
                "metric `{metric}`: generated images are {:?} but real images are {:?}",
                generated.dims(),
                real.dims()
            )));
        }
        Ok(generated)
    }

    /// The predictions, or an error naming `metric`.
    pub fn predictions(&self, metric: &str) -> Result<&'a Predictions, ComponentError> {
        self.predictions.ok_or_else(|| ComponentError::Invalid(format!("metric `{metric}` needs the model's predictions")))
    }

    /// Value predictions `[N, T]` with their targets, when the model makes them.
    pub fn values(&self) -> Option<&'a Predictions> {
        self.predictions.filter(|p| matches!(p, Predictions::Values { .. }))
    }
}

/// A metric plugin.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a metric in a plugin.yaml but does not implement `frameworm_core::Metric`",
    label = "declared as a metric here",
    note = "add `impl frameworm_core::Metric for {Self}` with `fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError>`"
)]
pub trait Metric: Send {
    /// What the real images are compared with.
    fn source(&self) -> MetricSource {
        MetricSource::Reconstructions
    }
    /// The score of `input` (one batch, or for sample metrics the whole held-out set).
    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError>;
    /// Per-batch quantities whose item-weighted means over a pass [`Metric::finish`] turns into
    /// the score; the default is the batch score itself, averaged. Override both for scores that
    /// are not a mean of batch scores (r², perplexity).
    fn partials(&self, input: &MetricInput<'_>) -> Result<Vec<f64>, ComponentError> {
        Ok(vec![self.compute(input)?])
    }
    /// The score from the pass means of [`Metric::partials`].
    fn finish(&self, means: &[f64]) -> f64 {
        means.first().copied().unwrap_or(f64::NAN)
    }
    /// Whether a larger score is better (for `best` checkpoints and early stopping).
    fn higher_is_better(&self) -> bool {
        true
    }
}

/// A named metric plugin, as the config lists it.
pub type NamedMetric = (String, Box<dyn Metric>);

/// Why `metric` cannot score `model`, if it cannot: checked before any work starts.
pub fn unsupported(metric: &str, source: MetricSource, model: &dyn DynModel, model_name: &str, probe: &Batch) -> Option<String> {
    let lacks = |what: &str| Some(format!("metric `{metric}` scores the model's {}, and model `{model_name}` {what}", source.name()));
    let failed = |error: ComponentError| Some(format!("metric `{metric}`: model `{model_name}` failed on a batch: {error}"));
    match source {
        MetricSource::Samples => (!model.can_sample()).then(|| lacks("cannot sample")).flatten(),
        MetricSource::Reconstructions => match model.reconstruction(probe) {
            Ok(Some(_)) => None,
            Ok(None) => lacks("makes no reconstructions"),
            Err(error) => failed(error),
        },
        MetricSource::Predictions => match model.predictions(probe) {
            Ok(Some(_)) => None,
            Ok(None) => lacks("makes no predictions"),
            Err(error) => failed(error),
        },
        MetricSource::Outputs => match (model.predictions(probe), model.reconstruction(probe)) {
            (Ok(Some(Predictions::Values { .. })), _) | (_, Ok(Some(_))) => None,
            (Err(error), _) | (_, Err(error)) => failed(error),
            _ => lacks("makes neither value predictions nor reconstructions"),
        },
    }
}
