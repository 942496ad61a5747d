//! `vae`: a convolutional variational autoencoder (Kingma & Welling, 2014).
//!
//! **Encoder**: one 3×3, stride-2, padding-1 convolution per entry of `channels`, each followed by
//! a ReLU (a side of `s` pixels becomes `ceil(s / 2)`: 28 → 14 → 7, 8 → 4 → 2), then the feature
//! map is flattened and two linear layers give the posterior mean `mu` and log-variance `logvar`.
//!
//! **Decoder**: the mirror image. A linear layer (ReLU) maps `z` back to the smallest feature
//! map, then one 3×3, stride-2 transposed convolution per encoder layer walks the sizes back up
//! (ReLU between them); the last one outputs the image's channel count and a sigmoid turns its
//! logits into pixel probabilities. Each transposed convolution's output padding (0 or 1, per
//! axis) is chosen from the recorded encoder sizes, so odd sizes round-trip exactly
//! (7 → 14 → 28, not 7 → 13 → 25) and the reconstruction always has the input's shape.
//!
//! **Loss** (`compute_loss`): `z = mu + exp(logvar / 2) · eps` with `eps ~ N(0, 1)`;
//! `reconstruction` is the binary cross-entropy summed over pixels and averaged over the batch,
//! `kl = -½ Σ(1 + logvar − mu² − exp(logvar))` averaged over the batch, and
//! `loss = reconstruction + beta · kl`. Both terms are reported as metrics.
//!
//! Pixels are expected in `[0, 1]` (what the datasets produce).

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{log_sigmoid, relu, sigmoid};
use burn::tensor::{Device, Distribution, Tensor};
use frameworm_core::{Batch, ComponentError, FieldNeed, ImageShape, LossOutput, Model, Sampler, Schema, fields};
use serde::{Deserialize, Serialize};

/// The `model.vae` config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VaeConfig {
    /// Size of the latent code `z` (default 16).
    pub latent_dim: usize,
    /// Output channels of the encoder's stride-2 convolutions, one layer per entry (default
    /// `[32, 64]`); the decoder mirrors them.
    pub channels: Vec<usize>,
    /// Weight of the KL term in the loss (default 1.0; `beta > 1` gives a β-VAE).
    pub beta: f64,
}

impl Default for VaeConfig {
    fn default() -> Self {
        VaeConfig { latent_dim: 16, channels: vec![32, 64], beta: 1.0 }
    }
}

impl VaeConfig {
    /// Checks the config against the data shape; errors start with `model.vae:`.
    pub fn validate(&self, data: &ImageShape) -> Result<(), ComponentError> {
        let invalid = |message: String| Err(ComponentError::Invalid(format!("model.vae: {message}")));
        if self.latent_dim == 0 {
            return invalid("`latent_dim` must be positive (got 0)".into());
        }
        if self.channels.is_empty() {
            return invalid("`channels` must list at least one layer width (e.g. [32, 64])".into());
        }
        if let Some(index) = self.channels.iter().position(|&c| c == 0) {
            return invalid(format!("`channels[{index}]` must be positive (got 0); channels = {:?}", self.channels));
        }
        if !self.beta.is_finite() || self.beta < 0.0 {
            return invalid(format!("`beta` must be a finite number >= 0 (got {})", self.beta));
        }
        if data.channels == 0 || data.height == 0 || data.width == 0 {
            return invalid(format!(
                "the dataset's items are empty ({}×{}×{}, channels×height×width)",
                data.channels, data.height, data.width
            ));
        }
        let layers = self.channels.len();
        let side = data.height.min(data.width);
        let needed = 1usize.checked_shl(layers as u32).filter(|&n| n > 0).unwrap_or(usize::MAX);
        if side < needed {
            let fit = usize::BITS - 1 - side.leading_zeros();
            return invalid(format!(
                "a {}×{} image is too small for {layers} stride-2 layers (`channels` has {layers} entries): each layer \
                 halves the size, so the image needs at least {needed} pixels per side; use at most {fit} entries",
                data.height, data.width
            ));
        }
        Ok(())
    }
}

/// What [`Vae::forward`] returns: the deterministic reconstruction (decoded from `mu`) and the
/// posterior parameters.
#[derive(Debug, Clone)]
pub struct VaeOutput {
    /// Pixel probabilities `[N, C, H, W]`, the input's shape.
    pub reconstruction: Tensor<4>,
    /// Posterior means `[N, latent_dim]`.
    pub mu: Tensor<2>,
    /// Posterior log-variances `[N, latent_dim]`.
    pub logvar: Tensor<2>,
}

/// The model. Build it with [`Model::new`]; see the module docs for the architecture.
#[derive(Module, Debug)]
pub struct Vae {
    encoder: Vec<Conv2d>,
    to_mu: Linear,
    to_logvar: Linear,
    from_latent: Linear,
    decoder: Vec<ConvTranspose2d>,
    latent_dim: usize,
    /// Channels, height and width of the smallest feature map (the encoder's output).
    bottleneck: [usize; 3],
    beta: f64,
}

/// The side lengths after each encoder layer, input first: `sizes[0]` is the image, `sizes[k]`
/// the output of layer `k`.
fn encoder_sizes(height: usize, width: usize, layers: usize) -> Vec<[usize; 2]> {
    let mut sizes = vec![[height, width]];
    for _ in 0..layers {
        let [h, w] = sizes[sizes.len() - 1];
        sizes.push([h.div_ceil(2), w.div_ceil(2)]);
    }
    sizes
}

impl Vae {
    /// Size of the latent code.
    pub fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    /// Weight of the KL term.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Encodes images `[N, C, H, W]` into the posterior mean and log-variance, `[N, latent_dim]` each.
    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let mut x = images;
        for conv in &self.encoder {
            x = relu(conv.forward(x));
        }
        let flat = x.flatten::<2>(1, 3);
        (self.to_mu.forward(flat.clone()), self.to_logvar.forward(flat))
    }

    /// The decoder's pre-sigmoid output (logits) for codes `z` `[N, latent_dim]`.
    fn decode_logits(&self, z: Tensor<2>) -> Tensor<4> {
        let n = z.dims()[0];
        let [c, h, w] = self.bottleneck;
        let mut x = relu(self.from_latent.forward(z)).reshape([n, c, h, w]);
        let last = self.decoder.len() - 1;
        for (index, deconv) in self.decoder.iter().enumerate() {
            x = deconv.forward(x);
            if index != last {
                x = relu(x);
            }
        }
        x
    }

    /// Decodes codes `z` `[N, latent_dim]` into images `[N, C, H, W]` with values in `(0, 1)`.
    pub fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        sigmoid(self.decode_logits(z))
    }

    /// The forward pass on images `[N, C, H, W]`: the posterior and the reconstruction of its mean.
    pub fn run(&self, images: Tensor<4>) -> VaeOutput {
        let (mu, logvar) = self.encode(images);
        VaeOutput { reconstruction: self.decode(mu.clone()), mu, logvar }
    }

    /// The deterministic reconstruction of `images`: `decode(mu)`.
    pub fn reconstruct(&self, images: Tensor<4>) -> Tensor<4> {
        let (mu, _) = self.encode(images);
        self.decode(mu)
    }

    /// Draws `n` images from the prior: `decode(z)` with `z ~ N(0, 1)`.
    pub fn sample(&self, n: usize, device: &Device) -> Tensor<4> {
        self.decode(Tensor::random([n, self.latent_dim], Distribution::Normal(0.0, 1.0), device))
    }
}

impl Model for Vae {
    type Config = VaeConfig;
    type Output = VaeOutput;

    fn reads(_: &Self::Config) -> Vec<FieldNeed> {
        vec![FieldNeed::float(fields::IMAGE).rank(3)]
    }

    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let data = &ImageShape::of(schema, "vae")?;
        config.validate(data)?;
        let layers = config.channels.len();
        let sizes = encoder_sizes(data.height, data.width, layers);
        let conv = |from: usize, to: usize| {
            Conv2dConfig::new([from, to], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let mut widths = vec![data.channels];
        widths.extend_from_slice(&config.channels);
        let encoder = widths.windows(2).map(|pair| conv(pair[0], pair[1])).collect();

        let [bottom_h, bottom_w] = sizes[layers];
        let bottom_c = widths[layers];
        let flat = bottom_c * bottom_h * bottom_w;

        // Layer k of the decoder undoes encoder layer `layers - 1 - k`: from `sizes[i + 1]` back
        // to `sizes[i]`. A 3×3, stride-2, padding-1 transposed conv maps s to 2s − 1 + p, so the
        // output padding p is 1 for an even target size and 0 for an odd one.
        let decoder = (0..layers)
            .rev()
            .map(|i| {
                let [h, w] = sizes[i];
                ConvTranspose2dConfig::new([widths[i + 1], widths[i]], [3, 3])
                    .with_stride([2, 2])
                    .with_padding([1, 1])
                    .with_padding_out([1 - h % 2, 1 - w % 2])
                    .init(device)
            })
            .collect();

        Ok(Vae {
            encoder,
            to_mu: LinearConfig::new(flat, config.latent_dim).init(device),
            to_logvar: LinearConfig::new(flat, config.latent_dim).init(device),
            from_latent: LinearConfig::new(config.latent_dim, flat).init(device),
            decoder,
            latent_dim: config.latent_dim,
            bottleneck: [bottom_c, bottom_h, bottom_w],
            beta: config.beta,
        })
    }

    fn forward(&self, batch: &Batch) -> Result<VaeOutput, ComponentError> {
        Ok(self.run(batch.image()?))
    }

    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let images = batch.image()?;
        let n = images.dims()[0] as f64;
        let (mu, logvar) = self.encode(images.clone());

        // Reparameterisation: the noise carries no gradient, mu and logvar do.
        let eps = Tensor::random(mu.shape(), Distribution::Normal(0.0, 1.0), &mu.device());
        let z = mu.clone() + (logvar.clone() * 0.5).exp() * eps;
        let logits = self.decode_logits(z);

        // Binary cross-entropy from the logits: with p = sigmoid(l),
        // -(x·ln p + (1 − x)·ln(1 − p)) = −ln sigmoid(−l) − x·l. Same value as clamping p, but
        // finite for any logit and with a gradient everywhere (a clamp would zero it).
        let bce = -log_sigmoid(-logits.clone()) - images * logits;
        let reconstruction = bce.sum().div_scalar(n);

        let kl = (logvar.clone() + 1.0 - mu.powi_scalar(2) - logvar.exp()).sum().mul_scalar(-0.5 / n);
        let loss = reconstruction.clone() + kl.clone().mul_scalar(self.beta);
        Ok(LossOutput::new(loss).with_metric("reconstruction", reconstruction).with_metric("kl", kl))
    }

    fn reconstruction(&self, batch: &Batch) -> Result<Option<Tensor<4>>, ComponentError> {
        Ok(Some(self.reconstruct(batch.image()?)))
    }

    fn sampler(&self) -> Option<&dyn Sampler> {
        Some(self)
    }
}

impl Sampler for Vae {
    fn sample(&self, count: usize, device: &Device) -> Tensor<4> {
        Vae::sample(self, count, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::{assert_adam_lowers_loss, bars, image_info, parse_yaml_section, pattern_images, value};

    #[test]
    fn shapes_round_trip_for_digits_mnist_and_cifar_sizes() {
        let device = Device::default();
        for (c, h, w) in [(1, 8, 8), (1, 28, 28), (3, 32, 32), (1, 16, 16), (2, 7, 9)] {
            let model = Vae::new(&VaeConfig::default(), &image_info(c, h, w), &device).unwrap();
            let output = model.run(pattern_images(2, c, h, w, &device));
            assert_eq!(output.reconstruction.dims(), [2, c, h, w], "{c}×{h}×{w}");
            assert_eq!(output.mu.dims(), [2, 16]);
            assert_eq!(output.logvar.dims(), [2, 16]);
            assert_eq!(model.reconstruct(pattern_images(3, c, h, w, &device)).dims(), [3, c, h, w]);
            assert_eq!(model.sample(5, &device).dims(), [5, c, h, w]);
        }
    }

    #[test]
    fn three_layers_on_mnist_and_custom_latent() {
        let device = Device::default();
        let config = VaeConfig { latent_dim: 3, channels: vec![8, 16, 4], beta: 0.5 };
        let model = Vae::new(&config, &image_info(1, 28, 28), &device).unwrap();
        assert_eq!(model.latent_dim(), 3);
        assert_eq!(model.bottleneck, [4, 4, 4]); // 28 → 14 → 7 → 4
        let (mu, logvar) = model.encode(pattern_images(2, 1, 28, 28, &device));
        assert_eq!((mu.dims(), logvar.dims()), ([2, 3], [2, 3]));
        let decoded = model.decode(Tensor::zeros([4, 3], &device));
        assert_eq!(decoded.dims(), [4, 1, 28, 28]);
        let (low, high) = (value(decoded.clone().min()), value(decoded.max()));
        assert!(low > 0.0 && high < 1.0, "sigmoid output in (0, 1): {low}..{high}");
    }

    #[test]
    fn sizes_follow_ceil_halving() {
        assert_eq!(encoder_sizes(28, 28, 2), [[28, 28], [14, 14], [7, 7]]);
        assert_eq!(encoder_sizes(8, 7, 3), [[8, 7], [4, 4], [2, 2], [1, 1]]);
    }

    #[test]
    fn loss_is_finite_and_sums_its_terms() {
        let device = Device::default();
        for beta in [1.0, 2.5] {
            let config = VaeConfig { beta, ..VaeConfig::default() };
            let model = Vae::new(&config, &image_info(1, 8, 8), &device).unwrap();
            let batch = Batch::images(pattern_images(4, 1, 8, 8, &device), None);
            let output = model.compute_loss(&batch).unwrap();
            let names: Vec<_> = output.metrics.iter().map(|(name, _)| *name).collect();
            assert_eq!(names, ["reconstruction", "kl"]);
            let loss = value(output.loss);
            let reconstruction = value(output.metrics[0].1.clone());
            let kl = value(output.metrics[1].1.clone());
            assert!(loss.is_finite() && reconstruction.is_finite() && kl.is_finite());
            assert!(kl >= 0.0, "KL divergence is non-negative: {kl}");
            // Untrained: p ≈ 0.5 per pixel, so the BCE is near 64·ln 2 ≈ 44 per image.
            assert!(reconstruction > 30.0 && reconstruction < 60.0, "reconstruction {reconstruction}");
            let expected = reconstruction + beta * kl;
            assert!((loss - expected).abs() < 1e-4 * expected.abs().max(1.0), "{loss} != {reconstruction} + {beta}·{kl}");
        }
    }

    #[test]
    fn reconstruction_term_matches_a_direct_bce() {
        // The loss's BCE formula, −ln sigmoid(−l) − x·l, equals the clamped-probability form.
        let device = Device::default();
        let logits = Tensor::<1>::from_floats([-3.0, -0.5, 0.0, 0.7, 4.0], &device);
        let x = Tensor::<1>::from_floats([0.0, 0.2, 0.5, 1.0, 0.9], &device);
        let stable = value((-log_sigmoid(-logits.clone()) - x.clone() * logits.clone()).sum());
        let p = sigmoid(logits).clamp(1e-7, 1.0 - 1e-7);
        let direct = value((-(x.clone() * p.clone().log() + (-x + 1.0) * (-p + 1.0).log())).sum());
        assert!((stable - direct).abs() < 1e-4, "{stable} vs {direct}");
        // And it stays finite where the probability saturates.
        let extreme = Tensor::<1>::from_floats([-200.0, 200.0], &device);
        let target = Tensor::<1>::from_floats([1.0, 0.0], &device);
        let bce = value((-log_sigmoid(-extreme.clone()) - target * extreme).sum());
        assert!((bce - 400.0).abs() < 1e-3, "{bce}");
    }

    #[test]
    fn adam_steps_lower_the_loss_on_a_fixed_batch() {
        let device = Device::default().autodiff();
        device.seed(7);
        let config = VaeConfig { latent_dim: 4, channels: vec![8, 16], beta: 1.0 };
        let model = Vae::new(&config, &image_info(1, 8, 8), &device).unwrap();
        // Binary bars: learnable, and their BCE floor is 0.
        let batch = Batch::images(bars(8, &device), None);
        // The loss is stochastic (eps), so compare averages over a few evaluations.
        assert_adam_lowers_loss(model, &batch, 4, 60, 1e-2, 0.7);
    }

    #[test]
    fn refuses_bad_configs_with_clear_messages() {
        let device = Device::default();
        let error = |config: VaeConfig, data: &Schema| Vae::new(&config, data, &device).unwrap_err().to_string();
        let digits = image_info(1, 8, 8);
        let message = error(VaeConfig { latent_dim: 0, ..VaeConfig::default() }, &digits);
        assert!(message.starts_with("model.vae: `latent_dim` must be positive"), "{message}");
        let message = error(VaeConfig { channels: vec![], ..VaeConfig::default() }, &digits);
        assert!(message.starts_with("model.vae: `channels` must list"), "{message}");
        let message = error(VaeConfig { channels: vec![8, 0], ..VaeConfig::default() }, &digits);
        assert!(message.starts_with("model.vae: `channels[1]` must be positive"), "{message}");
        let message = error(VaeConfig { beta: -1.0, ..VaeConfig::default() }, &digits);
        assert!(message.starts_with("model.vae: `beta`"), "{message}");
        let message = error(VaeConfig { channels: vec![4; 4], ..VaeConfig::default() }, &digits);
        assert!(message.starts_with("model.vae: a 8×8 image is too small for 4 stride-2 layers"), "{message}");
        assert!(message.contains("at least 16 pixels") && message.contains("at most 3 entries"), "{message}");
        // Three layers fit an 8×8 image (down to 1×1).
        assert!(Vae::new(&VaeConfig { channels: vec![4; 3], ..VaeConfig::default() }, &digits, &device).is_ok());
        // A narrow side counts.
        let message = error(VaeConfig::default(), &image_info(1, 32, 3));
        assert!(message.contains("a 32×3 image is too small for 2 stride-2 layers"), "{message}");
    }

    #[test]
    fn config_defaults_and_unknown_keys() {
        let parse = |text: &str| parse_yaml_section::<VaeConfig>("model.vae", text);
        assert_eq!(parse("").unwrap(), VaeConfig { latent_dim: 16, channels: vec![32, 64], beta: 1.0 });
        assert_eq!(parse("latent_dim: 8\nbeta: 4.0").unwrap(), VaeConfig { latent_dim: 8, channels: vec![32, 64], beta: 4.0 });
        let error = parse("latent: 3").unwrap_err().to_string();
        assert!(error.starts_with("model.vae:") && error.contains("unknown field `latent`"), "{error}");
    }
}
