//! The Metric kind: a score computed on held-out data (the seed's
//! `__call__(real_images, fake_images)`), during validation and by `frameworm evaluate`.
//!
//! A metric says what it compares the real images with ([`MetricSource`]): the model's
//! reconstructions (paired scores such as PSNR), freshly generated samples (distribution scores
//! such as a Fréchet distance) or class predictions (accuracy). The caller checks that the model
//! can provide it before any training starts.

use burn::tensor::{Int, Tensor};

use super::batch::Batch;
use super::error::ComponentError;
use super::model::DynModel;

/// What a metric compares the real images with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricSource {
    /// The model's reconstruction of each real image ([`crate::Model::reconstruction`]),
    /// paired item by item. Scored per batch and averaged over items.
    Reconstructions,
    /// As many new images from the model's [`crate::Sampler`], unpaired. Scored once on the
    /// whole held-out set.
    Samples,
    /// Class scores ([`crate::Model::predictions`]) against the labels. Scored per batch and
    /// averaged over items.
    Predictions,
}

impl MetricSource {
    /// A short name for tables and errors.
    pub fn name(self) -> &'static str {
        match self {
            MetricSource::Reconstructions => "reconstructions",
            MetricSource::Samples => "samples",
            MetricSource::Predictions => "predictions",
        }
    }
}

/// What a metric scores: real images and, depending on its [`MetricSource`], generated images
/// or class scores.
#[derive(Debug, Clone, Copy)]
pub struct MetricInput<'a> {
    /// Real images `[N, C, H, W]` in `[0, 1]`.
    pub real: &'a Tensor<4>,
    /// Their labels `[N]`, for labelled data.
    pub labels: Option<&'a Tensor<1, Int>>,
    /// Reconstructions (paired with `real`) or samples (unpaired, same count), `[N, C, H, W]` in
    /// `[0, 1]`.
    pub generated: Option<&'a Tensor<4>>,
    /// Class scores `[N, classes]`.
    pub predictions: Option<&'a Tensor<2>>,
}

impl<'a> MetricInput<'a> {
    /// Real images paired with generated ones.
    pub fn images(real: &'a Tensor<4>, generated: &'a Tensor<4>) -> Self {
        MetricInput { real, labels: None, generated: Some(generated), predictions: None }
    }

    /// The generated images, or an error naming `metric`.
    pub fn generated(&self, metric: &str) -> Result<&'a Tensor<4>, ComponentError> {
        self.generated.ok_or_else(|| ComponentError::Invalid(format!("metric `{metric}` needs generated images")))
    }

    /// The generated images, checked to have the real images' shape.
    pub fn same_shape(&self, metric: &str) -> Result<&'a Tensor<4>, ComponentError> {
        let generated = self.generated(metric)?;
        if generated.dims() != self.real.dims() {
            return Err(ComponentError::Invalid(format!(
                "metric `{metric}`: generated images are {:?} but real images are {:?}",
                generated.dims(),
                self.real.dims()
            )));
        }
        Ok(generated)
    }

    /// Labels and class scores, or an error naming `metric`.
    pub fn labelled_predictions(&self, metric: &str) -> Result<(&'a Tensor<1, Int>, &'a Tensor<2>), ComponentError> {
        match (self.labels, self.predictions) {
            (Some(labels), Some(predictions)) => Ok((labels, predictions)),
            (None, _) => Err(ComponentError::Invalid(format!("metric `{metric}` needs labelled data"))),
            (_, None) => Err(ComponentError::Invalid(format!("metric `{metric}` needs class predictions"))),
        }
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
    /// The score of `input`.
    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError>;
    /// Whether a larger score is better (for `best` checkpoints and early stopping).
    fn higher_is_better(&self) -> bool {
        true
    }
}

/// A named metric plugin, as the config lists it.
pub type NamedMetric = (String, Box<dyn Metric>);

/// Why `metric` cannot score `model`, if it cannot: checked before any work starts.
pub fn unsupported(metric: &str, source: MetricSource, model: &dyn DynModel, model_name: &str, probe: &Batch) -> Option<String> {
    let missing = match source {
        MetricSource::Reconstructions => model.reconstruction(probe.images.clone()).is_none().then_some("makes no reconstructions"),
        MetricSource::Predictions if probe.labels.is_none() => return Some(format!("metric `{metric}` compares class predictions with labels, and the data has no labels")),
        MetricSource::Predictions => model.predictions(probe.images.clone()).is_none().then_some("makes no class predictions"),
        MetricSource::Samples => (!model.can_sample()).then_some("cannot sample"),
    }?;
    Some(format!("metric `{metric}` scores the model's {}, and model `{model_name}` {missing}", source.name()))
}
