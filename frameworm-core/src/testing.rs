//! Test support for plugin authors: the fixtures and checks that the shipped plugins' unit tests
//! share, so a plugin's tests read like its neighbours' without copying helpers. Hidden from the
//! docs and not part of the stable API; use it from `#[cfg(test)]` code.
//!
//! - data: [`image_info`] (an unlabelled shape), [`pattern_images`] (fixed values in `[0, 1]`,
//!   no seed), [`bars`] (learnable binary 8×8 images);
//! - reading tensors: [`value`], [`floats`];
//! - training checks: [`mean_loss`] over several draws and [`adam_steps`] on one fixed batch,
//!   and [`assert_adam_lowers_loss`] ("a few optimizer steps lower the loss") built on them;
//! - config sections: [`parse_yaml_section`], a section's YAML text through [`parse_section`];
//! - [`rng_lock`]: the backend's random generator is one per process, shared by every test thread;
//! - [`gzip`]: bytes as a `.gz` file holds them, for the datasets' gzipped inputs.

use std::sync::{Mutex, MutexGuard};

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};

use crate::{Batch, ComponentConfig, ComponentError, Model, Schema, parse_section};

/// The schema of unlabelled images: `image` f32[channels, height, width].
pub fn image_info(channels: usize, height: usize, width: usize) -> Schema {
    Schema::image(channels, height, width, None)
}

/// `n` images of `c × h × w` with values in `[0, 1]`: a fixed pattern (value `i` is
/// `(i · 7919 mod 101) / 100`), so tests do not depend on a seed.
pub fn pattern_images(n: usize, c: usize, h: usize, w: usize, device: &Device) -> Tensor<4> {
    let len = n * c * h * w;
    let values: Vec<f32> = (0..len).map(|i| ((i * 7919) % 101) as f32 / 100.0).collect();
    Tensor::<1>::from_floats(values.as_slice(), device).reshape([n, c, h, w])
}

/// `n` binary 1×8×8 bar images: even items horizontal bars, odd items vertical ones, on the rows
/// (columns) whose index is the item's modulo 4. Learnable, and a reconstruction loss's floor on
/// them is 0.
pub fn bars(n: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..n * 64)
        .map(|i| {
            let (item, row, col) = (i / 64, (i % 64) / 8, i % 8);
            let line = if item % 2 == 0 { row } else { col };
            if line % 4 == item % 4 { 1.0 } else { 0.0 }
        })
        .collect();
    Tensor::<1>::from_floats(values.as_slice(), device).reshape([n, 1, 8, 8])
}

/// A one-element tensor's value.
pub fn value(tensor: Tensor<1>) -> f64 {
    tensor.into_scalar::<f32>() as f64
}

/// A float tensor's values, in row-major order.
pub fn floats<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().expect("f32 data")
}

/// The mean of `draws` evaluations of `model`'s loss on `batch`: a loss that draws noise
/// (a VAE's ε, a diffusion model's t and ε) is compared on its average.
pub fn mean_loss<M: Model>(model: &M, batch: &Batch, draws: usize) -> f64 {
    (0..draws).map(|_| value(model.compute_loss(batch).expect("the loss of a test batch").loss)).sum::<f64>() / draws as f64
}

/// `steps` steps of Adam (default settings) at learning rate `lr` on `model`'s loss of the one
/// fixed `batch`; returns the trained model. `model` must live on an autodiff device.
pub fn adam_steps<M: Model>(mut model: M, batch: &Batch, steps: usize, lr: f64) -> M {
    let mut optimizer = AdamConfig::new().init();
    for _ in 0..steps {
        let loss = model.compute_loss(batch).expect("the loss of a test batch").loss;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(lr, model, grads);
    }
    model
}

/// "A few optimizer steps lower the loss": the mean loss over `draws` draws, then `steps` Adam
/// steps at `lr` on `batch`, then the mean loss again, which must be finite and below
/// `factor` × where it started. Returns the trained model and the mean loss it started from,
/// for further checks.
pub fn assert_adam_lowers_loss<M: Model>(model: M, batch: &Batch, draws: usize, steps: usize, lr: f64, factor: f64) -> (M, f64) {
    let before = mean_loss(&model, batch, draws);
    let model = adam_steps(model, batch, steps, lr);
    let after = mean_loss(&model, batch, draws);
    assert!(after.is_finite());
    assert!(after < before * factor, "loss did not drop: {before} -> {after}");
    (model, before)
}

/// Parses `yaml` as the config section named `section` (e.g. `model.vae`), as a run config's
/// section is parsed: defaults filled in, unknown keys refused, errors naming the section.
pub fn parse_yaml_section<C: ComponentConfig>(section: &str, yaml: &str) -> Result<C, ComponentError> {
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("test YAML parses");
    parse_section(section, &value)
}

/// Holds the process's lock on the backend's random generator: the generator is shared by every
/// test thread, so a test that seeds it and needs exactly its own draws (parameter init
/// included) holds this for its whole body. A panicking holder does not poison it for the others.
pub fn rng_lock() -> MutexGuard<'static, ()> {
    static RNG: Mutex<()> = Mutex::new(());
    RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `bytes` gzip-compressed at the best ratio, as a `.gz` file holds them (what
/// [`crate::gunzip`] reads back).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}
