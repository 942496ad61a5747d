//! The patched burn-flex (patches/burn-flex/PATCH.md) through burn's public API on the flex
//! device: `exp`, `sigmoid` and `softmax` of f32 tensors agree with an f64 reference within a
//! few ulp over their whole range, keep NaN, infinities and subnormals as the C library does,
//! and give the same values on the tensors large enough to be split over threads.
#![cfg(feature = "flex")]

use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Tensor, TensorData};

fn device() -> burn::tensor::Device {
    frameworm_core::device::parse("flex").expect("flex is compiled in")
}

/// Distance in units in the last place between `got` and `reference` rounded to f32.
fn ulps(got: f32, reference: f64) -> u64 {
    let want = reference as f32;
    if got == want || (got.is_nan() && want.is_nan()) {
        return 0;
    }
    (got.to_bits() as i64 - want.to_bits() as i64).unsigned_abs()
}

/// `n` points spread over [from, to).
fn points(from: f32, to: f32, n: usize) -> Vec<f32> {
    (0..n).map(|i| from + (to - from) * i as f32 / n as f32).collect()
}

fn values(tensor: Tensor<1>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn exp_is_within_two_ulp_on_one_thread_and_split_over_threads() {
    // 1,000 elements stay on one thread; 300,000 are split into chunks.
    for n in [1_000, 300_000] {
        let xs = points(-103.0, 88.7, n);
        let got = values(Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device()).exp());
        let worst = xs.iter().zip(&got).map(|(&x, &y)| (ulps(y, (x as f64).exp()), x)).max_by_key(|w| w.0).unwrap();
        assert!(worst.0 <= 2, "n = {n}: {} ulp at x = {}", worst.0, worst.1);
    }
}

#[test]
fn exp_keeps_the_edges() {
    let xs = vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, 89.0, -100.0, -110.0];
    let got = values(Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device()).exp());
    assert!(got[0].is_nan());
    assert_eq!(got[1], f32::INFINITY);
    assert_eq!(got[2], 0.0);
    assert_eq!(got[3], 1.0);
    assert_eq!(got[4], f32::INFINITY);
    assert!(got[5] > 0.0 && got[5] < f32::MIN_POSITIVE, "exp(-100) = {} is subnormal", got[5]);
    assert_eq!(got[6], 0.0);
}

#[test]
fn sigmoid_is_within_three_ulp_on_both_sides() {
    let n = 200_000;
    let xs = points(-90.0, 90.0, n);
    let got = values(sigmoid(Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device())));
    for (&x, &y) in xs.iter().zip(&got) {
        let reference = 1.0 / (1.0 + (-(x as f64)).exp());
        assert!(ulps(y, reference) <= 3, "sigmoid({x}) = {y}, want {reference}");
    }
}

#[test]
fn softmax_rows_match_the_reference() {
    let (rows, cols) = (64, 300);
    let xs: Vec<f32> = (0..rows * cols).map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0).collect();
    let tensor = Tensor::<2>::from_data(TensorData::new(xs.clone(), [rows, cols]), &device());
    let got = softmax(tensor, 1).into_data().try_to_vec::<f32>().unwrap();
    for r in 0..rows {
        let row = &xs[r * cols..(r + 1) * cols];
        let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
        let sum: f64 = row.iter().map(|&x| (x as f64 - max).exp()).sum();
        for c in 0..cols {
            let reference = (row[c] as f64 - max).exp() / sum;
            let y = got[r * cols + c];
            // The f32 sum of 300 terms carries ~1e-6 relative error of its own.
            assert!(((y as f64) - reference).abs() <= 3e-6 * reference + 1e-12, "row {r} col {c}: {y} vs {reference}");
        }
    }
}
