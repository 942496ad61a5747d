//! `resnet-vae`: a variational autoencoder built from residual blocks, the Rust port of the
//! ancestor framework's `custom_resnet` example plugin. It is written like a third-party plugin:
//! the core knows nothing about it; it only implements [`Model`] and [`Sampler`] from
//! `frameworm-core` and declares itself in `plugin.yaml`.
//!
//! **Residual block** ([`ResBlock`]): `relu(bn(conv3×3(relu(bn(conv3×3(x))))) + x)`, the channel
//! count and the size unchanged.
//!
//! **Encoder** (`hid` = `hidden_channels`): conv 4×4/2 (C → hid/2) → BN → ReLU → ResBlock →
//! conv 4×4/2 (hid/2 → hid) → BN → ReLU → ResBlock → ResBlock → global average pool → two linear
//! layers giving the posterior mean `mu` and log-variance `logvar`. A 4×4, stride-2, padding-1
//! convolution maps a side of `s` pixels to `floor(s / 2)`: 8 → 4 → 2, 28 → 14 → 7, 32 → 16 → 8.
//!
//! **Decoder**: linear (latent → hid·h·w) → reshape to `(hid, h, w)` → ResBlock → transposed
//! conv 4×4/2 (hid → hid/2) → BN → ReLU → ResBlock → transposed conv 4×4/2 (hid/2 → C) → sigmoid.
//!
//! Two bugs of the original are fixed here. (1) Its decoder reshaped to a hard-coded
//! `(128, 4, 4)`, so it only worked for 16×16 outputs with `hidden_channels = 128`; here the start
//! map is `(hid, floor(floor(H/2)/2), floor(floor(W/2)/2))`, computed from the data shape, and each
//! transposed convolution (which maps `s` to `2s + p`) gets the output padding `p` that restores
//! the recorded encoder size, so odd sizes round-trip too (7 → 14 → 28 but also 9 → 4 → 2 → 4 → 9).
//! (2) Its decoder ended in `tanh` (values in `[-1, 1]`) while the data are in `[0, 1]`; here it
//! ends in a sigmoid.
//!
//! **Loss** (as in the original): `z = mu + exp(logvar / 2) · eps`, `eps ~ N(0, 1)`;
//! `recon_loss` = mean squared error over all pixels, `kl_loss = -½ · mean(1 + logvar − mu² −
//! exp(logvar))` over all batch × latent entries, `loss = recon_loss + kl_weight · kl_loss`.
//!
//! **Batch normalisation**: burn's `BatchNorm` uses the batch statistics (and updates its running
//! mean and variance) when the model runs on an autodiff device, i.e. in training; the copy from
//! `valid()` (validation, `sample`, `evaluate`, callbacks) uses the running statistics, so an
//! image's reconstruction does not depend on the rest of its batch.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Distribution, Tensor};
use frameworm_core::{Batch, ComponentError, FieldNeed, ImageShape, LossOutput, Model, Sampler, Schema, fields};
use serde::{Deserialize, Serialize};

/// The config section's name, used in error messages.
const SECTION: &str = "model.resnet-vae";

/// The `model.resnet-vae` config section. Defaults are the original's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResnetVaeConfig {
    /// Size of the latent code `z` (default 128).
    pub latent_dim: usize,
    /// Channels of the deeper residual stage (`hid`); the first stage has `hid / 2`, so it must
    /// be even (default 128).
    pub hidden_channels: usize,
    /// Weight of the KL term in the loss (default 0.001, the original's).
    pub kl_weight: f64,
}

impl Default for ResnetVaeConfig {
    fn default() -> Self {
        ResnetVaeConfig { latent_dim: 128, hidden_channels: 128, kl_weight: 0.001 }
    }
}

impl ResnetVaeConfig {
    /// Checks the config against the data shape; errors name the key (`model.resnet-vae.<key>`).
    pub fn validate(&self, data: &ImageShape) -> Result<(), ComponentError> {
        let bad = |key: &str, message: String| {
            Err(ComponentError::Config { section: SECTION.into(), key: key.into(), message })
        };
        if self.latent_dim == 0 {
            return bad("latent_dim", "must be positive (got 0); e.g. 16".into());
        }
        if self.hidden_channels < 2 || !self.hidden_channels.is_multiple_of(2) {
            return bad(
                "hidden_channels",
                format!(
                    "must be an even number >= 2, since the first residual stage has hidden_channels / 2 channels \
                     (got {}); e.g. 64",
                    self.hidden_channels
                ),
            );
        }
        if !self.kl_weight.is_finite() || self.kl_weight < 0.0 {
            return bad("kl_weight", format!("must be a finite number >= 0 (got {}); e.g. 0.001", self.kl_weight));
        }
        if data.channels == 0 || data.height < 4 || data.width < 4 {
            return Err(ComponentError::Invalid(format!(
                "{SECTION}: needs images of at least 1×4×4 (channels×height×width), since two stride-2 layers halve \
                 each side twice; the dataset's items are {}×{}×{}",
                data.channels, data.height, data.width
            )));
        }
        Ok(())
    }
}

/// A residual block: `relu(bn2(conv2(relu(bn1(conv1(x))))) + x)` with 3×3, padding-1 convolutions.
#[derive(Module, Debug)]
pub struct ResBlock {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
}

impl ResBlock {
    /// A block on `channels` channels.
    pub fn new(channels: usize, device: &Device) -> Self {
        let conv = || {
            Conv2dConfig::new([channels, channels], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let bn = || BatchNormConfig::new(channels).init(device);
        ResBlock { conv1: conv(), bn1: bn(), conv2: conv(), bn2: bn() }
    }

    /// The block on `x` `[N, channels, H, W]`; same shape out.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let out = relu(self.bn1.forward(self.conv1.forward(x.clone())));
        let out = self.bn2.forward(self.conv2.forward(out));
        relu(out + x)
    }
}

/// What [`ResnetVae::forward`] returns: the deterministic reconstruction (decoded from `mu`) and
/// the posterior parameters.
#[derive(Debug, Clone)]
pub struct ResnetVaeOutput {
    /// Images `[N, C, H, W]` in `(0, 1)`, the input's shape.
    pub reconstruction: Tensor<4>,
    /// Posterior means `[N, latent_dim]`.
    pub mu: Tensor<2>,
    /// Posterior log-variances `[N, latent_dim]`.
    pub logvar: Tensor<2>,
}

/// The model. Build it with [`Model::new`]; see the module docs for the architecture.
#[derive(Module, Debug)]
pub struct ResnetVae {
    down1: Conv2d,
    down1_bn: BatchNorm,
    enc_block1: ResBlock,
    down2: Conv2d,
    down2_bn: BatchNorm,
    enc_block2: ResBlock,
    enc_block3: ResBlock,
    fc_mu: Linear,
    fc_logvar: Linear,
    fc_decode: Linear,
    dec_block1: ResBlock,
    up1: ConvTranspose2d,
    up1_bn: BatchNorm,
    dec_block2: ResBlock,
    up2: ConvTranspose2d,
    latent_dim: usize,
    /// Channels, height and width of the decoder's first feature map.
    start: [usize; 3],
    kl_weight: f64,
}

/// The side lengths through the encoder, image first: each 4×4, stride-2, padding-1 convolution
/// maps `s` to `floor(s / 2)`.
fn encoder_sizes(height: usize, width: usize) -> [[usize; 2]; 3] {
    [[height, width], [height / 2, width / 2], [height / 4, width / 4]]
}

/// Mean squared error over every element (the original's `mse_loss(reduction='mean')`), `[1]`.
pub fn recon_loss(reconstruction: Tensor<4>, images: Tensor<4>) -> Tensor<1> {
    (reconstruction - images).powi_scalar(2).mean()
}

/// `-½ · mean(1 + logvar − mu² − exp(logvar))` over every batch × latent entry, `[1]`: the KL
/// divergence from `N(mu, exp(logvar))` to `N(0, 1)` per latent dimension, averaged.
pub fn kl_loss(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<1> {
    (logvar.clone() + 1.0 - mu.powi_scalar(2) - logvar.exp()).mean().mul_scalar(-0.5)
}

impl ResnetVae {
    /// Size of the latent code.
    pub fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    /// Weight of the KL term.
    pub fn kl_weight(&self) -> f64 {
        self.kl_weight
    }

    /// Channels, height and width of the decoder's first feature map.
    pub fn decoder_start(&self) -> [usize; 3] {
        self.start
    }

    /// The forward pass on images `[N, C, H, W]`: the posterior and the reconstruction of its mean.
    pub fn run(&self, images: Tensor<4>) -> ResnetVaeOutput {
        let (mu, logvar) = self.encode(images);
        ResnetVaeOutput { reconstruction: self.decode(mu.clone()), mu, logvar }
    }

    /// Encodes images `[N, C, H, W]` into the posterior mean and log-variance, `[N, latent_dim]` each.
    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let x = relu(self.down1_bn.forward(self.down1.forward(images)));
        let x = self.enc_block1.forward(x);
        let x = relu(self.down2_bn.forward(self.down2.forward(x)));
        let x = self.enc_block3.forward(self.enc_block2.forward(x));
        // Global average pool: [N, hid, h, w] → [N, hid].
        let pooled = x.mean_dim(3).mean_dim(2).flatten::<2>(1, 3);
        (self.fc_mu.forward(pooled.clone()), self.fc_logvar.forward(pooled))
    }

    /// Decodes codes `z` `[N, latent_dim]` into images `[N, C, H, W]` with values in `(0, 1)`.
    pub fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        let n = z.dims()[0];
        let [c, h, w] = self.start;
        let x = self.fc_decode.forward(z).reshape([n, c, h, w]);
        let x = self.dec_block1.forward(x);
        let x = relu(self.up1_bn.forward(self.up1.forward(x)));
        let x = self.dec_block2.forward(x);
        sigmoid(self.up2.forward(x))
    }

    /// The deterministic reconstruction of `images`: `decode(mu)`.
    pub fn reconstruct(&self, images: Tensor<4>) -> Tensor<4> {
        let (mu, _) = self.encode(images);
        self.decode(mu)
    }

    /// Draws `n` images from the prior: `decode(z)` with `z ~ N(0, 1)` from `device`'s generator.
    pub fn sample(&self, n: usize, device: &Device) -> Tensor<4> {
        self.decode(Tensor::random([n, self.latent_dim], Distribution::Normal(0.0, 1.0), device))
    }
}

impl Model for ResnetVae {
    type Config = ResnetVaeConfig;
    type Output = ResnetVaeOutput;

    fn reads(_: &Self::Config) -> Vec<FieldNeed> {
        vec![FieldNeed::float(fields::IMAGE).rank(3)]
    }

    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let data = &ImageShape::of(schema, "resnet-vae")?;
        config.validate(data)?;
        let hid = config.hidden_channels;
        let half = hid / 2;
        let sizes = encoder_sizes(data.height, data.width);
        let down = |from: usize, to: usize| {
            Conv2dConfig::new([from, to], [4, 4])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        // A 4×4, stride-2, padding-1 transposed conv maps s to 2s + p: p = 1 restores an odd size.
        let up = |from: usize, to: usize, [h, w]: [usize; 2]| {
            ConvTranspose2dConfig::new([from, to], [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .with_padding_out([h % 2, w % 2])
                .init(device)
        };
        let bn = |channels: usize| BatchNormConfig::new(channels).init(device);
        let [start_h, start_w] = sizes[2];
        Ok(ResnetVae {
            down1: down(data.channels, half),
            down1_bn: bn(half),
            enc_block1: ResBlock::new(half, device),
            down2: down(half, hid),
            down2_bn: bn(hid),
            enc_block2: ResBlock::new(hid, device),
            enc_block3: ResBlock::new(hid, device),
            fc_mu: LinearConfig::new(hid, config.latent_dim).init(device),
            fc_logvar: LinearConfig::new(hid, config.latent_dim).init(device),
            fc_decode: LinearConfig::new(config.latent_dim, hid * start_h * start_w).init(device),
            dec_block1: ResBlock::new(hid, device),
            up1: up(hid, half, sizes[1]),
            up1_bn: bn(half),
            dec_block2: ResBlock::new(half, device),
            up2: up(half, data.channels, sizes[0]),
            latent_dim: config.latent_dim,
            start: [hid, start_h, start_w],
            kl_weight: config.kl_weight,
        })
    }

    fn forward(&self, batch: &Batch) -> Result<ResnetVaeOutput, ComponentError> {
        Ok(self.run(batch.image()?))
    }

    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let images = batch.image()?;
        let (mu, logvar) = self.encode(images.clone());
        // Reparameterisation: the noise carries no gradient, mu and logvar do.
        let eps = Tensor::random(mu.shape(), Distribution::Normal(0.0, 1.0), &mu.device());
        let z = mu.clone() + (logvar.clone() * 0.5).exp() * eps;
        let recon = recon_loss(self.decode(z), images);
        let kl = kl_loss(mu, logvar);
        let loss = recon.clone() + kl.clone().mul_scalar(self.kl_weight);
        Ok(LossOutput::new(loss).with_metric("recon_loss", recon).with_metric("kl_loss", kl))
    }

    fn reconstruction(&self, batch: &Batch) -> Result<Option<Tensor<4>>, ComponentError> {
        Ok(Some(self.reconstruct(batch.image()?)))
    }

    fn sampler(&self) -> Option<&dyn Sampler> {
        Some(self)
    }
}

impl Sampler for ResnetVae {
    fn sample(&self, count: usize, device: &Device) -> Tensor<4> {
        ResnetVae::sample(self, count, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::{assert_adam_lowers_loss, bars, floats, image_info, parse_yaml_section, pattern_images, value};

    fn small() -> ResnetVaeConfig {
        ResnetVaeConfig { latent_dim: 6, hidden_channels: 8, kl_weight: 0.001 }
    }

    fn in_unit_range(tensor: Tensor<4>) -> (f64, f64) {
        let low = value(tensor.clone().min());
        let high = value(tensor.max());
        assert!((0.0..=1.0).contains(&low) && (0.0..=1.0).contains(&high), "outside [0, 1]: {low}..{high}");
        (low, high)
    }

    #[test]
    fn shapes_for_digits_mnist_cifar_and_odd_sizes() {
        for device in [Device::default(), Device::default().autodiff()] {
            for (c, h, w, start) in [
                (1, 8, 8, [8, 2, 2]),
                (1, 28, 28, [8, 7, 7]),
                (3, 32, 32, [8, 8, 8]),
                (1, 16, 16, [8, 4, 4]),
                (2, 7, 9, [8, 1, 2]),
            ] {
                let model = ResnetVae::new(&small(), &image_info(c, h, w), &device).unwrap();
                assert_eq!(model.decoder_start(), start, "{c}×{h}×{w}");
                let output = model.run(pattern_images(3, c, h, w, &device));
                assert_eq!(output.reconstruction.dims(), [3, c, h, w], "{c}×{h}×{w}");
                assert_eq!(output.mu.dims(), [3, 6]);
                assert_eq!(output.logvar.dims(), [3, 6]);
                in_unit_range(output.reconstruction);
                assert_eq!(model.reconstruct(pattern_images(2, c, h, w, &device)).dims(), [2, c, h, w]);
                let samples = model.sample(5, &device);
                assert_eq!(samples.dims(), [5, c, h, w]);
                in_unit_range(samples);
            }
        }
    }

    #[test]
    fn the_originals_defaults_and_16x16_still_work() {
        let device = Device::default();
        let model = ResnetVae::new(&ResnetVaeConfig::default(), &image_info(3, 16, 16), &device).unwrap();
        assert_eq!(model.decoder_start(), [128, 4, 4]); // what the original hard-coded
        assert_eq!((model.latent_dim(), model.kl_weight()), (128, 0.001));
        assert_eq!(model.run(pattern_images(2, 3, 16, 16, &device)).reconstruction.dims(), [2, 3, 16, 16]);
    }

    #[test]
    fn sizes_follow_floor_halving() {
        assert_eq!(encoder_sizes(28, 28), [[28, 28], [14, 14], [7, 7]]);
        assert_eq!(encoder_sizes(9, 7), [[9, 7], [4, 3], [2, 1]]);
    }

    #[test]
    fn loss_terms_match_hand_computed_values() {
        let device = Device::default();
        // MSE: differences 0.5, -0.5, 0, 1 → (0.25 + 0.25 + 0 + 1) / 4 = 0.375.
        let a = Tensor::<1>::from_floats([0.5, 0.0, 0.3, 1.0], &device).reshape([1, 1, 2, 2]);
        let b = Tensor::<1>::from_floats([0.0, 0.5, 0.3, 0.0], &device).reshape([1, 1, 2, 2]);
        assert!((value(recon_loss(a, b)) - 0.375).abs() < 1e-6);
        // KL per entry: ½(mu² + e^lv − 1 − lv). (0, 0) → 0; (1, 0) → 0.5; (0, ln 2) → ½(1 − ln 2);
        // (2, −1) → ½(4 + e⁻¹ − 1 + 1) = 2 + e⁻¹/2. Mean of the four.
        let mu = Tensor::<1>::from_floats([0.0, 1.0, 0.0, 2.0], &device).reshape([2, 2]);
        let lv = Tensor::<1>::from_floats([0.0, 0.0, 2f32.ln(), -1.0], &device).reshape([2, 2]);
        let expected = (0.0 + 0.5 + 0.5 * (1.0 - 2f64.ln()) + 2.0 + (-1f64).exp() / 2.0) / 4.0;
        let kl = value(kl_loss(mu, lv));
        assert!((kl - expected).abs() < 1e-5, "{kl} vs {expected}");
    }

    #[test]
    fn loss_is_recon_plus_weighted_kl() {
        let device = Device::default().autodiff();
        device.seed(3);
        for kl_weight in [0.001, 0.0, 0.5] {
            let config = ResnetVaeConfig { kl_weight, ..small() };
            let model = ResnetVae::new(&config, &image_info(1, 8, 8), &device).unwrap();
            let output = model.compute_loss(&Batch::images(pattern_images(4, 1, 8, 8, &device), None)).unwrap();
            let names: Vec<_> = output.metrics.iter().map(|(name, _)| *name).collect();
            assert_eq!(names, ["recon_loss", "kl_loss"]);
            let loss = output.loss.into_scalar::<f32>();
            let recon = output.metrics[0].1.clone().into_scalar::<f32>();
            let kl = output.metrics[1].1.clone().into_scalar::<f32>();
            assert!(loss.is_finite() && recon > 0.0 && kl >= 0.0, "{loss} {recon} {kl}");
            // An untrained sigmoid output is near 0.5, the targets spread over [0, 1].
            assert!(recon > 0.02 && recon < 0.3, "recon_loss {recon}");
            let expected = recon + kl * kl_weight as f32;
            assert!((loss - expected).abs() <= 1e-6 * expected.abs().max(1e-3), "{loss} != {recon} + {kl_weight}·{kl}");
        }
    }

    #[test]
    fn batch_norm_trains_on_batch_statistics_and_infers_with_running_ones() {
        let device = Device::default().autodiff();
        let model = ResnetVae::new(&small(), &image_info(1, 8, 8), &device).unwrap();
        let before = floats(model.down1_bn.running_mean.value_sync());
        assert!(before.iter().all(|&v| v == 0.0));
        let batch = pattern_images(4, 1, 8, 8, &device);
        let _ = model.run(batch.clone());
        let after = floats(model.down1_bn.running_mean.value_sync());
        assert!(after.iter().any(|&v| v != 0.0), "a training forward updates the running mean: {after:?}");

        // Training mode: an item's output depends on its batch (batch statistics).
        let alone = floats(model.reconstruct(batch.clone().narrow(0, 0, 1)));
        let together = floats(model.reconstruct(batch.clone()).narrow(0, 0, 1));
        assert!(alone.iter().zip(&together).any(|(a, b)| (a - b).abs() > 1e-4));

        // Inference copy: running statistics, so it does not; and the running stats stay put.
        let trained = floats(model.down1_bn.running_mean.value_sync());
        let valid = model.valid();
        let batch = batch.inner();
        let alone = floats(valid.reconstruct(batch.clone().narrow(0, 0, 1)));
        let together = floats(valid.reconstruct(batch).narrow(0, 0, 1));
        assert!(alone.iter().zip(&together).all(|(a, b)| (a - b).abs() < 1e-5));
        assert_eq!(floats(valid.down1_bn.running_mean.value_sync()), trained);
    }

    #[test]
    fn sampler_is_deterministic_under_the_device_seed() {
        let device = Device::default();
        let model = ResnetVae::new(&small(), &image_info(1, 8, 8), &device).unwrap();
        let sampler = model.sampler().expect("resnet-vae can sample");
        let draw = |seed| {
            device.seed(seed);
            sampler.sample(7, &device)
        };
        let first = draw(11);
        assert_eq!(first.dims(), [7, 1, 8, 8]);
        in_unit_range(first.clone());
        assert_eq!(floats(first.clone()), floats(draw(11)));
        assert_ne!(floats(first), floats(draw(12)));
        assert!(model.reconstruction(&Batch::images(pattern_images(2, 1, 8, 8, &device), None)).unwrap().is_some());
    }

    #[test]
    fn adam_steps_lower_the_loss_on_a_fixed_batch() {
        let device = Device::default().autodiff();
        device.seed(7);
        let config = ResnetVaeConfig { latent_dim: 4, hidden_channels: 8, kl_weight: 0.001 };
        let model = ResnetVae::new(&config, &image_info(1, 8, 8), &device).unwrap();
        // Binary bars: learnable, with an MSE floor of 0.
        let batch = Batch::images(bars(8, &device), None);
        // The loss is stochastic (eps), so compare averages over a few evaluations.
        let (model, before) = assert_adam_lowers_loss(model, &batch, 4, 80, 1e-2, 0.5);
        // The inference copy (running statistics) reconstructs the bars too.
        let valid = model.valid();
        let images = bars(8, &device.clone().inner());
        let mse = value(recon_loss(valid.reconstruct(images.clone()), images));
        assert!(mse < before, "inference reconstruction mse {mse} vs untrained loss {before}");
    }

    #[test]
    fn refuses_bad_configs_naming_the_key() {
        let device = Device::default();
        let error = |config: ResnetVaeConfig, data: &Schema| {
            ResnetVae::new(&config, data, &device).unwrap_err().to_string()
        };
        let digits = image_info(1, 8, 8);
        let message = error(ResnetVaeConfig { latent_dim: 0, ..small() }, &digits);
        assert!(message.starts_with("model.resnet-vae.latent_dim: must be positive"), "{message}");
        for hidden_channels in [0, 1, 7] {
            let message = error(ResnetVaeConfig { hidden_channels, ..small() }, &digits);
            assert!(message.starts_with("model.resnet-vae.hidden_channels: must be an even number"), "{message}");
            assert!(message.contains(&format!("got {hidden_channels}")), "{message}");
        }
        for kl_weight in [-0.1, f64::NAN, f64::INFINITY] {
            let message = error(ResnetVaeConfig { kl_weight, ..small() }, &digits);
            assert!(message.starts_with("model.resnet-vae.kl_weight: must be a finite number >= 0"), "{message}");
        }
        let message = error(small(), &image_info(1, 3, 8));
        assert!(message.contains("at least 1×4×4") && message.contains("1×3×8"), "{message}");
        assert!(ResnetVae::new(&small(), &image_info(1, 4, 4), &device).is_ok());
    }

    #[test]
    fn config_defaults_and_unknown_keys() {
        let parse = |text: &str| parse_yaml_section::<ResnetVaeConfig>(SECTION, text);
        assert_eq!(parse("").unwrap(), ResnetVaeConfig { latent_dim: 128, hidden_channels: 128, kl_weight: 0.001 });
        assert_eq!(
            parse("latent_dim: 8\nkl_weight: 0.05").unwrap(),
            ResnetVaeConfig { latent_dim: 8, hidden_channels: 128, kl_weight: 0.05 }
        );
        let error = parse("in_channels: 3").unwrap_err().to_string();
        assert!(error.starts_with("model.resnet-vae") && error.contains("unknown field `in_channels`"), "{error}");
    }
}
