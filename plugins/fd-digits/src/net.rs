//! The feature network of `fd-digits`: a small convolutional classifier of 8×8 one-channel digits
//! whose penultimate layer (32 ReLU units) gives the features the Fréchet distance compares.
//!
//! Architecture: 3×3 conv 1→8 (padding 1, 8×8), ReLU, 3×3 conv 8→16 (stride 2, padding 1,
//! 4×4), ReLU, flatten (256), linear 256→32, ReLU (**the features**), linear 32→10 (class
//! scores). 9,802 parameters.
//!
//! The trained weights ship in the crate (`weights/feature-net.bpk`, burnpack, embedded with
//! `include_bytes!`); [`train`] is the recipe that made them, run by
//! `cargo run --release -p frameworm-plugin-fd-digits --example train-feature-net`. It trains on
//! the digits that [`is_held_out`] leaves in (4 in 5) with a fixed seed; the held-out fifth is
//! what the accuracy test and the reference numbers use.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::store::ModuleRecord;
use burn::tensor::activation::relu;
use burn::tensor::{Bytes, Device, Int, Tensor, TensorData};
use frameworm_core::{ComponentError, Dataset};
use frameworm_plugin_digits::Digits;

/// Image side the network reads.
pub const SIDE: usize = 8;
/// Width of the feature layer.
pub const FEATURES: usize = 32;
/// Number of classes.
pub const CLASSES: usize = 10;

/// The shipped weights (burnpack), made by the `train-feature-net` example.
pub const WEIGHTS: &[u8] = include_bytes!("../weights/feature-net.bpk");

/// The network; see the module docs.
#[derive(Module, Debug)]
pub struct FeatureNet {
    conv1: Conv2d,
    conv2: Conv2d,
    hidden: Linear,
    head: Linear,
}

impl FeatureNet {
    /// A freshly initialised (untrained) network on `device`.
    pub fn init(device: &Device) -> Self {
        let conv = |from: usize, to: usize, stride: usize| {
            Conv2dConfig::new([from, to], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        FeatureNet {
            conv1: conv(1, 8, 1),
            conv2: conv(8, 16, 2),
            hidden: LinearConfig::new(16 * 4 * 4, FEATURES).init(device),
            head: LinearConfig::new(FEATURES, CLASSES).init(device),
        }
    }

    /// The shipped, trained network on `device`.
    pub fn shipped(device: &Device) -> Result<Self, ComponentError> {
        Self::from_burnpack(WEIGHTS, device).map_err(|error| {
            ComponentError::Invalid(format!(
                "fd-digits: the embedded feature-net weights cannot be loaded ({error}); rebuild them with `cargo run \
                 --release -p frameworm-plugin-fd-digits --example train-feature-net`"
            ))
        })
    }

    /// A network with the parameters of burnpack `bytes`, on `device`.
    pub fn from_burnpack(bytes: &[u8], device: &Device) -> Result<Self, String> {
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec())).map_err(|e| e.to_string())?;
        Self::init(device).try_load_record(record).map_err(|e| e.to_string())
    }

    /// The penultimate-layer activations `[N, FEATURES]` of images `[N, 1, 8, 8]`.
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let x = relu(self.conv1.forward(images));
        let x = relu(self.conv2.forward(x));
        relu(self.hidden.forward(x.flatten(1, 3)))
    }

    /// Class scores (logits) `[N, CLASSES]` of images `[N, 1, 8, 8]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.features(images))
    }
}

/// Whether embedded digit `index` belongs to the held-out fifth (every fifth item: 360 of the
/// 1797) that the feature net never trains on.
pub fn is_held_out(index: usize) -> bool {
    index.is_multiple_of(5)
}

/// The embedded digits `[N, 1, 8, 8]` and their labels, held-out items (`held_out = true`) or
/// training items.
pub fn digits_split(held_out: bool, device: &Device) -> Result<(Tensor<4>, Tensor<1, Int>), ComponentError> {
    let digits = Digits::embedded()?;
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for index in (0..digits.len()).filter(|&i| is_held_out(i) == held_out) {
        let sample = digits.get(index)?;
        pixels.extend_from_slice(sample.pixels());
        labels.push(sample.label().unwrap_or(0) as i64);
    }
    let n = labels.len();
    let images = Tensor::from_data(TensorData::new(pixels, [n, 1, SIDE, SIDE]), device);
    Ok((images, Tensor::from_data(TensorData::new(labels, [n]), device)))
}

/// The fraction of `images` whose highest class score is their label.
pub fn accuracy(net: &FeatureNet, images: Tensor<4>, labels: Tensor<1, Int>) -> f64 {
    let n = labels.dims()[0];
    let predicted = net.forward(images).argmax(1).reshape([n]);
    f64::from(predicted.equal(labels).float().sum().into_scalar::<f32>()) / n as f64
}

/// The training recipe of the shipped weights.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Seeds the device (initial weights) and the shuffling.
    pub seed: u64,
    /// Passes over the training digits.
    pub epochs: usize,
    /// Items per Adam step.
    pub batch_size: usize,
    /// Adam learning rate.
    pub lr: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { seed: 7, epochs: 40, batch_size: 32, lr: 3e-3 }
    }
}

/// Trains a [`FeatureNet`] on the training digits (cross-entropy, Adam) and returns it without
/// autodiff, with the mean training loss of each epoch.
pub fn train(options: &TrainOptions) -> Result<(FeatureNet, Vec<f64>), ComponentError> {
    if options.epochs == 0 || options.batch_size == 0 || !options.lr.is_finite() || options.lr <= 0.0 {
        return Err(ComponentError::Invalid(format!("fd-digits training: epochs, batch_size and lr must be positive; got {options:?}")));
    }
    let device = Device::default().autodiff();
    device.seed(options.seed);
    let (images, labels) = digits_split(false, &device)?;
    let n = labels.dims()[0];
    let mut net = FeatureNet::init(&device);
    let mut optimizer = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let mut rng = SplitMix64(options.seed);
    let mut order: Vec<usize> = (0..n).collect();
    let mut losses = Vec::new();
    for _ in 0..options.epochs {
        // Fisher–Yates with the fixed-seed generator.
        for i in (1..n).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let (mut total, mut steps) = (0.0, 0);
        for chunk in order.chunks(options.batch_size) {
            let index = Tensor::<1, Int>::from_data(TensorData::new(chunk.iter().map(|&i| i as i64).collect(), [chunk.len()]), &device);
            let logits = net.forward(images.clone().select(0, index.clone()));
            let loss = loss_fn.forward(logits, labels.clone().select(0, index));
            total += f64::from(loss.clone().into_scalar::<f32>());
            steps += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optimizer.step(options.lr, net, grads);
        }
        losses.push(total / steps as f64);
    }
    Ok((net.valid(), losses))
}

/// A small deterministic generator (SplitMix64) for shuffling and test data.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal number (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_holds_out_every_fifth_digit() {
        let device = Device::default();
        let (held_out, held_labels) = digits_split(true, &device).unwrap();
        let (train, train_labels) = digits_split(false, &device).unwrap();
        assert_eq!((held_out.dims(), held_labels.dims()), ([360, 1, 8, 8], [360]));
        assert_eq!((train.dims(), train_labels.dims()), ([1437, 1, 8, 8], [1437]));
        // Item 0 (a zero) is held out; item 1 (a one) is the first training item.
        assert_eq!(held_labels.narrow(0, 0, 1).into_scalar::<i64>(), 0);
        assert_eq!(train_labels.narrow(0, 0, 1).into_scalar::<i64>(), 1);
    }

    #[test]
    fn training_lowers_the_loss_and_shapes_are_right() {
        let (net, losses) = train(&TrainOptions { epochs: 3, ..TrainOptions::default() }).unwrap();
        assert_eq!(losses.len(), 3);
        // Untrained, the loss is near ln(10) ≈ 2.30; the first epoch's mean is already below it.
        assert!(losses[0] < 2.4 && losses[2] < losses[0] * 0.5, "{losses:?}");
        let images = Tensor::<4>::zeros([5, 1, 8, 8], &Device::default());
        assert_eq!(net.features(images.clone()).dims(), [5, FEATURES]);
        assert_eq!(net.forward(images).dims(), [5, CLASSES]);
        assert_eq!(net.num_params(), 9_802);
    }

    #[test]
    fn bad_options_and_bad_weights_are_errors() {
        assert!(train(&TrainOptions { lr: f64::NAN, ..TrainOptions::default() }).is_err());
        assert!(train(&TrainOptions { epochs: 0, ..TrainOptions::default() }).is_err());
        assert!(FeatureNet::from_burnpack(b"not a burnpack", &Device::default()).is_err());
    }
}
