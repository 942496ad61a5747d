//! `mse`: the mean squared error, computed by burn's `MseLoss` (lower is better): for a
//! regression model, between its value predictions and the targets (in the targets' own unit);
//! for any other model, between its reconstructions and the real images (mean over every
//! pixel). Items in a batch all have the same size, so the batch mean is also the mean of the
//! per-item errors.

use burn::nn::loss::{MseLoss, Reduction};
use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};
use serde::{Deserialize, Serialize};

/// The `metric.mse` config section: no keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MseConfig {}

/// The metric.
#[derive(Debug, Default)]
pub struct Mse;

impl FromConfig for Mse {
    type Config = MseConfig;
    fn from_config(_: MseConfig) -> Result<Self, ComponentError> {
        Ok(Mse)
    }
}

impl Metric for Mse {
    fn source(&self) -> MetricSource {
        MetricSource::Outputs
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
        if let Some(values) = input.values() {
            let (predicted, target) = values.values("mse")?;
            if predicted.dims().contains(&0) {
                return Err(ComponentError::Invalid("metric `mse`: the predictions are empty".into()));
            }
            let loss = MseLoss::new().forward(predicted, target, Reduction::Mean);
            return Ok(f64::from(loss.into_scalar::<f32>()));
        }
        let (real, generated) = crate::paired(input, "mse")?;
        let loss = MseLoss::new().forward(generated.clone(), real.clone(), Reduction::Mean);
        Ok(f64::from(loss.into_scalar::<f32>()))
    }

    fn higher_is_better(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{close, images};

    #[test]
    fn matches_the_hand_computed_mean_of_squares() {
        // Differences 0.5, -0.25, 0, 1 → squares 0.25, 0.0625, 0, 1 → mean 1.3125 / 4 = 0.328125.
        let real = images(&[0.0, 0.5, 0.5, 0.0], [1, 1, 2, 2]);
        let generated = images(&[0.5, 0.25, 0.5, 1.0], [1, 1, 2, 2]);
        close(Mse.compute(&MetricInput::images(&real, &generated)).unwrap(), 0.328125, 1e-7);
        close(Mse.compute(&MetricInput::images(&real, &real)).unwrap(), 0.0, 0.0);
        assert!(!Mse.higher_is_better());
        assert_eq!(Mse.source(), MetricSource::Outputs);
    }

    #[test]
    fn scores_value_predictions_in_the_targets_unit() {
        use burn::tensor::{Device, Tensor};
        use frameworm_core::Predictions;
        let device = Device::default();
        // Errors 1, -2, 0.5, 0 → squares 1, 4, 0.25, 0 → mean 5.25 / 4.
        let values = Predictions::Values {
            predicted: Tensor::from_data([[2.0, 1.0], [10.5, 3.0]], &device),
            target: Tensor::from_data([[1.0, 3.0], [10.0, 3.0]], &device),
        };
        close(Mse.compute(&MetricInput::predicted(&values)).unwrap(), 1.3125, 1e-6);
    }

    #[test]
    fn shape_mismatch_and_missing_images_are_errors() {
        let real = images(&[0.0; 4], [1, 1, 2, 2]);
        let other = images(&[0.0; 8], [2, 1, 2, 2]);
        let error = Mse.compute(&MetricInput::images(&real, &other)).unwrap_err().to_string();
        assert!(error.contains("metric `mse`: generated images are [2, 1, 2, 2]"), "{error}");
        let input = MetricInput { real: Some(&real), generated: None, predictions: None };
        assert!(Mse.compute(&input).unwrap_err().to_string().contains("needs generated images"));
    }
}
