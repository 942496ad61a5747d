//! Prints reference values of every metric of `image-metrics` and `fd-digits` on the embedded
//! digits, to tell what a score means:
//!
//! `cargo run --release -p frameworm-plugin-fd-digits --example reference-numbers`
//!
//! (a) the 360 held-out digits against themselves, (b) against uniform noise (fixed seed),
//! (c) against blank images; `fd-digits` also on held-out against training digits (the first
//! 360 of them, and all 1437), with its wall time on 360 + 360 images. Accuracy scores the
//! feature network's class scores on the digits (a) and on the noise images (b) against the
//! digits' labels.

use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use frameworm_core::{FromConfig, Metric, MetricInput};
use frameworm_plugin_fd_digits::FdDigits;
use frameworm_plugin_fd_digits::net::{SplitMix64, digits_split};
use frameworm_plugin_image_metrics::{Accuracy, Mse, Psnr, Ssim};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::default();
    let (held_out, labels) = digits_split(true, &device)?;
    let (train, _) = digits_split(false, &device)?;
    let n = held_out.dims()[0];
    let mut rng = SplitMix64(3);
    let noise: Vec<f32> = (0..n * 64).map(|_| rng.uniform() as f32).collect();
    let noise = Tensor::<4>::from_data(TensorData::new(noise, [n, 1, 8, 8]), &device);
    let blank = Tensor::<4>::zeros([n, 1, 8, 8], &device);

    let paired: Vec<(&str, Box<dyn Metric>)> = vec![
        ("psnr", Box::new(Psnr::from_config(Default::default())?)),
        ("ssim", Box::new(Ssim::from_config(Default::default())?)),
        ("mse", Box::new(Mse)),
    ];
    println!("{n} held-out digits; metric: vs themselves | vs uniform noise | vs blank");
    for (name, metric) in &paired {
        let score = |other: &Tensor<4>| metric.compute(&MetricInput::images(&held_out, other));
        println!("{name:>9}: {:.6} | {:.6} | {:.6}", score(&held_out)?, score(&noise)?, score(&blank)?);
    }

    let fd = FdDigits::new()?;
    let predictions = |images: &Tensor<4>| fd.net().forward(images.clone());
    let accuracy = |images: &Tensor<4>| -> Result<f64, Box<dyn std::error::Error>> {
        let scores = predictions(images);
        let predicted = frameworm_core::Predictions::Classes { scores, labels: labels.clone() };
        Ok(Accuracy.compute(&MetricInput::predicted(&predicted))?)
    };
    println!(" accuracy: {:.6} | {:.6} | {:.6}", accuracy(&held_out)?, accuracy(&noise)?, accuracy(&blank)?);

    let score = |other: &Tensor<4>| fd.compute(&MetricInput::images(&held_out, other));
    println!("fd-digits: {:.6} | {:.6} | {:.6}", score(&held_out)?, score(&noise)?, score(&blank)?);
    let first = train.clone().narrow(0, 0, n);
    println!("fd-digits: held-out vs the first {n} training digits {:.4}", score(&first)?);
    println!("fd-digits: held-out vs all {} training digits {:.4}", train.dims()[0], score(&train)?);
    let repeats = 20;
    let start = Instant::now();
    for _ in 0..repeats {
        score(&first)?;
    }
    let per_call = start.elapsed().as_secs_f64() / repeats as f64;
    println!("fd-digits wall time on {n} real + {n} generated images: {:.1} ms per call (mean of {repeats})", per_call * 1000.0);
    Ok(())
}
