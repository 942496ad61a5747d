//! `dcgan`: a deep convolutional generative adversarial network (Radford, Metz & Chintala, 2016).
//!
//! The model holds two networks, trained against each other by the `gan` trainer
//! (`plugins/gan-trainer`); with the `default` trainer the summed loss would be minimised by
//! both, which is not adversarial training.
//!
//! **Generator** ([`Generator`]): `z ~ N(0, 1)` of size `latent_dim` → a linear layer onto the
//! smallest feature map (`generator_channels[0]` channels) → batch norm → ReLU, then one 4×4,
//! stride-2, padding-1 transposed convolution per entry of `generator_channels`, each doubling
//! the side; all but the last are followed by batch norm and ReLU, the last outputs the image's
//! channel count and a sigmoid gives pixels in `(0, 1)`.
//!
//! **Discriminator** ([`Discriminator`]): one 4×4, stride-2, padding-1 convolution per entry of
//! `discriminator_channels` (each halving the side), each followed by a leaky ReLU with slope
//! `leaky_slope`, then a linear layer to one logit ("real").
//!
//! **Sizes.** A 4×4, stride-2, padding-1 convolution maps a side `s` to `floor(s / 2)`
//! (8 → 4 → 2, 28 → 14 → 7, 32 → 16 → 8); the generator walks the same sizes back up, and each
//! transposed convolution's output padding (0 or 1) restores an odd side exactly
//! (7 → 14 → 28, 3 → 7). So any image of at least `2^layers` pixels per side works, whatever
//! its channel count.
//!
//! **Losses** (binary cross-entropy on logits, computed stably as `−ln σ(l)` for target 1 and
//! `−ln σ(−l)` for target 0, each averaged over the batch):
//! `discriminator_loss(real, fake) = BCE(D(real), 1) + BCE(D(fake), 0)` (equal to `2·ln 2` when
//! D says 0.5 everywhere) and the non-saturating `generator_loss(fake) = BCE(D(fake), 1)`.
//! `compute_loss` (used for validation) draws fresh noise and returns both, summed, with the
//! metrics `d_loss`, `g_loss`, `d_real` and `d_fake` (the mean probability D gives real and
//! fake images of being real).

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{leaky_relu, log_sigmoid, relu, sigmoid};
use burn::tensor::{Device, Distribution, Tensor};
use frameworm_core::{Batch, ComponentError, FieldNeed, ImageShape, LossOutput, Model, Sampler, Schema, fields};
use serde::{Deserialize, Serialize};

/// The `model.dcgan` config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DcganConfig {
    /// Size of the noise vector `z` the generator maps to an image (default 32).
    pub latent_dim: usize,
    /// The generator's feature-map widths, smallest map first: the linear projection outputs
    /// `generator_channels[0]` channels and each entry adds one 2× upsampling transposed
    /// convolution (default `[128, 64]`: 2×2 → 4×4 → 8×8 for the digits).
    pub generator_channels: Vec<usize>,
    /// Output channels of the discriminator's stride-2 convolutions, one layer per entry
    /// (default `[64, 128]`).
    pub discriminator_channels: Vec<usize>,
    /// Negative slope of the discriminator's leaky ReLUs (default 0.2).
    pub leaky_slope: f64,
}

impl Default for DcganConfig {
    fn default() -> Self {
        DcganConfig { latent_dim: 32, generator_channels: vec![128, 64], discriminator_channels: vec![64, 128], leaky_slope: 0.2 }
    }
}

impl DcganConfig {
    /// Checks the config against the data shape; errors start with `model.dcgan:`.
    pub fn validate(&self, data: &ImageShape) -> Result<(), ComponentError> {
        let invalid = |message: String| Err(ComponentError::Invalid(format!("model.dcgan: {message}")));
        if self.latent_dim == 0 {
            return invalid("`latent_dim` must be positive (got 0)".into());
        }
        for (key, widths, example) in [
            ("generator_channels", &self.generator_channels, "[128, 64]"),
            ("discriminator_channels", &self.discriminator_channels, "[64, 128]"),
        ] {
            if widths.is_empty() {
                return invalid(format!("`{key}` must list at least one layer width (e.g. {example})"));
            }
            if let Some(index) = widths.iter().position(|&c| c == 0) {
                return invalid(format!("`{key}[{index}]` must be positive (got 0); {key} = {widths:?}"));
            }
        }
        if !self.leaky_slope.is_finite() || !(0.0..1.0).contains(&self.leaky_slope) {
            return invalid(format!("`leaky_slope` must be a number in [0, 1) (got {}); 0.2 is usual", self.leaky_slope));
        }
        if data.channels == 0 || data.height == 0 || data.width == 0 {
            return invalid(format!(
                "the dataset's items are empty ({}×{}×{}, channels×height×width)",
                data.channels, data.height, data.width
            ));
        }
        let side = data.height.min(data.width);
        for (key, layers) in [("generator_channels", self.generator_channels.len()), ("discriminator_channels", self.discriminator_channels.len())] {
            let needed = 1usize.checked_shl(layers as u32).filter(|&n| n > 0).unwrap_or(usize::MAX);
            if side < needed {
                let fit = usize::BITS - 1 - side.leading_zeros();
                return invalid(format!(
                    "a {}×{} image is too small for {layers} stride-2 layers (`{key}` has {layers} entries): each layer \
                     halves the size, so the image needs at least {needed} pixels per side; use at most {fit} entries",
                    data.height, data.width
                ));
            }
        }
        Ok(())
    }
}

/// The side lengths after each stride-2 layer, image first: `sizes[0]` is the image,
/// `sizes[k]` the output of layer `k` (`floor` halving, what a 4×4, stride-2, padding-1
/// convolution does).
fn halving_sizes(height: usize, width: usize, layers: usize) -> Vec<[usize; 2]> {
    let mut sizes = vec![[height, width]];
    for _ in 0..layers {
        let [h, w] = sizes[sizes.len() - 1];
        sizes.push([h / 2, w / 2]);
    }
    sizes
}

/// The generator: noise `[N, latent_dim]` → images `[N, C, H, W]` in `(0, 1)`.
#[derive(Module, Debug)]
pub struct Generator {
    project: Linear,
    project_norm: BatchNorm,
    layers: Vec<ConvTranspose2d>,
    /// Batch norms after every transposed convolution but the last.
    norms: Vec<BatchNorm>,
    latent_dim: usize,
    /// Channels, height and width of the projected (smallest) feature map.
    bottom: [usize; 3],
}

impl Generator {
    fn new(config: &DcganConfig, data: &ImageShape, device: &Device) -> Self {
        let layers = config.generator_channels.len();
        let sizes = halving_sizes(data.height, data.width, layers);
        let mut widths = config.generator_channels.clone();
        widths.push(data.channels);
        let [bottom_h, bottom_w] = sizes[layers];
        // Layer k goes from sizes[layers − k] to sizes[layers − k − 1]: a 4×4, stride-2,
        // padding-1 transposed conv maps s to 2s + p, so the output padding p is the target's
        // remainder (1 for an odd side).
        let deconvs = (0..layers)
            .map(|k| {
                let [from_h, from_w] = sizes[layers - k];
                let [to_h, to_w] = sizes[layers - k - 1];
                ConvTranspose2dConfig::new([widths[k], widths[k + 1]], [4, 4])
                    .with_stride([2, 2])
                    .with_padding([1, 1])
                    .with_padding_out([to_h - 2 * from_h, to_w - 2 * from_w])
                    .init(device)
            })
            .collect();
        let norms = widths[1..layers].iter().map(|&c| BatchNormConfig::new(c).init(device)).collect();
        Generator {
            project: LinearConfig::new(config.latent_dim, widths[0] * bottom_h * bottom_w).init(device),
            project_norm: BatchNormConfig::new(widths[0]).init(device),
            layers: deconvs,
            norms,
            latent_dim: config.latent_dim,
            bottom: [widths[0], bottom_h, bottom_w],
        }
    }

    /// Size of the noise vector.
    pub fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    /// Images `[N, C, H, W]` with values in `(0, 1)` for noise `z` `[N, latent_dim]`.
    pub fn forward(&self, z: Tensor<2>) -> Tensor<4> {
        let n = z.dims()[0];
        let [c, h, w] = self.bottom;
        let mut x = relu(self.project_norm.forward(self.project.forward(z).reshape([n, c, h, w])));
        let last = self.layers.len() - 1;
        for (index, deconv) in self.layers.iter().enumerate() {
            x = deconv.forward(x);
            if index != last {
                x = relu(self.norms[index].forward(x));
            }
        }
        sigmoid(x)
    }
}

/// The discriminator: images `[N, C, H, W]` → one "real" logit per image, `[N, 1]`.
#[derive(Module, Debug)]
pub struct Discriminator {
    layers: Vec<Conv2d>,
    head: Linear,
    leaky_slope: f64,
}

impl Discriminator {
    fn new(config: &DcganConfig, data: &ImageShape, device: &Device) -> Self {
        let layers = config.discriminator_channels.len();
        let [bottom_h, bottom_w] = halving_sizes(data.height, data.width, layers)[layers];
        let mut widths = vec![data.channels];
        widths.extend_from_slice(&config.discriminator_channels);
        let convs = widths
            .windows(2)
            .map(|pair| {
                Conv2dConfig::new([pair[0], pair[1]], [4, 4])
                    .with_stride([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device)
            })
            .collect();
        Discriminator {
            layers: convs,
            head: LinearConfig::new(widths[layers] * bottom_h * bottom_w, 1).init(device),
            leaky_slope: config.leaky_slope,
        }
    }

    /// The "real" logits `[N, 1]` of images `[N, C, H, W]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for conv in &self.layers {
            x = leaky_relu(conv.forward(x), self.leaky_slope);
        }
        self.head.forward(x.flatten::<2>(1, 3))
    }
}

/// Binary cross-entropy of logits against target 1, averaged: `mean(−ln σ(l))`.
fn bce_real(logits: Tensor<2>) -> Tensor<1> {
    (-log_sigmoid(logits)).mean()
}

/// Binary cross-entropy of logits against target 0, averaged: `mean(−ln σ(−l)) = mean(−ln(1 − σ(l)))`.
fn bce_fake(logits: Tensor<2>) -> Tensor<1> {
    (-log_sigmoid(-logits)).mean()
}

/// The discriminator's loss on one real and one fake batch, and how it judged them.
#[derive(Debug, Clone)]
pub struct DiscriminatorTerms {
    /// `BCE(D(real), 1) + BCE(D(fake), 0)`, `[1]`.
    pub loss: Tensor<1>,
    /// Mean probability D gives the real images of being real, `[1]`.
    pub real_probability: Tensor<1>,
    /// Mean probability D gives the fake images of being real, `[1]`.
    pub fake_probability: Tensor<1>,
}

/// Both losses on one batch with fresh noise (what validation reports).
#[derive(Debug, Clone)]
pub struct GanLosses {
    /// The discriminator's loss (see [`Dcgan::discriminator_loss`]).
    pub d_loss: Tensor<1>,
    /// The generator's non-saturating loss (see [`Dcgan::generator_loss`]).
    pub g_loss: Tensor<1>,
    /// Mean `D(real)` probability.
    pub d_real: Tensor<1>,
    /// Mean `D(fake)` probability.
    pub d_fake: Tensor<1>,
}

/// The model. Build it with [`Model::new`]; see the module docs for the architecture.
#[derive(Module, Debug)]
pub struct Dcgan {
    /// Noise → image.
    pub generator: Generator,
    /// Image → "real" logit.
    pub discriminator: Discriminator,
}

impl Dcgan {
    /// Size of the noise vector `z`.
    pub fn latent_dim(&self) -> usize {
        self.generator.latent_dim
    }

    /// `n` noise vectors `z ~ N(0, 1)`, `[n, latent_dim]`, from `device`'s generator.
    pub fn noise(&self, n: usize, device: &Device) -> Tensor<2> {
        Tensor::random([n, self.latent_dim()], Distribution::Normal(0.0, 1.0), device)
    }

    /// The generator's images `[N, C, H, W]` (values in `(0, 1)`) for noise `z` `[N, latent_dim]`.
    pub fn generate(&self, z: Tensor<2>) -> Tensor<4> {
        self.generator.forward(z)
    }

    /// The discriminator's "real" logits `[N, 1]` for images `[N, C, H, W]`.
    pub fn discriminate(&self, images: Tensor<4>) -> Tensor<2> {
        self.discriminator.forward(images)
    }

    /// The discriminator's loss and its mean verdicts on `real` and `fake` images. Detach
    /// `fake` first to keep the generator out of the graph (the trainer does).
    pub fn discriminator_terms(&self, real: Tensor<4>, fake: Tensor<4>) -> DiscriminatorTerms {
        let real_logits = self.discriminate(real);
        let fake_logits = self.discriminate(fake);
        let real_probability = sigmoid(real_logits.clone().detach()).mean();
        let fake_probability = sigmoid(fake_logits.clone().detach()).mean();
        DiscriminatorTerms { loss: bce_real(real_logits) + bce_fake(fake_logits), real_probability, fake_probability }
    }

    /// `BCE(D(real), 1) + BCE(D(fake), 0)`, `[1]` (binary cross-entropy on logits, batch means).
    pub fn discriminator_loss(&self, real: Tensor<4>, fake: Tensor<4>) -> Tensor<1> {
        self.discriminator_terms(real, fake).loss
    }

    /// The non-saturating generator loss `BCE(D(fake), 1) = mean(−ln D(fake))`, `[1]`.
    pub fn generator_loss(&self, fake: Tensor<4>) -> Tensor<1> {
        bce_real(self.discriminate(fake))
    }

    /// Both losses on `real` with fresh noise, one fake batch of the same size for both.
    pub fn losses(&self, real: Tensor<4>) -> GanLosses {
        let n = real.dims()[0];
        let fake = self.generate(self.noise(n, &real.device()));
        let terms = self.discriminator_terms(real, fake.clone());
        GanLosses {
            d_loss: terms.loss,
            g_loss: self.generator_loss(fake),
            d_real: terms.real_probability,
            d_fake: terms.fake_probability,
        }
    }
}

impl Model for Dcgan {
    type Config = DcganConfig;
    /// The discriminator's "real" logits `[N, 1]`.
    type Output = Tensor<2>;

    fn reads(_: &Self::Config) -> Vec<FieldNeed> {
        vec![FieldNeed::float(fields::IMAGE).rank(3)]
    }

    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let data = &ImageShape::of(schema, "dcgan")?;
        config.validate(data)?;
        Ok(Dcgan { generator: Generator::new(config, data, device), discriminator: Discriminator::new(config, data, device) })
    }

    /// The discriminator's logits for `images` (a GAN's only image → output map).
    fn forward(&self, batch: &Batch) -> Result<Tensor<2>, ComponentError> {
        Ok(self.discriminate(batch.image()?))
    }

    /// `d_loss + g_loss` with metrics `d_loss`, `g_loss`, `d_real` and `d_fake` (mean `D(x)`
    /// probabilities on real and fake images; fresh noise). The same names as the `gan`
    /// trainer's steps, so validation and monitors see them. Only meaningful as a
    /// report: minimising the sum with one optimizer is not adversarial training, use
    /// `trainer: gan`.
    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let losses = self.losses(batch.image()?);
        Ok(LossOutput::new(losses.d_loss.clone() + losses.g_loss.clone())
            .with_metric("d_loss", losses.d_loss)
            .with_metric("g_loss", losses.g_loss)
            .with_metric("d_real", losses.d_real)
            .with_metric("d_fake", losses.d_fake))
    }

    fn sampler(&self) -> Option<&dyn Sampler> {
        Some(self)
    }
}

impl Sampler for Dcgan {
    fn sample(&self, count: usize, device: &Device) -> Tensor<4> {
        self.generate(self.noise(count, device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::optim::{AdamConfig, GradientsParams};
    use frameworm_core::testing::{image_info, parse_yaml_section, pattern_images, value};

    #[test]
    fn shapes_for_digits_mnist_and_cifar_sizes() {
        let device = Device::default();
        device.seed(1);
        for (c, h, w) in [(1, 8, 8), (1, 28, 28), (3, 32, 32), (2, 7, 9), (1, 4, 4)] {
            let model = Dcgan::new(&DcganConfig::default(), &image_info(c, h, w), &device).unwrap();
            let samples = model.sample(3, &device);
            assert_eq!(samples.dims(), [3, c, h, w], "{c}×{h}×{w}");
            let (low, high) = (value(samples.clone().min()), value(samples.max()));
            assert!(low >= 0.0 && high <= 1.0 && low < high, "samples in [0, 1]: {low}..{high}");
            assert_eq!(model.discriminate(pattern_images(5, c, h, w, &device)).dims(), [5, 1], "{c}×{h}×{w}");
            assert_eq!(model.generate(Tensor::zeros([2, 32], &device)).dims(), [2, c, h, w]);
        }
        // Three layers on MNIST: 28 → 14 → 7 → 3 and back up 3 → 7 → 14 → 28.
        let config = DcganConfig { latent_dim: 5, generator_channels: vec![16, 8, 4], discriminator_channels: vec![4, 8, 16], ..DcganConfig::default() };
        let model = Dcgan::new(&config, &image_info(1, 28, 28), &device).unwrap();
        assert_eq!(model.generator.bottom, [16, 3, 3]);
        assert_eq!(model.latent_dim(), 5);
        assert_eq!(model.sample(2, &device).dims(), [2, 1, 28, 28]);
        assert_eq!(model.discriminate(pattern_images(2, 1, 28, 28, &device)).dims(), [2, 1]);
    }

    #[test]
    fn sizes_follow_floor_halving() {
        assert_eq!(halving_sizes(28, 28, 3), [[28, 28], [14, 14], [7, 7], [3, 3]]);
        assert_eq!(halving_sizes(8, 9, 2), [[8, 9], [4, 4], [2, 2]]);
    }

    #[test]
    fn losses_match_the_bce_formulas() {
        // Logits 0 give D = 0.5: each BCE term is ln 2.
        let device = Device::default();
        let zeros = Tensor::<2>::zeros([4, 1], &device);
        assert!((value(bce_real(zeros.clone())) - 2f64.ln()).abs() < 1e-6);
        assert!((value(bce_fake(zeros)) - 2f64.ln()).abs() < 1e-6);
        // By hand: logits l = [2, −1]: −ln σ(2) = 0.126928, −ln σ(−1) = 1.313262.
        let logits = Tensor::<1>::from_floats([2.0, -1.0], &device).reshape([2, 1]);
        let expected_real = (0.126_928_011 + 1.313_261_687) / 2.0;
        // Target 0: −ln(1 − σ(2)) = 2.126928, −ln(1 − σ(−1)) = 0.313262.
        let expected_fake = (2.126_928_011 + 0.313_261_687) / 2.0;
        assert!((value(bce_real(logits.clone())) - expected_real).abs() < 1e-5);
        assert!((value(bce_fake(logits)) - expected_fake).abs() < 1e-5);
        // Finite where the probability saturates.
        let extreme = Tensor::<1>::from_floats([-200.0, 200.0], &device).reshape([2, 1]);
        assert!((value(bce_real(extreme.clone())) - 100.0).abs() < 1e-3);
        assert!((value(bce_fake(extreme)) - 100.0).abs() < 1e-3);
    }

    #[test]
    fn discriminator_terms_agree_with_its_logits() {
        let device = Device::default();
        device.seed(3);
        let model = Dcgan::new(&DcganConfig::default(), &image_info(1, 8, 8), &device).unwrap();
        let real = pattern_images(6, 1, 8, 8, &device);
        let fake = model.sample(6, &device);
        let terms = model.discriminator_terms(real.clone(), fake.clone());
        let real_logits = model.discriminate(real.clone());
        let fake_logits = model.discriminate(fake.clone());
        let expected = value(bce_real(real_logits.clone())) + value(bce_fake(fake_logits.clone()));
        assert!((value(terms.loss.clone()) - expected).abs() < 1e-5);
        assert!((value(terms.real_probability) - value(sigmoid(real_logits).mean())).abs() < 1e-6);
        assert!((value(terms.fake_probability) - value(sigmoid(fake_logits.clone()).mean())).abs() < 1e-6);
        assert!((value(model.discriminator_loss(real, fake.clone())) - expected).abs() < 1e-5);
        assert!((value(model.generator_loss(fake)) - value(bce_real(fake_logits))).abs() < 1e-5);
    }

    #[test]
    fn at_init_the_discriminator_cannot_tell_and_its_loss_is_near_2_ln_2() {
        let device = Device::default();
        for seed in [1, 2, 3] {
            device.seed(seed);
            let model = Dcgan::new(&DcganConfig::default(), &image_info(1, 8, 8), &device).unwrap();
            let batch = Batch::images(pattern_images(32, 1, 8, 8, &device), None);
            let output = model.compute_loss(&batch).unwrap();
            let names: Vec<_> = output.metrics.iter().map(|(name, _)| *name).collect();
            assert_eq!(names, ["d_loss", "g_loss", "d_real", "d_fake"]);
            let (d_real, d_fake) = (value(output.metrics[2].1.clone()), value(output.metrics[3].1.clone()));
            assert!((d_real - 0.5).abs() < 0.1 && (d_fake - 0.5).abs() < 0.1, "seed {seed}: D(real) {d_real}, D(fake) {d_fake}");
            let (loss, d_loss, g_loss) = (value(output.loss), value(output.metrics[0].1.clone()), value(output.metrics[1].1.clone()));
            assert!((d_loss - 2.0 * 2f64.ln()).abs() < 0.15, "seed {seed}: d_loss {d_loss} vs 2·ln 2 = 1.386");
            assert!((g_loss - 2f64.ln()).abs() < 0.15, "seed {seed}: g_loss {g_loss} vs ln 2 = 0.693");
            assert!((loss - (d_loss + g_loss)).abs() < 1e-4, "{loss} != {d_loss} + {g_loss}");
        }
    }

    #[test]
    fn the_discriminator_learns_to_separate_and_the_generator_to_fool_it() {
        // Fixed fakes: D alone, trained on its own gradients, drives its loss towards 0.
        let device = Device::default().autodiff();
        device.seed(11);
        let config = DcganConfig { latent_dim: 8, generator_channels: vec![16, 8], discriminator_channels: vec![8, 16], ..DcganConfig::default() };
        let mut model = Dcgan::new(&config, &image_info(1, 8, 8), &device).unwrap();
        let real = pattern_images(16, 1, 8, 8, &device);
        let fake = model.sample(16, &device).detach();
        let before = value(model.discriminator_loss(real.clone(), fake.clone()));
        // Other tests seed the same global generator concurrently, so the draws vary between
        // runs: enough steps that the bound holds for any of them.
        let mut optim = AdamConfig::new().init();
        for _ in 0..100 {
            let loss = model.discriminator_loss(real.clone(), fake.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &model.discriminator);
            model = optim.step(2e-3, model, grads);
        }
        let after = value(model.discriminator_loss(real.clone(), fake));
        assert!(after < before * 0.2, "D loss did not fall: {before} -> {after}");

        // Then G alone, with D frozen by taking only G's gradients, lowers its loss against that D.
        let z = model.noise(16, &device);
        let g_before = value(model.generator_loss(model.generate(z.clone())));
        let mut optim = AdamConfig::new().init();
        for _ in 0..40 {
            let loss = model.generator_loss(model.generate(z.clone()));
            let grads = GradientsParams::from_grads(loss.backward(), &model.generator);
            model = optim.step(2e-3, model, grads);
        }
        let g_after = value(model.generator_loss(model.generate(z)));
        assert!(g_after < g_before * 0.5, "G loss did not fall: {g_before} -> {g_after}");
    }

    #[test]
    fn refuses_bad_configs_with_clear_messages() {
        let device = Device::default();
        let error = |config: DcganConfig, data: &Schema| Dcgan::new(&config, data, &device).unwrap_err().to_string();
        let digits = image_info(1, 8, 8);
        let message = error(DcganConfig { latent_dim: 0, ..DcganConfig::default() }, &digits);
        assert!(message.starts_with("model.dcgan: `latent_dim` must be positive"), "{message}");
        let message = error(DcganConfig { generator_channels: vec![], ..DcganConfig::default() }, &digits);
        assert!(message.starts_with("model.dcgan: `generator_channels` must list"), "{message}");
        let message = error(DcganConfig { discriminator_channels: vec![8, 0], ..DcganConfig::default() }, &digits);
        assert!(message.starts_with("model.dcgan: `discriminator_channels[1]` must be positive"), "{message}");
        let message = error(DcganConfig { leaky_slope: -0.1, ..DcganConfig::default() }, &digits);
        assert!(message.starts_with("model.dcgan: `leaky_slope`"), "{message}");
        let message = error(DcganConfig { generator_channels: vec![4; 4], ..DcganConfig::default() }, &digits);
        assert!(message.starts_with("model.dcgan: a 8×8 image is too small for 4 stride-2 layers (`generator_channels`"), "{message}");
        assert!(message.contains("at least 16 pixels") && message.contains("at most 3 entries"), "{message}");
        let message = error(DcganConfig { discriminator_channels: vec![4; 3], ..DcganConfig::default() }, &image_info(3, 32, 4));
        assert!(message.contains("a 32×4 image is too small for 3 stride-2 layers (`discriminator_channels`"), "{message}");
        let message = error(DcganConfig::default(), &image_info(0, 8, 8));
        assert!(message.contains("items are empty"), "{message}");
        // Three layers fit an 8×8 image (down to 1×1).
        let three = DcganConfig { generator_channels: vec![4; 3], discriminator_channels: vec![4; 3], ..DcganConfig::default() };
        assert!(Dcgan::new(&three, &digits, &device).is_ok());
    }

    /// Looks at a trained generator: `DCGAN_MODEL=runs/dcgan-digits-*/checkpoints/latest/model.bpk
    /// cargo test --release -p frameworm-plugin-dcgan --features burn/flex -- --ignored samples_grid`
    /// writes 64 samples of that checkpoint (default config, 1×8×8) to `DCGAN_GRID` (default
    /// `dcgan-samples.png`).
    #[test]
    #[ignore = "needs a trained checkpoint in DCGAN_MODEL"]
    fn samples_grid_of_a_trained_checkpoint() {
        let path = std::env::var("DCGAN_MODEL").expect("set DCGAN_MODEL to a model.bpk");
        let out = std::env::var("DCGAN_GRID").unwrap_or_else(|_| "dcgan-samples.png".into());
        let device = Device::default();
        let mut model = frameworm_core::erase(Dcgan::new(&DcganConfig::default(), &image_info(1, 8, 8), &device).unwrap());
        model.load(std::path::Path::new(&path)).unwrap();
        device.seed(0);
        let samples = model.sample(64, &device).unwrap();
        frameworm_core::write_grid(&samples, std::path::Path::new(&out), None).unwrap();
    }

    #[test]
    fn config_defaults_and_unknown_keys() {
        let parse = |text: &str| parse_yaml_section::<DcganConfig>("model.dcgan", text);
        assert_eq!(parse("").unwrap(), DcganConfig::default());
        assert_eq!(
            parse("latent_dim: 8\ngenerator_channels: [32]").unwrap(),
            DcganConfig { latent_dim: 8, generator_channels: vec![32], ..DcganConfig::default() }
        );
        let error = parse("latent: 3").unwrap_err().to_string();
        assert!(error.starts_with("model.dcgan:") && error.contains("unknown field `latent`"), "{error}");
    }
}
