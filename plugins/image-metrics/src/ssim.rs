//! `ssim`: the structural similarity of reconstructions (Wang et al., 2004) with a Gaussian
//! window, computed by burn-train's `SsimMetric` (higher is better, 1 for identical images):
//! `SSIM = (2·μx·μy + C1)(2·σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))` with
//! `C1 = (k1·data_range)²`, `C2 = (k2·data_range)²`, the local statistics taken under the window
//! at every pixel, averaged over pixels and channels, then over the images of the batch.
//!
//! burn-train pads each image with zeros (half a window on each side) so the SSIM map keeps the
//! image's size; pixels near the border therefore see part of a black frame. This differs from
//! scikit-image, which crops the border instead, so values are close to but not equal to
//! `skimage.metrics.structural_similarity`.
//!
//! **Small images.** burn-train's default window is 11 pixels (σ = 1.5) and it *panics* when an
//! image side is smaller than the window. The embedded digits are 8×8, so `kernel_size` defaults
//! to "auto": 11, shrunk to the largest odd number that fits the smaller image side (7 for 8×8
//! digits, 11 from 11×11 up, e.g. MNIST's 28×28). An explicit `kernel_size` larger than the images
//! is reported as an error, never passed on to burn-train.

use burn_train::metric::vision::{SsimInput, SsimMetric, SsimMetricConfig};
use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};
use serde::{Deserialize, Serialize};

/// burn-train's default window size.
pub const DEFAULT_KERNEL_SIZE: usize = 11;

/// The `metric.ssim` config section. Defaults are burn-train's, except that the window shrinks
/// to fit small images when `kernel_size` is left unset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SsimConfig {
    /// The pixel value range, max − min (default 1.0 for `[0, 1]` images).
    pub data_range: f32,
    /// Gaussian window size, a positive odd number no larger than the image sides. Default: unset
    /// ("auto"), 11 shrunk to the largest odd number that fits (7 for 8×8 images).
    pub kernel_size: Option<usize>,
    /// Standard deviation of the Gaussian window in pixels (default 1.5).
    pub sigma: f32,
    /// Luminance stabiliser (default 0.01).
    pub k1: f32,
    /// Contrast stabiliser (default 0.03).
    pub k2: f32,
}

impl Default for SsimConfig {
    fn default() -> Self {
        SsimConfig { data_range: 1.0, kernel_size: None, sigma: 1.5, k1: 0.01, k2: 0.03 }
    }
}

/// The metric.
#[derive(Debug)]
pub struct Ssim {
    config: SsimConfig,
}

/// The largest odd window that fits images whose smaller side is `side` pixels (at least 1).
pub fn largest_fitting_kernel(side: usize) -> usize {
    if side % 2 == 1 { side } else { side.saturating_sub(1).max(1) }
}

/// The window used on images whose smaller side is `side` pixels when `kernel_size` is unset:
/// burn-train's 11, or the largest odd number that fits when the images are smaller.
pub fn auto_kernel_size(side: usize) -> usize {
    DEFAULT_KERNEL_SIZE.min(largest_fitting_kernel(side))
}

impl FromConfig for Ssim {
    type Config = SsimConfig;
    fn from_config(config: SsimConfig) -> Result<Self, ComponentError> {
        let positive = |key: &str, value: f32, what: &str| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(crate::config_error("ssim", key, format!("must be a finite number > 0 ({what}); got {value}")))
            }
        };
        positive("data_range", config.data_range, "max − min pixel value, 1.0 for [0, 1] images")?;
        positive("sigma", config.sigma, "the Gaussian window's standard deviation in pixels, default 1.5")?;
        positive("k1", config.k1, "default 0.01")?;
        positive("k2", config.k2, "default 0.03")?;
        if let Some(size) = config.kernel_size
            && (size == 0 || size % 2 == 0)
        {
            return Err(crate::config_error(
                "ssim",
                "kernel_size",
                format!("must be a positive odd number (e.g. 7 or 11), or left unset to fit the images; got {size}"),
            ));
        }
        Ok(Ssim { config })
    }
}

impl Metric for Ssim {
    fn source(&self) -> MetricSource {
        MetricSource::Reconstructions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
        let (real, generated) = crate::paired(input, "ssim")?;
        let [_, _, height, width] = real.dims();
        let side = height.min(width);
        let kernel_size = match self.config.kernel_size {
            None => auto_kernel_size(side),
            Some(size) if size > side => {
                return Err(ComponentError::Invalid(format!(
                    "metric `ssim`: `kernel_size` {size} is larger than the {height}×{width} images; set it to an odd \
                     number ≤ {} or leave it unset (auto: {})",
                    largest_fitting_kernel(side),
                    auto_kernel_size(side)
                )));
            }
            Some(size) => size,
        };
        let c = &self.config;
        let burn_config = SsimMetricConfig::new(c.data_range)
            .with_k1_k2(c.k1, c.k2)
            .with_kernel_size(kernel_size)
            .with_sigma(c.sigma);
        let item = SsimInput::new(generated.clone(), real.clone());
        crate::score_once(SsimMetric::new(burn_config), &item, "ssim")
    }

    fn higher_is_better(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{close, images};

    fn ssim(kernel_size: Option<usize>, sigma: f32) -> Ssim {
        Ssim::from_config(SsimConfig { kernel_size, sigma, ..SsimConfig::default() }).unwrap()
    }

    /// `f(i, j)` at every pixel of an `n`×`n` image, as a `[1, 1, n, n]` tensor.
    fn pattern(n: usize, f: impl Fn(usize, usize) -> f32) -> burn::tensor::Tensor<4> {
        let values: Vec<f32> = (0..n * n).map(|k| f(k / n, k % n)).collect();
        images(&values, [1, 1, n, n])
    }

    fn x(n: usize) -> burn::tensor::Tensor<4> {
        pattern(n, |i, j| ((i * 7 + j * 3) % 11) as f32 / 10.0)
    }

    fn y(n: usize) -> burn::tensor::Tensor<4> {
        pattern(n, |i, j| ((i * 5 + j * 2 + 1) % 9) as f32 / 8.0)
    }

    #[test]
    fn identical_images_score_one() {
        let image = x(8);
        close(Ssim::from_config(SsimConfig::default()).unwrap().compute(&MetricInput::images(&image, &image)).unwrap(), 1.0, 1e-5);
        let batch = images(&[0.1, 0.9, 0.3, 0.7, 0.0, 1.0, 0.5, 0.5, 0.2], [1, 1, 3, 3]);
        close(ssim(Some(3), 1.0).compute(&MetricInput::images(&batch, &batch)).unwrap(), 1.0, 1e-5);
    }

    #[test]
    fn matches_an_independent_python_computation() {
        // Reference values from plugins/image-metrics/reference/ssim_ref.py (plain Python, float64,
        // a direct 2-D Gaussian window with burn-train's zero padding), run once:
        //   8x8 pattern, window 7, sigma 1.5: 0.27577196938333537
        //   8x8 pattern, window 3, sigma 1.0: 0.10986748138548082
        //   5x5 x vs 0.8x+0.1, window 5, sigma 1.5: 0.9873072144849558
        let score = |metric: Ssim, a, b| metric.compute(&MetricInput::images(&a, &b)).unwrap();
        // The default (auto) window on 8×8 images is 7.
        close(score(Ssim::from_config(SsimConfig::default()).unwrap(), x(8), y(8)), 0.27577196938333537, 1e-4);
        close(score(ssim(Some(7), 1.5), x(8), y(8)), 0.27577196938333537, 1e-4);
        close(score(ssim(Some(3), 1.0), x(8), y(8)), 0.10986748138548082, 1e-4);
        let affine = pattern(5, |i, j| (((i * 7 + j * 3) % 11) as f32 / 10.0 * 0.8 + 0.1).min(1.0));
        close(score(ssim(Some(5), 1.5), x(5), affine), 0.9873072144849558, 1e-4);
        // Symmetric in its arguments.
        close(score(ssim(Some(3), 1.0), y(8), x(8)), 0.10986748138548082, 1e-4);
    }

    #[test]
    fn the_auto_window_fits_small_images() {
        assert_eq!(auto_kernel_size(8), 7);
        assert_eq!(auto_kernel_size(7), 7);
        assert_eq!(auto_kernel_size(28), 11);
        assert_eq!(auto_kernel_size(11), 11);
        assert_eq!(auto_kernel_size(2), 1);
        assert_eq!(auto_kernel_size(1), 1);
        // A 2×2 image works with the auto window (burn-train would panic on its default 11).
        let a = images(&[0.0, 1.0, 1.0, 0.0], [1, 1, 2, 2]);
        let score = Ssim::from_config(SsimConfig::default()).unwrap().compute(&MetricInput::images(&a, &a)).unwrap();
        close(score, 1.0, 1e-5);
    }

    #[test]
    fn a_window_larger_than_the_images_is_an_error_not_a_panic() {
        let error = ssim(Some(11), 1.5).compute(&MetricInput::images(&x(8), &y(8))).unwrap_err().to_string();
        assert_eq!(
            error,
            "metric `ssim`: `kernel_size` 11 is larger than the 8×8 images; set it to an odd number ≤ 7 or leave it \
             unset (auto: 7)"
        );
    }

    #[test]
    fn bad_config_is_an_error() {
        let build = |config: SsimConfig| Ssim::from_config(config).unwrap_err().to_string();
        let error = build(SsimConfig { kernel_size: Some(4), ..SsimConfig::default() });
        assert!(error.starts_with("metric.ssim.kernel_size: must be a positive odd number"), "{error}");
        assert!(build(SsimConfig { kernel_size: Some(0), ..SsimConfig::default() }).contains("kernel_size"));
        assert!(build(SsimConfig { sigma: 0.0, ..SsimConfig::default() }).starts_with("metric.ssim.sigma:"));
        assert!(build(SsimConfig { data_range: f32::NAN, ..SsimConfig::default() }).starts_with("metric.ssim.data_range:"));
        assert!(build(SsimConfig { k2: -1.0, ..SsimConfig::default() }).starts_with("metric.ssim.k2:"));
    }
}
