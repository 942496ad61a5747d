//! `ddpm`: a denoising diffusion probabilistic model (Ho, Jain & Abbeel, 2020) with a small U-Net
//! noise predictor.
//!
//! **Noise schedule** (`schedule`): `linear` spaces β evenly from `beta_start` (1e-4) to
//! `beta_end` (0.02) over `timesteps` steps (Ho et al.); `cosine` sets
//! ᾱ(t) = f(t)/f(0) with f(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008, and
//! β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999) (Nichol & Dhariwal, 2021). Steps are numbered 0..T−1 here
//! (the papers' 1..T), and ᾱ_t = Π_{s ≤ t} (1 − β_s).
//!
//! **Noise predictor** ε_θ(x_t, t): a U-Net. A 3×3 convolution lifts the image to `channels[0]`
//! feature maps; each level `l` has a residual block (group norm → SiLU → 3×3 conv, twice, with
//! the timestep embedding added in between and a 1×1 conv on the shortcut when the width
//! changes) of width `channels[l]`, followed (except on the last level) by a stride-2 3×3
//! convolution. A middle residual block sits at the bottom. The up path mirrors the levels: the
//! skip of the same level is concatenated, a residual block brings the width back to
//! `channels[l]`, and nearest-neighbour ×2 upsampling plus a 3×3 conv climbs a level. A final
//! group norm → SiLU → 3×3 conv, initialised to zero (so the untrained model predicts ε̂ = 0 and
//! its loss starts at `E[ε²] = 1`), outputs the image's channel count. The timestep embedding is
//! sinusoidal (Vaswani et al.) followed by a two-layer MLP (SiLU), projected into every block.
//! Each side must be divisible by 2^(levels − 1); other sizes are refused in `new` with the fix.
//!
//! **Training** (`compute_loss`): pixels in [0, 1] are mapped to [−1, 1], each item gets
//! t ~ U{0..T−1} and ε ~ N(0, I), x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, and the loss is
//! MSE(ε_θ(x_t, t), ε), reported as `loss`.
//!
//! **Sampling** ([`Sampler`], DDPM Algorithm 2): x ~ N(0, I), then for t = T−1..0,
//! x ← 1/√α_t · (x − β_t/√(1 − ᾱ_t) · ε_θ(x, t)) + σ_t·z with z ~ N(0, I) (z = 0 at t = 0) and
//! σ_t² = β_t (`variance: beta`) or the posterior variance β̃_t = β_t(1 − ᾱ_{t−1})/(1 − ᾱ_t)
//! (`variance: posterior`); the result is mapped back to [0, 1] and clamped. With
//! `clip_denoised: true` (the default, as in Ho et al.'s reference code) each step's mean is
//! computed from the predicted clean image x̂_0 clipped to [−1, 1]; it equals Algorithm 2's mean
//! whenever x̂_0 is in range, and keeps the first steps of the cosine schedule (β up to 0.999, so
//! 1/√α_t up to ≈ 32) from amplifying small errors of ε̂ into saturated images.
//!
//! **Image size** (`image_size`): by default the U-Net works at the data's own size. With
//! `image_size: S` the data are resized (bilinear) to S×S before noising and samples are resized
//! back to the data's size, so the model can run at a larger size than the data.
//!
//! On the 8×8 digits the native 8×8 is the better choice, decided by trying both with the same
//! U-Net (`channels: [16, 32]`, T = 200) and the same CPU time (≈ 105–115 s on 2 cores): at 8×8
//! the model trains 60 epochs and its samples are clearly digits; at 16×16 each step costs about
//! four times as much, so it trains only 15 epochs, and its samples are blurrier and less often
//! recognisable. Sampling 64 images also takes ≈ 19 s of CPU at 16×16 against ≈ 5 s at 8×8. The
//! upscale adds no information (every extra pixel interpolates the 8×8 ones), and an 8×8 image
//! already allows one halving (8 → 4) in the U-Net, enough for a 3×3 receptive field to see the
//! whole digit at the bottom level.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{GroupNorm, GroupNormConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::silu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Distribution, Int, Tensor};
use frameworm_core::{Batch, ComponentError, FieldNeed, ImageShape, LossOutput, Model, Sampler, Schema, fields};
use serde::{Deserialize, Serialize};

/// The cosine schedule's offset s (Nichol & Dhariwal, 2021).
pub const COSINE_OFFSET: f64 = 0.008;
/// The cosine schedule's cap on β.
pub const MAX_BETA: f64 = 0.999;

/// How β grows over the diffusion steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// β evenly spaced from `beta_start` to `beta_end` (Ho et al., 2020).
    #[default]
    Linear,
    /// ᾱ follows a squared cosine (Nichol & Dhariwal, 2021); `beta_start`/`beta_end` are unused.
    Cosine,
}

/// The reverse process's noise level σ_t² in sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variance {
    /// σ_t² = β_t.
    Beta,
    /// σ_t² = β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the true posterior's variance.
    #[default]
    Posterior,
}

/// The `model.ddpm` config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DdpmConfig {
    /// Number of diffusion steps T (default 200; the papers use 1000, but a few hundred suffice
    /// for small images and sampling costs one U-Net pass per step).
    pub timesteps: usize,
    /// `linear` (default) or `cosine`.
    pub schedule: Schedule,
    /// First β of the linear schedule (default 1e-4).
    pub beta_start: f64,
    /// Last β of the linear schedule (default 0.02).
    pub beta_end: f64,
    /// U-Net widths, one level per entry (default `[32, 64]`); each level but the last halves
    /// the image.
    pub channels: Vec<usize>,
    /// Group-norm groups (default 8); must divide every entry of `channels`.
    pub groups: usize,
    /// Side the U-Net works at (default: the data's own size); data and samples are resized.
    pub image_size: Option<usize>,
    /// σ_t² in sampling: `posterior` (default) or `beta`.
    pub variance: Variance,
    /// Clip the predicted clean image x̂_0 to [−1, 1] at every sampling step (default true), as
    /// Ho et al.'s reference code does; see the module docs.
    pub clip_denoised: bool,
}

impl Default for DdpmConfig {
    fn default() -> Self {
        DdpmConfig {
            timesteps: 200,
            schedule: Schedule::Linear,
            beta_start: 1e-4,
            beta_end: 0.02,
            channels: vec![32, 64],
            groups: 8,
            image_size: None,
            variance: Variance::Posterior,
            clip_denoised: true,
        }
    }
}

impl DdpmConfig {
    /// Checks the config against the data shape; errors start with `model.ddpm:`.
    pub fn validate(&self, data: &ImageShape) -> Result<(), ComponentError> {
        let invalid = |message: String| Err(ComponentError::Invalid(format!("model.ddpm: {message}")));
        if self.timesteps == 0 {
            return invalid("`timesteps` must be at least 1 (got 0); a few hundred is typical".into());
        }
        if self.schedule == Schedule::Linear {
            for (key, value) in [("beta_start", self.beta_start), ("beta_end", self.beta_end)] {
                if !(value.is_finite() && value > 0.0 && value < 1.0) {
                    return invalid(format!("`{key}` must be in (0, 1) (got {value}); e.g. beta_start: 1e-4, beta_end: 0.02"));
                }
            }
            if self.beta_start > self.beta_end {
                return invalid(format!(
                    "`beta_start` ({}) must not exceed `beta_end` ({})",
                    self.beta_start, self.beta_end
                ));
            }
        }
        if self.channels.is_empty() {
            return invalid("`channels` must list at least one level width (e.g. [32, 64])".into());
        }
        if self.groups == 0 {
            return invalid("`groups` must be positive (got 0)".into());
        }
        if let Some(index) = self.channels.iter().position(|&c| c == 0 || c % self.groups != 0) {
            return invalid(format!(
                "`channels[{index}]` ({}) must be a positive multiple of `groups` ({}); channels = {:?}",
                self.channels[index], self.groups, self.channels
            ));
        }
        if data.channels == 0 || data.height == 0 || data.width == 0 {
            return invalid(format!(
                "the dataset's items are empty ({}×{}×{}, channels×height×width)",
                data.channels, data.height, data.width
            ));
        }
        let levels = self.channels.len();
        let factor = 1usize.checked_shl(levels as u32 - 1).filter(|&n| n > 0).unwrap_or(usize::MAX);
        let (height, width) = self.working_size(data);
        if self.image_size == Some(0) {
            return invalid("`image_size` must be positive (or left out to use the data's size)".into());
        }
        if height % factor != 0 || width % factor != 0 {
            let fix = match self.image_size {
                Some(_) => format!("set `image_size` to a multiple of {factor}"),
                None => format!("set `image_size` (the data are resized to it) to a multiple of {factor}"),
            };
            return invalid(format!(
                "a {height}×{width} image cannot be halved {} times ({levels} `channels` levels): both sides must be \
                 multiples of {factor}; use fewer levels or {fix}",
                levels - 1
            ));
        }
        Ok(())
    }

    /// The (height, width) the U-Net works at.
    fn working_size(&self, data: &ImageShape) -> (usize, usize) {
        match self.image_size {
            Some(side) => (side, side),
            None => (data.height, data.width),
        }
    }
}

/// β_t for t = 0..T−1 (see the module docs).
pub fn betas(schedule: Schedule, timesteps: usize, beta_start: f64, beta_end: f64) -> Vec<f64> {
    match schedule {
        Schedule::Linear => (0..timesteps)
            .map(|t| {
                if timesteps == 1 {
                    beta_start
                } else {
                    beta_start + (beta_end - beta_start) * t as f64 / (timesteps - 1) as f64
                }
            })
            .collect(),
        Schedule::Cosine => {
            let f = |t: usize| {
                let angle = (t as f64 / timesteps as f64 + COSINE_OFFSET) / (1.0 + COSINE_OFFSET) * std::f64::consts::FRAC_PI_2;
                angle.cos().powi(2)
            };
            (0..timesteps).map(|t| (1.0 - f(t + 1) / f(t)).clamp(0.0, MAX_BETA)).collect()
        }
    }
}

/// ᾱ_t = Π_{s ≤ t} (1 − β_s).
pub fn alphas_bar(betas: &[f64]) -> Vec<f64> {
    betas
        .iter()
        .scan(1.0, |product, beta| {
            *product *= 1.0 - beta;
            Some(*product)
        })
        .collect()
}

/// A residual block: (group norm → SiLU → 3×3 conv) twice, the timestep embedding added after
/// the first conv, and a 1×1 conv on the shortcut when the width changes.
#[derive(Module, Debug)]
pub struct ResBlock {
    norm1: GroupNorm,
    conv1: Conv2d,
    time: Linear,
    norm2: GroupNorm,
    conv2: Conv2d,
    shortcut: Option<Conv2d>,
}

fn conv3(from: usize, to: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([from, to], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

impl ResBlock {
    fn new(from: usize, to: usize, time_dim: usize, groups: usize, device: &Device) -> Self {
        ResBlock {
            norm1: GroupNormConfig::new(groups, from).init(device),
            conv1: conv3(from, to, device),
            time: LinearConfig::new(time_dim, to).init(device),
            norm2: GroupNormConfig::new(groups, to).init(device),
            conv2: conv3(to, to, device),
            shortcut: (from != to).then(|| Conv2dConfig::new([from, to], [1, 1]).init(device)),
        }
    }

    /// `x` `[N, from, H, W]`, `time` the activated embedding `[N, time_dim]`.
    fn forward(&self, x: Tensor<4>, time: Tensor<2>) -> Tensor<4> {
        let h = self.conv1.forward(silu(self.norm1.forward(x.clone())));
        let [n, c, _, _] = h.dims();
        let h = h + self.time.forward(time).reshape([n, c, 1, 1]);
        let h = self.conv2.forward(silu(self.norm2.forward(h)));
        let shortcut = match &self.shortcut {
            Some(conv) => conv.forward(x),
            None => x,
        };
        shortcut + h
    }
}

/// The model. Build it with [`Model::new`]; see the module docs.
#[derive(Module, Debug)]
pub struct Ddpm {
    input: Conv2d,
    time1: Linear,
    time2: Linear,
    down: Vec<ResBlock>,
    downsample: Vec<Conv2d>,
    middle: ResBlock,
    up: Vec<ResBlock>,
    upsample: Vec<Conv2d>,
    out_norm: GroupNorm,
    output: Conv2d,
    /// Sinusoidal embedding size (even).
    embed_dim: usize,
    /// β_t, t = 0..T−1.
    betas: Vec<f64>,
    /// ᾱ_t, t = 0..T−1.
    alphas_bar: Vec<f64>,
    /// Whether sampling uses the posterior variance β̃_t (else β_t).
    posterior_variance: bool,
    /// Whether sampling clips x̂_0 to [−1, 1].
    clip_denoised: bool,
    /// The data's `[channels, height, width]`.
    data_shape: [usize; 3],
    /// The U-Net's working `[height, width]`.
    work_size: [usize; 2],
}

impl Ddpm {
    /// Number of diffusion steps T.
    pub fn timesteps(&self) -> usize {
        self.betas.len()
    }

    /// β_t, t = 0..T−1.
    pub fn betas(&self) -> &[f64] {
        &self.betas
    }

    /// ᾱ_t, t = 0..T−1.
    pub fn alphas_bar(&self) -> &[f64] {
        &self.alphas_bar
    }

    /// Sinusoidal embedding of (float) timesteps `[N]` → `[N, embed_dim]`.
    fn embed(&self, t: Tensor<1>) -> Tensor<2> {
        let half = self.embed_dim / 2;
        let device = t.device();
        let freqs: Vec<f32> = (0..half).map(|i| (-(10_000f64.ln()) * i as f64 / half as f64).exp() as f32).collect();
        let freqs = Tensor::<1>::from_floats(freqs.as_slice(), &device).reshape([1, half]);
        let n = t.dims()[0];
        let args = t.reshape([n, 1]) * freqs;
        Tensor::cat(vec![args.clone().sin(), args.cos()], 1)
    }

    /// ε_θ(x_t, t): the predicted noise for `x` `[N, C, H, W]` at the working size (values on the
    /// [−1, 1] scale) and timesteps `t` `[N]` (as floats).
    pub fn predict_noise(&self, x: Tensor<4>, t: Tensor<1>) -> Tensor<4> {
        let time = silu(self.time2.forward(silu(self.time1.forward(self.embed(t)))));
        let mut h = self.input.forward(x);
        let mut skips = Vec::with_capacity(self.down.len());
        for (level, block) in self.down.iter().enumerate() {
            h = block.forward(h, time.clone());
            skips.push(h.clone());
            if let Some(conv) = self.downsample.get(level) {
                h = conv.forward(h);
            }
        }
        h = self.middle.forward(h, time.clone());
        for (index, block) in self.up.iter().enumerate() {
            let skip = skips.pop().expect("one skip per level");
            h = block.forward(Tensor::cat(vec![h, skip], 1), time.clone());
            if let Some(conv) = self.upsample.get(index) {
                let [_, _, height, width] = h.dims();
                let options = InterpolateOptions::new(InterpolateMode::Nearest).with_output_size([height * 2, width * 2]);
                h = conv.forward(interpolate(h, options));
            }
        }
        self.output.forward(silu(self.out_norm.forward(h)))
    }

    /// Maps data images (values in [0, 1], the data's size) to the model's space: the working
    /// size, values in [−1, 1].
    pub fn to_model_space(&self, images: Tensor<4>) -> Tensor<4> {
        let [_, _, h, w] = images.dims();
        let images = if [h, w] == self.work_size {
            images
        } else {
            resize(images, self.work_size)
        };
        images * 2.0 - 1.0
    }

    /// Maps model-space images back to data images in [0, 1] at the data's size.
    pub fn to_data_space(&self, x: Tensor<4>) -> Tensor<4> {
        let [_, height, width] = self.data_shape;
        let images = ((x + 1.0) * 0.5).clamp(0.0, 1.0);
        if [height, width] == self.work_size {
            images
        } else {
            resize(images, [height, width]).clamp(0.0, 1.0)
        }
    }

    /// q(x_t | x_0): √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, per item, for `x0` in model space and integer
    /// timesteps `t` `[N]`.
    pub fn q_sample(&self, x0: Tensor<4>, t: Tensor<1, Int>, noise: Tensor<4>) -> Tensor<4> {
        let n = x0.dims()[0];
        let device = x0.device();
        let alphas_bar: Vec<f32> = self.alphas_bar.iter().map(|&a| a as f32).collect();
        let alphas_bar = Tensor::<1>::from_floats(alphas_bar.as_slice(), &device).select(0, t).reshape([n, 1, 1, 1]);
        x0 * alphas_bar.clone().sqrt() + noise * (-alphas_bar + 1.0).sqrt()
    }

    /// The mean of p_θ(x_{t−1} | x_t) given the predicted noise `eps`.
    ///
    /// Without clipping it is Algorithm 2's 1/√α_t · (x_t − β_t/√(1 − ᾱ_t) · ε̂). With `clip`, it
    /// is computed in the equivalent posterior form
    /// μ̃ = √ᾱ_{t−1}·β_t/(1 − ᾱ_t) · x̂_0 + √α_t·(1 − ᾱ_{t−1})/(1 − ᾱ_t) · x_t with
    /// x̂_0 = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t clipped to [−1, 1] (ᾱ_{−1} = 1), which equals the
    /// unclipped mean whenever x̂_0 is already in range.
    pub fn reverse_mean(&self, x: Tensor<4>, eps: Tensor<4>, t: usize, clip: bool) -> Tensor<4> {
        let beta = self.betas[t];
        let alpha_bar = self.alphas_bar[t];
        if !clip {
            return (x - eps * (beta / (1.0 - alpha_bar).sqrt())) * (1.0 / (1.0 - beta).sqrt());
        }
        let previous = if t == 0 { 1.0 } else { self.alphas_bar[t - 1] };
        let x0 = ((x.clone() - eps * (1.0 - alpha_bar).sqrt()) * (1.0 / alpha_bar.sqrt())).clamp(-1.0, 1.0);
        x0 * (previous.sqrt() * beta / (1.0 - alpha_bar)) + x * ((1.0 - beta).sqrt() * (1.0 - previous) / (1.0 - alpha_bar))
    }

    /// ε_θ at t = 0 for `images` in [0, 1] (mapped to model space first): the model's forward pass.
    pub fn noise_at_zero(&self, images: Tensor<4>) -> Tensor<4> {
        let n = images.dims()[0];
        let device = images.device();
        self.predict_noise(self.to_model_space(images), Tensor::zeros([n], &device))
    }

    /// DDPM ancestral sampling (Algorithm 2): `count` images in [0, 1] at the data's size.
    pub fn generate(&self, count: usize, device: &Device) -> Tensor<4> {
        let [channels, _, _] = self.data_shape;
        let [height, width] = self.work_size;
        let mut x = Tensor::<4>::random([count, channels, height, width], Distribution::Normal(0.0, 1.0), device);
        for t in (0..self.timesteps()).rev() {
            let (beta, alpha_bar) = (self.betas[t], self.alphas_bar[t]);
            let eps = self.predict_noise(x.clone(), Tensor::full([count], t as f32, device));
            let mean = self.reverse_mean(x, eps, t, self.clip_denoised);
            x = if t == 0 {
                mean
            } else {
                let variance = if self.posterior_variance {
                    beta * (1.0 - self.alphas_bar[t - 1]) / (1.0 - alpha_bar)
                } else {
                    beta
                };
                let z = Tensor::<4>::random([count, channels, height, width], Distribution::Normal(0.0, 1.0), device);
                mean + z * variance.sqrt()
            };
        }
        self.to_data_space(x)
    }
}

/// Bilinear resize of `[N, C, H, W]` to `size` (half-pixel centres, so a ×2 down-scale averages
/// 2×2 blocks).
fn resize(images: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    let options = InterpolateOptions::new(InterpolateMode::Bilinear).with_align_corners(false).with_output_size(size);
    interpolate(images, options)
}

impl Model for Ddpm {
    type Config = DdpmConfig;
    type Output = Tensor<4>;

    fn reads(_: &Self::Config) -> Vec<FieldNeed> {
        vec![FieldNeed::float(fields::IMAGE).rank(3)]
    }

    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let data = &ImageShape::of(schema, "ddpm")?;
        config.validate(data)?;
        let (height, width) = config.working_size(data);
        let widths = &config.channels;
        let groups = config.groups;
        let embed_dim = widths[0].div_ceil(2) * 2;
        let time_dim = widths[0] * 4;
        let levels = widths.len();

        let mut down = Vec::with_capacity(levels);
        let mut previous = widths[0];
        for &width in widths {
            down.push(ResBlock::new(previous, width, time_dim, groups, device));
            previous = width;
        }
        let downsample = widths[..levels - 1]
            .iter()
            .map(|&c| {
                Conv2dConfig::new([c, c], [3, 3])
                    .with_stride([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device)
            })
            .collect();
        let last = widths[levels - 1];
        let middle = ResBlock::new(last, last, time_dim, groups, device);
        let mut up = Vec::with_capacity(levels);
        let mut upsample = Vec::with_capacity(levels - 1);
        let mut current = last;
        for level in (0..levels).rev() {
            up.push(ResBlock::new(current + widths[level], widths[level], time_dim, groups, device));
            current = widths[level];
            if level > 0 {
                upsample.push(conv3(current, current, device));
            }
        }
        let output = Conv2dConfig::new([widths[0], data.channels], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .with_initializer(Initializer::Zeros)
            .init(device);

        let betas = betas(config.schedule, config.timesteps, config.beta_start, config.beta_end);
        let alphas_bar = alphas_bar(&betas);
        Ok(Ddpm {
            input: conv3(data.channels, widths[0], device),
            time1: LinearConfig::new(embed_dim, time_dim).init(device),
            time2: LinearConfig::new(time_dim, time_dim).init(device),
            down,
            downsample,
            middle,
            up,
            upsample,
            out_norm: GroupNormConfig::new(groups, widths[0]).init(device),
            output,
            embed_dim,
            betas,
            alphas_bar,
            posterior_variance: config.variance == Variance::Posterior,
            clip_denoised: config.clip_denoised,
            data_shape: [data.channels, data.height, data.width],
            work_size: [height, width],
        })
    }

    /// ε_θ at t = 0 for `images` in [0, 1] (mapped to model space first): the noise the model
    /// sees in nearly clean images. Training and sampling use [`Ddpm::predict_noise`].
    fn forward(&self, batch: &Batch) -> Result<Tensor<4>, ComponentError> {
        Ok(self.noise_at_zero(batch.image()?))
    }

    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let x0 = self.to_model_space(batch.image()?);
        let [n, c, h, w] = x0.dims();
        let device = x0.device();
        let steps = self.timesteps();
        let t = Tensor::<1>::random([n], Distribution::Uniform(0.0, steps as f64), &device)
            .floor()
            .clamp(0.0, (steps - 1) as f64);
        let noise = Tensor::<4>::random([n, c, h, w], Distribution::Normal(0.0, 1.0), &device);
        let x_t = self.q_sample(x0, t.clone().int(), noise.clone());
        let predicted = self.predict_noise(x_t, t);
        let loss = (predicted - noise).powi_scalar(2).mean();
        Ok(LossOutput::new(loss))
    }

    fn sampler(&self) -> Option<&dyn Sampler> {
        Some(self)
    }
}

impl Sampler for Ddpm {
    fn sample(&self, count: usize, device: &Device) -> Tensor<4> {
        // The reverse process needs no gradients: run it on a copy without autodiff tracking.
        let device = device.clone().without_autodiff();
        self.valid().generate(count, &device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // Every test that draws random numbers (parameter init included) holds `rng_lock`, so a
    // seeded test sees only its own draws.
    use frameworm_core::testing::{assert_adam_lowers_loss, floats, image_info, parse_yaml_section, pattern_images, rng_lock, value};

    fn small(timesteps: usize) -> DdpmConfig {
        DdpmConfig { timesteps, channels: vec![8, 16], groups: 4, ..DdpmConfig::default() }
    }

    /// Four steps with β = 0.1, 0.2, 0.3, 0.4, so ᾱ = 0.9, 0.72, 0.504, 0.3024: small enough to
    /// check the formulas by hand, for images of `height × width`.
    fn four_step_model(height: usize, width: usize, device: &Device) -> Ddpm {
        let config = DdpmConfig { timesteps: 4, channels: vec![8], beta_start: 0.1, beta_end: 0.4, ..small(4) };
        Ddpm::new(&config, &image_info(1, height, width), device).unwrap()
    }

    #[test]
    fn linear_schedule_hits_its_endpoints() {
        let b = betas(Schedule::Linear, 1000, 1e-4, 0.02);
        assert_eq!(b.len(), 1000);
        assert_eq!(b[0], 1e-4);
        assert!((b[999] - 0.02).abs() < 1e-15, "{}", b[999]);
        assert!((b[500] - (1e-4 + 0.0199 * 500.0 / 999.0)).abs() < 1e-15);
        assert!(b.windows(2).all(|w| w[1] > w[0]));
        // ᾱ by hand for three steps.
        let a = alphas_bar(&[0.1, 0.2, 0.5]);
        let expected = [0.9, 0.9 * 0.8, 0.9 * 0.8 * 0.5];
        for (got, want) in a.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{a:?}");
        }
        // With T = 1000 the last ᾱ is tiny (≈ 4e-5): the forward process ends near N(0, I).
        let last = *alphas_bar(&b).last().unwrap();
        assert!(last > 1e-5 && last < 1e-4, "{last}");
    }

    #[test]
    fn cosine_schedule_is_monotone_and_spans_one_to_zero() {
        for steps in [50, 300, 1000] {
            let b = betas(Schedule::Cosine, steps, 0.0, 0.0);
            assert!(b.iter().all(|&beta| beta > 0.0 && beta < 1.0), "{b:?}");
            assert!(b.iter().all(|&beta| beta <= MAX_BETA));
            let a = alphas_bar(&b);
            assert!(a.windows(2).all(|w| w[1] < w[0]), "ᾱ must decrease");
            assert!(a[0] > 0.99, "ᾱ_0 = {}", a[0]);
            assert!(a[steps - 1] < 1e-3, "ᾱ_T = {}", a[steps - 1]);
            // ᾱ_t equals f(t+1)/f(0) wherever β was not clipped (here: all but the last step).
            let f = |t: f64| ((t / steps as f64 + COSINE_OFFSET) / (1.0 + COSINE_OFFSET) * std::f64::consts::FRAC_PI_2).cos().powi(2);
            let mid = steps / 2;
            assert!((a[mid] - f(mid as f64 + 1.0) / f(0.0)).abs() < 1e-9);
        }
        // The last β hits the 0.999 clip (f(T) is ~0).
        assert_eq!(*betas(Schedule::Cosine, 1000, 0.0, 0.0).last().unwrap(), MAX_BETA);
    }

    #[test]
    fn q_sample_matches_the_formula() {
        let _rng = rng_lock();
        let device = Device::default();
        let model = four_step_model(2, 2, &device);
        // β = 0.1, 0.2, 0.3, 0.4 → ᾱ = 0.9, 0.72, 0.504, 0.3024.
        let expected_bar = [0.9, 0.72, 0.504, 0.3024];
        for (got, want) in model.alphas_bar().iter().zip(expected_bar) {
            assert!((got - want).abs() < 1e-12);
        }
        let x0 = Tensor::<1>::from_floats([1.0, -1.0, 0.5, 0.0, 0.2, 0.4, -0.6, 0.8], &device).reshape([2, 1, 2, 2]);
        let noise = Tensor::<1>::from_floats([0.5, 0.5, -1.0, 2.0, 1.0, -1.0, 0.0, 0.3], &device).reshape([2, 1, 2, 2]);
        let t = Tensor::<1, Int>::from_ints([0, 3], &device);
        let got = floats(model.q_sample(x0, t, noise));
        let (a, b) = (0.9f64, 0.3024f64);
        let by_hand = [
            a.sqrt() * 1.0 + (1.0 - a).sqrt() * 0.5,
            -a.sqrt() + (1.0 - a).sqrt() * 0.5,
            a.sqrt() * 0.5 - (1.0 - a).sqrt(),
            (1.0 - a).sqrt() * 2.0,
            b.sqrt() * 0.2 + (1.0 - b).sqrt() * 1.0,
            b.sqrt() * 0.4 - (1.0 - b).sqrt(),
            b.sqrt() * -0.6,
            b.sqrt() * 0.8 + (1.0 - b).sqrt() * 0.3,
        ];
        for (g, h) in got.iter().zip(by_hand) {
            assert!((*g as f64 - h).abs() < 1e-5, "{got:?} vs {by_hand:?}");
        }
    }

    #[test]
    fn unet_keeps_the_input_shape_for_digits_mnist_and_cifar_sizes() {
        let _rng = rng_lock();
        let device = Device::default();
        for (c, h, w, channels) in [(1, 8, 8, vec![8, 16]), (1, 28, 28, vec![8, 16, 16]), (3, 32, 32, vec![8, 16, 16]), (2, 6, 10, vec![8, 8])] {
            let config = DdpmConfig { channels, ..small(10) };
            let model = Ddpm::new(&config, &image_info(c, h, w), &device).unwrap();
            let x = pattern_images(2, c, h, w, &device);
            let eps = model.predict_noise(model.to_model_space(x.clone()), Tensor::from_floats([0.0, 7.0], &device));
            assert_eq!(eps.dims(), [2, c, h, w], "{c}×{h}×{w}");
            assert_eq!(model.noise_at_zero(x).dims(), [2, c, h, w]);
        }
    }

    #[test]
    fn image_size_resizes_data_and_samples() {
        let _rng = rng_lock();
        let device = Device::default();
        let config = DdpmConfig { image_size: Some(16), ..small(5) };
        let model = Ddpm::new(&config, &image_info(1, 8, 8), &device).unwrap();
        let x = model.to_model_space(pattern_images(3, 1, 8, 8, &device));
        assert_eq!(x.dims(), [3, 1, 16, 16]);
        assert_eq!(model.predict_noise(x.clone(), Tensor::zeros([3], &device)).dims(), [3, 1, 16, 16]);
        // Up by 2 then down by 2 (bilinear, half-pixel) gives back a smoothed image in range.
        let back = model.to_data_space(x);
        assert_eq!(back.dims(), [3, 1, 8, 8]);
        let loss = value(model.compute_loss(&Batch::images(pattern_images(3, 1, 8, 8, &device), None)).unwrap().loss);
        assert!(loss.is_finite());
        assert_eq!(model.sample(2, &device).dims(), [2, 1, 8, 8]);
    }

    #[test]
    fn untrained_loss_is_finite_and_near_one() {
        let _rng = rng_lock();
        let device = Device::default();
        device.seed(3);
        let model = Ddpm::new(&small(100), &image_info(1, 8, 8), &device).unwrap();
        let batch = Batch::images(pattern_images(64, 1, 8, 8, &device), None);
        let loss = value(model.compute_loss(&batch).unwrap().loss);
        // The output conv starts at zero, so ε̂ = 0 and the loss is the mean of ε² over 4096 draws.
        assert!(loss.is_finite() && (loss - 1.0).abs() < 0.1, "{loss}");
    }

    /// Two fixed 8×8 patterns (a bar and a ring), repeated.
    fn patterns(n: usize, device: &Device) -> Tensor<4> {
        let values: Vec<f32> = (0..n * 64)
            .map(|i| {
                let (item, row, col) = (i / 64, (i % 64) / 8, i % 8);
                let on = if item % 2 == 0 { (3..5).contains(&col) } else { (row == 1 || row == 6 || col == 1 || col == 6) && (1..7).contains(&row) && (1..7).contains(&col) };
                if on { 1.0 } else { 0.0 }
            })
            .collect();
        Tensor::<1>::from_floats(values.as_slice(), device).reshape([n, 1, 8, 8])
    }

    #[test]
    fn adam_steps_lower_the_loss_on_a_fixed_batch() {
        let _rng = rng_lock();
        let device = Device::default().autodiff();
        device.seed(11);
        let model = Ddpm::new(&small(50), &image_info(1, 8, 8), &device).unwrap();
        let batch = Batch::images(patterns(16, &device), None);
        // The loss is stochastic (t and ε), so compare averages over several draws.
        assert_adam_lowers_loss(model, &batch, 8, 80, 3e-3, 0.6);
    }

    #[test]
    fn reverse_mean_matches_algorithm_2_and_clips_only_out_of_range_x0() {
        let _rng = rng_lock();
        let device = Device::default();
        let model = four_step_model(1, 2, &device);
        // ᾱ = 0.9, 0.72, 0.504, 0.3024 (see q_sample_matches_the_formula).
        let x = Tensor::<1>::from_floats([0.3, -0.2], &device).reshape([1, 1, 1, 2]);
        let eps = Tensor::<1>::from_floats([0.5, 0.1], &device).reshape([1, 1, 1, 2]);
        for t in 0..4 {
            let (beta, bar) = (model.betas()[t], model.alphas_bar()[t]);
            let algorithm_2 = |x: f64, e: f64| (x - beta / (1.0 - bar).sqrt() * e) / (1.0 - beta).sqrt();
            let expected = [algorithm_2(0.3, 0.5), algorithm_2(-0.2, 0.1)];
            // x̂_0 = (x − √(1−ᾱ)ε)/√ᾱ is within [−1, 1] here, so clipping changes nothing.
            for clip in [false, true] {
                let got = floats(model.reverse_mean(x.clone(), eps.clone(), t, clip));
                for (g, e) in got.iter().zip(expected) {
                    assert!((*g as f64 - e).abs() < 1e-5, "t={t} clip={clip}: {got:?} vs {expected:?}");
                }
            }
        }
        // At t = 0 the clipped mean is x̂_0 itself: here x̂_0 = (2 − √0.1·0)/√0.9 > 1 → 1.
        let far = Tensor::<1>::from_floats([2.0, -2.0], &device).reshape([1, 1, 1, 2]);
        let got = floats(model.reverse_mean(far.clone(), Tensor::zeros([1, 1, 1, 2], &device), 0, true));
        assert!((got[0] - 1.0).abs() < 1e-6 && (got[1] + 1.0).abs() < 1e-6, "{got:?}");
        let unclipped = floats(model.reverse_mean(far, Tensor::zeros([1, 1, 1, 2], &device), 0, false));
        assert!((unclipped[0] as f64 - 2.0 / 0.9f64.sqrt()).abs() < 1e-5, "{unclipped:?}");
    }

    #[test]
    fn sampling_has_the_data_shape_range_and_is_seeded() {
        let _rng = rng_lock();
        let device = Device::default();
        for (variance, schedule) in [(Variance::Posterior, Schedule::Cosine), (Variance::Beta, Schedule::Linear)] {
            let config = DdpmConfig { variance, schedule, ..small(20) };
            let model = Ddpm::new(&config, &image_info(1, 8, 8), &device).unwrap();
            // burn initialises parameters lazily, on first use, from the same generator: touch
            // them before seeding so the two seeded draws see the same stream.
            model.sample(1, &device);
            device.seed(5);
            let first = model.sample(6, &device);
            assert_eq!(first.dims(), [6, 1, 8, 8]);
            let values = floats(first);
            assert!(values.iter().all(|v| (0.0..=1.0).contains(v)), "{values:?}");
            device.seed(5);
            assert_eq!(floats(model.sample(6, &device)), values, "same seed, same samples");
            device.seed(6);
            assert_ne!(floats(model.sample(6, &device)), values, "another seed, other samples");
        }
        // Sampling from a model on an autodiff device works too (the callback's case).
        let autodiff = Device::default().autodiff();
        let model = Ddpm::new(&small(5), &image_info(3, 4, 4), &autodiff).unwrap();
        assert_eq!(model.sample(2, &autodiff).dims(), [2, 3, 4, 4]);
    }

    #[test]
    fn refuses_bad_configs_with_clear_messages() {
        let _rng = rng_lock();
        let device = Device::default();
        let error = |config: DdpmConfig, data: &Schema| Ddpm::new(&config, data, &device).unwrap_err().to_string();
        let digits = image_info(1, 8, 8);
        let message = error(DdpmConfig { timesteps: 0, ..DdpmConfig::default() }, &digits);
        assert!(message.starts_with("model.ddpm: `timesteps` must be at least 1"), "{message}");
        let message = error(DdpmConfig { beta_end: 1.5, ..DdpmConfig::default() }, &digits);
        assert!(message.starts_with("model.ddpm: `beta_end` must be in (0, 1)"), "{message}");
        let message = error(DdpmConfig { beta_start: 0.1, beta_end: 0.01, ..DdpmConfig::default() }, &digits);
        assert!(message.contains("`beta_start` (0.1) must not exceed `beta_end` (0.01)"), "{message}");
        // The cosine schedule ignores the linear βs.
        assert!(Ddpm::new(&DdpmConfig { schedule: Schedule::Cosine, beta_end: 1.5, ..small(10) }, &digits, &device).is_ok());
        let message = error(DdpmConfig { channels: vec![], ..DdpmConfig::default() }, &digits);
        assert!(message.starts_with("model.ddpm: `channels` must list"), "{message}");
        let message = error(DdpmConfig { channels: vec![32, 20], ..DdpmConfig::default() }, &digits);
        assert!(message.contains("`channels[1]` (20) must be a positive multiple of `groups` (8)"), "{message}");
        let message = error(DdpmConfig { groups: 0, ..DdpmConfig::default() }, &digits);
        assert!(message.contains("`groups` must be positive"), "{message}");
        let message = error(DdpmConfig { channels: vec![8; 5], ..small(10) }, &digits);
        assert!(message.contains("a 8×8 image cannot be halved 4 times") && message.contains("multiples of 16"), "{message}");
        let message = error(DdpmConfig { channels: vec![8; 3], ..small(10) }, &image_info(1, 28, 30));
        assert!(message.contains("a 28×30 image cannot be halved 2 times"), "{message}");
        assert!(message.ends_with("or set `image_size` (the data are resized to it) to a multiple of 4"), "{message}");
        let message = error(DdpmConfig { image_size: Some(6), channels: vec![8; 3], ..small(10) }, &digits);
        assert!(message.contains("set `image_size` to a multiple of 4"), "{message}");
        let message = error(DdpmConfig { image_size: Some(0), ..small(10) }, &digits);
        assert!(message.contains("`image_size` must be positive"), "{message}");
        let message = error(DdpmConfig::default(), &image_info(1, 0, 8));
        assert!(message.contains("items are empty"), "{message}");
    }

    #[test]
    fn config_defaults_and_unknown_keys() {
        let parse = |text: &str| parse_yaml_section::<DdpmConfig>("model.ddpm", text);
        assert_eq!(parse("").unwrap(), DdpmConfig::default());
        let config = parse("schedule: cosine\ntimesteps: 200\nvariance: beta\nimage_size: 16").unwrap();
        assert_eq!((config.schedule, config.timesteps, config.variance, config.image_size), (Schedule::Cosine, 200, Variance::Beta, Some(16)));
        let error = parse("schedule: quadratic").unwrap_err().to_string();
        assert!(error.starts_with("model.ddpm") && error.contains("unknown variant `quadratic`"), "{error}");
        let error = parse("steps: 3").unwrap_err().to_string();
        assert!(error.contains("unknown field `steps`"), "{error}");
    }
}
