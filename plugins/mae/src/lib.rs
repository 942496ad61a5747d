//! `mae`: a metric plugin (mean absolute error to start from): a regression model's value
//! predictions against their targets, or any other model's reconstructions against the real
//! images.

use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};

/// The metric.
#[derive(Debug, Default)]
pub struct Mae;

impl FromConfig for Mae {
    type Config = ();
    fn from_config(_: ()) -> Result<Self, ComponentError> {
        Ok(Mae)
    }
}

impl Metric for Mae {
    fn source(&self) -> MetricSource {
        MetricSource::Outputs
    }
    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
        if let Some(values) = input.values() {
            let (predicted, target) = values.values("mae")?;
            return Ok((predicted - target).abs().mean().into_scalar::<f32>() as f64);
        }
        let generated = input.same_shape("mae")?;
        Ok((input.real("mae")?.clone() - generated.clone()).abs().mean().into_scalar::<f32>() as f64)
    }
    fn higher_is_better(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor};

    #[test]
    fn scores_by_hand() {
        let device = Device::default();
        let real = Tensor::<4>::zeros([1, 1, 1, 2], &device);
        let generated = Tensor::<4>::from_floats([[[[1.0, 3.0]]]], &device);
        assert_eq!(Mae.compute(&MetricInput::images(&real, &generated)).unwrap(), 2.0);
        let values = frameworm_core::Predictions::Values {
            predicted: Tensor::from_floats([[1.0], [4.0]], &device),
            target: Tensor::from_floats([[2.0], [2.0]], &device),
        };
        assert_eq!(Mae.compute(&MetricInput::predicted(&values)).unwrap(), 1.5);
    }
}
