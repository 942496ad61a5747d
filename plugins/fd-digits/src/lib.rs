//! `fd-digits`: a Fréchet distance between real and generated images, measured on the features
//! of a small classifier trained on the embedded 8×8 `digits` data. Lower is better; 0 means the
//! two sets have identical feature means and covariances.
//!
//! **What it is.** Each image goes through [`net::FeatureNet`], a 9,802-parameter CNN trained on
//! 4/5 of the digits (its held-out accuracy is tested to be ≥ 95 %); its 32 penultimate-layer
//! ReLU activations are the features. The mean and covariance of the real images' features and
//! of the generated images' features are compared with the Fréchet distance
//! `‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2·(Σ₁^½ Σ₂ Σ₁^½)^½)` ([`frechet`]).
//!
//! **What it is not.** It is FID's formula on other features: no pretrained Inception network can
//! be downloaded here, so the features come from this small digit classifier. The numbers are
//! **not comparable to FID values in papers**, nor to an FD on another feature network or on
//! other data; they compare models with each other on digit-like data, under this crate's
//! shipped weights. The features are unnormalised ReLU activations, so the scale is arbitrary.
//! As a guide (`--example reference-numbers`, 360 held-out digits as the real set): the set
//! against itself scores 0, against 360 training digits 42.3, against all 1437 training digits
//! 24.4, against 360 uniform-noise images 598 and against 360 blank images 2483. Like FID it is
//! biased upward for small sets (42 vs 24 above, same distribution), so compare runs at the
//! same sample count (the engine samples as many images as the held-out set has).
//!
//! **Inputs.** One-channel images in `[0, 1]`. 8×8 images are used as they are; other sizes are
//! resized to 8×8: larger sides are area-averaged (adaptive average pooling, which is how the UCI
//! digits themselves were made from 32×32 bitmaps), smaller ones bilinearly interpolated (burn's
//! `interpolate`). At least 2 real and 2 generated images are needed (a covariance needs two
//! points); anything else is a [`ComponentError`].

pub mod frechet;
pub mod net;

use burn::tensor::module::{adaptive_avg_pool2d, interpolate};
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Tensor};
use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::net::{FEATURES, FeatureNet, SIDE};

/// The `metric.fd-digits` config section: no keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FdDigitsConfig {}

/// The metric: holds the shipped feature network.
#[derive(Debug)]
pub struct FdDigits {
    net: FeatureNet,
    device: Device,
}

impl FdDigits {
    /// The metric with the shipped feature network on the default device.
    pub fn new() -> Result<Self, ComponentError> {
        let device = Device::default();
        Ok(FdDigits { net: FeatureNet::shipped(&device)?, device })
    }

    /// The feature network.
    pub fn net(&self) -> &FeatureNet {
        &self.net
    }

    /// The features `[N, 32]` of one-channel images `[N, 1, H, W]` (resized to 8×8 when needed),
    /// as an `N × 32` matrix. `role` names the images in errors.
    pub fn features(&self, images: &Tensor<4>, role: &str) -> Result<DMatrix<f64>, ComponentError> {
        let [n, channels, height, width] = images.dims();
        if channels != 1 {
            return Err(ComponentError::Invalid(format!(
                "metric `fd-digits`: the {role} images have {channels} channels; its feature network reads one-channel \
                 (grayscale) images"
            )));
        }
        if n < 2 {
            return Err(ComponentError::Invalid(format!(
                "metric `fd-digits`: needs at least 2 {role} images to estimate a covariance, got {n}"
            )));
        }
        if height == 0 || width == 0 {
            return Err(ComponentError::Invalid(format!("metric `fd-digits`: the {role} images are empty ({height}×{width})")));
        }
        let images = resize_to_side(images.clone().to_device(&self.device), SIDE);
        let values = self
            .net
            .features(images)
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|error| ComponentError::Invalid(format!("metric `fd-digits`: cannot read the features: {error:?}")))?;
        Ok(DMatrix::from_row_iterator(n, FEATURES, values.into_iter().map(f64::from)))
    }
}

/// `images` `[N, C, H, W]` at `side`×`side`: unchanged when already that size, area-averaged
/// along a larger axis, bilinearly interpolated along a smaller one.
pub fn resize_to_side(images: Tensor<4>, side: usize) -> Tensor<4> {
    let [_, _, height, width] = images.dims();
    if height == side && width == side {
        return images;
    }
    if height >= side && width >= side {
        return adaptive_avg_pool2d(images, [side, side]);
    }
    let options = InterpolateOptions::new(InterpolateMode::Bilinear).with_align_corners(false).with_output_size([side, side]);
    interpolate(images, options)
}

impl FromConfig for FdDigits {
    type Config = FdDigitsConfig;
    fn from_config(_: FdDigitsConfig) -> Result<Self, ComponentError> {
        FdDigits::new()
    }
}

impl Metric for FdDigits {
    fn source(&self) -> MetricSource {
        MetricSource::Samples
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
        let generated = input.generated("fd-digits")?;
        let real = self.features(input.real("fd-digits")?, "real")?;
        let generated = self.features(generated, "generated")?;
        frechet::frechet_distance(&real, &generated).map_err(|error| ComponentError::Invalid(format!("metric `fd-digits`: {error}")))
    }

    fn higher_is_better(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{SplitMix64, accuracy, digits_split};
    use burn::tensor::TensorData;

    fn fd(metric: &FdDigits, real: &Tensor<4>, generated: &Tensor<4>) -> f64 {
        metric.compute(&MetricInput::images(real, generated)).unwrap()
    }

    #[test]
    fn the_shipped_net_classifies_held_out_digits() {
        let device = Device::default();
        let net = FeatureNet::shipped(&device).unwrap();
        let (images, labels) = digits_split(true, &device).unwrap();
        assert_eq!(labels.dims(), [360]);
        let accuracy = accuracy(&net, images, labels);
        assert!(accuracy >= 0.95, "held-out accuracy {accuracy}");
    }

    #[test]
    fn real_digits_are_far_closer_to_real_digits_than_noise_or_blanks() {
        let metric = FdDigits::new().unwrap();
        let device = Device::default();
        let (held_out, _) = digits_split(true, &device).unwrap();
        let (train, _) = digits_split(false, &device).unwrap();
        let n = held_out.dims()[0];
        let mut rng = SplitMix64(3);
        let noise_values: Vec<f32> = (0..n * 64).map(|_| rng.uniform() as f32).collect();
        let noise = Tensor::<4>::from_data(TensorData::new(noise_values, [n, 1, 8, 8]), &device);
        let blank = Tensor::<4>::zeros([n, 1, 8, 8], &device);

        let itself = fd(&metric, &held_out, &held_out);
        let real = fd(&metric, &held_out, &train);
        let against_noise = fd(&metric, &held_out, &noise);
        let against_blank = fd(&metric, &held_out, &blank);
        assert!(itself.abs() < 1e-6, "FD(held-out, itself) = {itself}");
        assert!(real > 0.0, "{real}");
        assert!(against_noise > 10.0 * real, "noise {against_noise} vs real {real}");
        assert!(against_blank > 10.0 * real, "blank {against_blank} vs real {real}");
        assert!(!metric.higher_is_better());
        assert_eq!(metric.source(), MetricSource::Samples);
    }

    #[test]
    fn other_sizes_are_resized_and_bad_inputs_are_errors() {
        let metric = FdDigits::new().unwrap();
        let device = Device::default();
        let (held_out, _) = digits_split(true, &device).unwrap();
        // Each digit upscaled ×2 by pixel repetition: area-averaging gives the 8×8 digit back.
        let [n, _, h, w] = held_out.dims();
        let doubled = held_out.clone().reshape([n, 1, h, 1, w, 1]).repeat_dim(3, 2).repeat_dim(5, 2).reshape([n, 1, 2 * h, 2 * w]);
        assert!(fd(&metric, &held_out, &doubled).abs() < 1e-6);
        // Smaller images are interpolated up (any finite score, no panic).
        let small = Tensor::<4>::ones([4, 1, 5, 5], &device) * 0.5;
        assert!(fd(&metric, &small, &small).is_finite());

        let error = |real: &Tensor<4>, generated: &Tensor<4>| metric.compute(&MetricInput::images(real, generated)).unwrap_err().to_string();
        let one = Tensor::<4>::zeros([1, 1, 8, 8], &device);
        assert_eq!(error(&one, &held_out), "metric `fd-digits`: needs at least 2 real images to estimate a covariance, got 1");
        assert!(error(&held_out, &one).contains("at least 2 generated images"));
        let rgb = Tensor::<4>::zeros([4, 3, 8, 8], &device);
        assert!(error(&rgb, &rgb).contains("the real images have 3 channels"));
        let input = MetricInput { real: Some(&held_out), generated: None, predictions: None };
        assert!(metric.compute(&input).unwrap_err().to_string().contains("needs generated images"));
    }
}
