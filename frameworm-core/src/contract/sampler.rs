//! The "can sample" capability: a generative model draws new images from its prior (a VAE's
//! decoder on normal noise, a GAN's generator, a diffusion model's reverse process). The CLI's
//! `sample` and `evaluate`, the `sample-grid` callback and sample-based metrics all go through
//! it, so every generative model is treated alike.

use burn::tensor::{Device, Tensor};

/// A model that can generate images.
///
/// Implement it on the model and return `Some(self)` from [`crate::Model::sampler`] (a sketch,
/// not compiled: the model's other methods are elided; `plugins/vae` is a whole one):
///
/// ```ignore
/// impl Sampler for MyVae {
///     fn sample(&self, count: usize, device: &Device) -> Tensor<4> { /* decode noise */ }
/// }
/// impl Model for MyVae {
///     fn sampler(&self) -> Option<&dyn Sampler> { Some(self) }
///     /* … */
/// }
/// ```
pub trait Sampler {
    /// Draws `count` new images `[count, C, H, W]` with values in `[0, 1]` on `device`. All
    /// randomness comes from the device's generator, so seeding the device beforehand
    /// (`device.seed(s)`) makes the draw repeatable.
    fn sample(&self, count: usize, device: &Device) -> Tensor<4>;
}

/// Why model `model` cannot sample, naming it (for `sample`, pipelines and sample metrics).
pub fn cannot_sample(model: &str) -> String {
    format!("model `{model}` cannot sample: it does not implement the Sampler capability (generative models such as vae, dcgan and ddpm do)")
}
