//! `mae`: a metric plugin (mean absolute error to start from).

use burn::tensor::Tensor;
use frameworm_core::{ComponentError, FromConfig, Metric, PluginRegistrar, RegistryError};

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
    fn compute(&self, real: &Tensor<4>, generated: &Tensor<4>) -> Result<f64, ComponentError> {
        if real.dims() != generated.dims() {
            return Err(ComponentError::Invalid(format!("mae: shapes differ: {:?} vs {:?}", real.dims(), generated.dims())));
        }
        Ok((real.clone() - generated.clone()).abs().mean().into_scalar::<f32>() as f64)
    }
    fn higher_is_better(&self) -> bool {
        false
    }
}

/// Entry point: called once at start-up; register hooks or extra components here.
pub fn register(_plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn scores_by_hand() {
        let device = Device::default();
        let real = Tensor::<4>::zeros([1, 1, 1, 2], &device);
        let generated = Tensor::<4>::from_floats([[[[1.0, 3.0]]]], &device);
        assert_eq!(Mae.compute(&real, &generated).unwrap(), 2.0);
    }
}
