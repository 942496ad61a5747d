//! `psnr`: peak signal-to-noise ratio of reconstructions, `10·log10(max_value² / MSE)` in dB,
//! computed per image and averaged over the batch by burn-train's `PsnrMetric` (higher is
//! better). An exact reconstruction has MSE 0, which burn-train clamps to `1e-10`: the score is
//! then capped at `10·log10(max_value² / 1e-10)` (100 dB for `max_value = 1`).

use burn_train::metric::vision::{PsnrInput, PsnrMetric, PsnrMetricConfig};
use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};
use serde::{Deserialize, Serialize};

/// The `metric.psnr` config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PsnrConfig {
    /// The largest possible pixel value (default 1.0: Frameworm's datasets give pixels in `[0, 1]`).
    pub max_value: f64,
}

impl Default for PsnrConfig {
    fn default() -> Self {
        PsnrConfig { max_value: 1.0 }
    }
}

/// The metric.
#[derive(Debug)]
pub struct Psnr {
    config: PsnrMetricConfig,
}

impl FromConfig for Psnr {
    type Config = PsnrConfig;
    fn from_config(config: PsnrConfig) -> Result<Self, ComponentError> {
        if !config.max_value.is_finite() || config.max_value <= 0.0 {
            return Err(crate::config_error(
                "psnr",
                "max_value",
                format!("must be a finite number > 0, the largest pixel value (1.0 for [0, 1] images); got {}", config.max_value),
            ));
        }
        Ok(Psnr { config: PsnrMetricConfig::new(config.max_value) })
    }
}

impl Metric for Psnr {
    fn source(&self) -> MetricSource {
        MetricSource::Reconstructions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
        let (real, generated) = crate::paired(input, "psnr")?;
        let item = PsnrInput::new(generated.clone(), real.clone());
        crate::score_once(PsnrMetric::new(self.config), &item, "psnr")
    }

    fn higher_is_better(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{close, images};

    fn psnr(max_value: f64) -> Psnr {
        Psnr::from_config(PsnrConfig { max_value }).unwrap()
    }

    #[test]
    fn matches_ten_log10_of_one_over_mse() {
        // One image, differences 0.1, 0.2, 0.3, 0.4: MSE = (0.01 + 0.04 + 0.09 + 0.16) / 4 = 0.075,
        // PSNR = 10·log10(1 / 0.075) = 11.249387366 dB.
        let real = images(&[0.0, 0.0, 0.0, 0.0], [1, 1, 2, 2]);
        let generated = images(&[0.1, 0.2, 0.3, 0.4], [1, 1, 2, 2]);
        close(psnr(1.0).compute(&MetricInput::images(&real, &generated)).unwrap(), 11.249387366, 1e-4);
        // max_value 2 adds 10·log10(4) = 6.0206 dB.
        close(psnr(2.0).compute(&MetricInput::images(&real, &generated)).unwrap(), 11.249387366 + 6.020599913, 1e-4);
    }

    #[test]
    fn averages_per_image_scores() {
        // Image 1 is off by 0.1 everywhere (MSE 0.01 → 20 dB), image 2 by 0.01 (MSE 1e-4 → 40 dB):
        // the batch scores (20 + 40) / 2 = 30 dB, not 10·log10(1 / mean MSE) = 23.01 dB.
        let real = images(&[0.5; 8], [2, 1, 2, 2]);
        let generated = images(&[0.6, 0.6, 0.6, 0.6, 0.51, 0.51, 0.51, 0.51], [2, 1, 2, 2]);
        close(psnr(1.0).compute(&MetricInput::images(&real, &generated)).unwrap(), 30.0, 1e-3);
    }

    #[test]
    fn identical_images_hit_the_epsilon_cap_of_100_db() {
        let real = images(&[0.25, 0.5, 0.75, 1.0], [1, 1, 2, 2]);
        close(psnr(1.0).compute(&MetricInput::images(&real, &real)).unwrap(), 100.0, 1e-4);
    }

    #[test]
    fn bad_config_and_bad_shapes_are_errors_not_panics() {
        let error = Psnr::from_config(PsnrConfig { max_value: 0.0 }).unwrap_err().to_string();
        assert!(error.starts_with("metric.psnr.max_value: must be a finite number > 0"), "{error}");
        let real = images(&[0.0; 4], [1, 1, 2, 2]);
        let other = images(&[0.0; 4], [1, 1, 4, 1]);
        assert!(psnr(1.0).compute(&MetricInput::images(&real, &other)).is_err());
        let empty = images(&[], [0, 1, 2, 2]);
        let error = psnr(1.0).compute(&MetricInput::images(&empty, &empty)).unwrap_err().to_string();
        assert!(error.contains("the images are empty"), "{error}");
    }
}
