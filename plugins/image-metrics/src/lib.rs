//! `image-metrics`: the paired image metrics `psnr`, `ssim` and `mse` (real images against the
//! model's reconstructions) and the classification metric `accuracy` (labels against class
//! scores).
//!
//! Where burn already implements a metric it is wrapped, not rewritten: `psnr` is burn-train's
//! `PsnrMetric`, `ssim` its `SsimMetric`, `accuracy` its `AccuracyMetric` and `mse` burn's
//! `MseLoss`. burn-train's metrics assert on their inputs (shape mismatches, a window larger
//! than the image, …); every wrapper checks those conditions first and returns a
//! [`ComponentError`] instead, so no user data can make them panic.
//!
//! The engine calls a metric once per validation batch and averages the scores over items, so
//! each `compute` scores one batch from scratch (a fresh burn-train metric per call).

pub mod accuracy;
pub mod mse;
pub mod psnr;
pub mod ssim;

use burn::data::dataloader::Progress;
use burn::tensor::Tensor;
use burn_train::metric::{Metric as BurnMetric, MetricMetadata, Numeric};
use frameworm_core::{ComponentError, MetricInput};

pub use accuracy::{Accuracy, AccuracyConfig};
pub use mse::{Mse, MseConfig};
pub use psnr::{Psnr, PsnrConfig};
pub use ssim::{Ssim, SsimConfig};

/// The real images and their paired reconstructions, checked: same shape, at least one item and
/// no empty axis. `metric` names the metric in errors.
pub(crate) fn paired<'a>(input: &MetricInput<'a>, metric: &str) -> Result<(&'a Tensor<4>, &'a Tensor<4>), ComponentError> {
    let generated = input.same_shape(metric)?;
    let real = input.real(metric)?;
    let dims = real.dims();
    if dims.contains(&0) {
        return Err(ComponentError::Invalid(format!(
            "metric `{metric}`: the images are empty ({dims:?}, [N, C, H, W]); it needs at least one non-empty image"
        )));
    }
    Ok((real, generated))
}

/// Runs a fresh burn-train metric once on `item` and returns its value for that batch.
pub(crate) fn score_once<M: BurnMetric + Numeric>(mut metric: M, item: &M::Input, name: &str) -> Result<f64, ComponentError> {
    // burn-train's metrics read only the tensors; the metadata matters to none of those wrapped here.
    let metadata = MetricMetadata {
        progress: Progress { items_processed: 1, items_total: 1, unit: None },
        iteration: None,
        lr: None,
    };
    metric
        .update(item, &metadata)
        .map_err(|error| ComponentError::Invalid(format!("metric `{name}`: cannot read the score back: {error:?}")))?;
    let value = metric
        .value()
        .ok_or_else(|| ComponentError::Invalid(format!("metric `{name}`: burn-train produced no value")))?;
    Ok(value.current())
}

/// A `metric.<name>` config error at `key`.
pub(crate) fn config_error(metric: &str, key: &str, message: String) -> ComponentError {
    ComponentError::Config { section: format!("metric.{metric}"), key: key.to_string(), message }
}

#[cfg(test)]
pub(crate) mod test_util {
    use burn::tensor::{Device, Tensor, TensorData};

    /// A `[n, c, h, w]` tensor from row-major values.
    pub fn images(values: &[f32], shape: [usize; 4]) -> Tensor<4> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), &Device::default())
    }

    /// Asserts `|actual - expected| <= tolerance`.
    pub fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!((actual - expected).abs() <= tolerance, "got {actual}, expected {expected} (± {tolerance})");
    }
}
