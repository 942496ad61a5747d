//! The patched burn-flex (patches/burn-flex/PATCH.md) through burn's public API on the flex
//! device: `exp`, `sigmoid` and `softmax` of f32 tensors agree with an f64 reference within a
//! few ulp over their whole range, keep NaN, infinities and subnormals as the C library does,
//! and give the same values on the tensors large enough to be split over threads; 2-D
//! convolutions and transposed convolutions (one gemm per batch item) give the values and the
//! input, weight and bias gradients of a direct f64 sum, with strides, padding, output padding,
//! dilation and groups, for a batch of one (gemm's threads) and of several (items over threads);
//! `erf` and GELU's forward and backward agree with f64; binary and scalar ops on tensors large
//! enough to be split over threads (dense, broadcast, transposed) give exactly the per-element
//! f32 results; a batched matmul against one shared matrix (a linear layer on `[batch, seq, in]`,
//! run as one gemm of stacked rows) matches an f64 sum, for stacked and for strided left sides.
#![cfg(feature = "flex")]

use burn::tensor::activation::{gelu, sigmoid, softmax};
use burn::tensor::module::{conv2d, conv_transpose2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
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

/// A deterministic pseudo-random sequence in [-1, 1).
fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// One 2-D convolution case: shapes and options, the same for the transposed convolution with
/// the roles of image (conv input, transposed-conv output) and grid swapped.
#[derive(Debug, Clone, Copy)]
struct ConvCase {
    batch: usize,
    groups: usize,
    /// Image channels, height, width.
    image: [usize; 3],
    /// Grid channels.
    grid_channels: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    /// The transposed convolution's output padding (rows and columns no input reaches).
    padding_out: [usize; 2],
}

impl ConvCase {
    /// The grid's height and width for this case's image.
    fn grid_hw(&self) -> [usize; 2] {
        self.grid_hw_for([self.image[1], self.image[2]])
    }

    /// Calls `f(image index, grid index, weight index)` for every product of a convolution, with
    /// the weight laid out `[grid channels, image channels / groups, kh, kw]`.
    fn for_each_term(&self, image_hw: [usize; 2], mut f: impl FnMut(usize, usize, usize)) {
        let [c, _, _] = self.image;
        let [h, w] = image_hw;
        let [oh, ow] = self.grid_hw_for(image_hw);
        let (cg, gg) = (c / self.groups, self.grid_channels / self.groups);
        for b in 0..self.batch {
            for o in 0..self.grid_channels {
                for ci in 0..cg {
                    let channel = (o / gg) * cg + ci;
                    for ki in 0..self.kernel[0] {
                        for kj in 0..self.kernel[1] {
                            for oy in 0..oh {
                                for ox in 0..ow {
                                    let iy = (oy * self.stride[0] + ki * self.dilation[0]) as isize - self.padding[0] as isize;
                                    let ix = (ox * self.stride[1] + kj * self.dilation[1]) as isize - self.padding[1] as isize;
                                    if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                        continue;
                                    }
                                    let image = ((b * c + channel) * h + iy as usize) * w + ix as usize;
                                    let grid = ((b * self.grid_channels + o) * oh + oy) * ow + ox;
                                    let weight = ((o * cg + ci) * self.kernel[0] + ki) * self.kernel[1] + kj;
                                    f(image, grid, weight);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The grid's height and width for an image of `image_hw`.
    fn grid_hw_for(&self, image_hw: [usize; 2]) -> [usize; 2] {
        let out = |i: usize| {
            (image_hw[i] + 2 * self.padding[i] - self.dilation[i] * (self.kernel[i] - 1) - 1) / self.stride[i] + 1
        };
        [out(0), out(1)]
    }
}

fn conv_cases() -> Vec<ConvCase> {
    let case = |batch, groups, image, grid_channels, kernel, stride, padding, dilation, padding_out| ConvCase {
        batch,
        groups,
        image,
        grid_channels,
        kernel,
        stride,
        padding,
        dilation,
        padding_out,
    };
    vec![
        // ddpm's 3×3 same-padding convolutions, several items over the threads.
        case(6, 1, [5, 9, 8], 7, [3, 3], [1, 1], [1, 1], [1, 1], [0, 0]),
        // dcgan and vae: 4×4, stride 2, one item (gemm's own threads).
        case(1, 1, [3, 10, 10], 4, [4, 4], [2, 2], [1, 1], [1, 1], [0, 0]),
        // stride 2 with output padding, dilation, a rectangular kernel.
        case(3, 1, [2, 11, 9], 3, [3, 2], [2, 2], [0, 1], [2, 1], [1, 1]),
        // groups.
        case(4, 2, [4, 7, 7], 6, [3, 3], [1, 2], [1, 1], [1, 1], [0, 1]),
        // stride 1 with 8 or more channels per group: one gemm per kernel tap on a padded
        // image (the windowed form), with groups and dilation.
        case(4, 1, [9, 8, 7], 6, [3, 3], [1, 1], [1, 1], [1, 1], [0, 0]),
        case(2, 2, [16, 6, 6], 4, [3, 3], [1, 1], [1, 2], [2, 1], [0, 0]),
    ]
}

fn tensor4(values: &[f32], shape: [usize; 4], device: &burn::tensor::Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device).require_grad()
}

fn assert_close(got: Tensor<4>, want: &[f64], what: &str, case: &ConvCase) {
    let got = got.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(got.len(), want.len(), "{what}: size, {case:?}");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!((g as f64 - w).abs() <= 1e-4 * (1.0 + w.abs()), "{what}[{i}] = {g}, want {w}, {case:?}");
    }
}

#[test]
fn conv2d_and_its_gradients_match_a_direct_sum() {
    let device = device().autodiff();
    for case in conv_cases() {
        let [c, h, w] = case.image;
        let [oh, ow] = case.grid_hw();
        let g = case.grid_channels;
        let weight_shape = [g, c / case.groups, case.kernel[0], case.kernel[1]];
        let x = noise(case.batch * c * h * w, 1);
        let weight = noise(weight_shape.iter().product(), 2);
        let bias = noise(g, 3);
        let upstream = noise(case.batch * g * oh * ow, 4);

        let (mut y, mut dx, mut dw) = (vec![0.0f64; upstream.len()], vec![0.0f64; x.len()], vec![0.0f64; weight.len()]);
        case.for_each_term([h, w], |i, o, k| {
            y[o] += weight[k] as f64 * x[i] as f64;
            dx[i] += weight[k] as f64 * upstream[o] as f64;
            dw[k] += upstream[o] as f64 * x[i] as f64;
        });
        let plane = oh * ow;
        for (o, v) in y.iter_mut().enumerate() {
            *v += bias[(o / plane) % g] as f64;
        }
        let db: Vec<f64> = (0..g)
            .map(|ch| (0..case.batch).flat_map(|b| (0..plane).map(move |p| (b, p))).map(|(b, p)| upstream[(b * g + ch) * plane + p] as f64).sum())
            .collect();

        let xt = tensor4(&x, [case.batch, c, h, w], &device);
        let wt = tensor4(&weight, weight_shape, &device);
        let bt = Tensor::<1>::from_data(TensorData::new(bias.clone(), [g]), &device).require_grad();
        let options = ConvOptions::new(case.stride, case.padding, case.dilation, case.groups);
        let out = conv2d(xt.clone(), wt.clone(), Some(bt.clone()), options);
        let grads = (out.clone() * tensor4(&upstream, [case.batch, g, oh, ow], &device)).sum().backward();

        assert_close(out, &y, "conv2d", &case);
        assert_close(xt.grad(&grads).unwrap(), &dx, "conv2d input gradient", &case);
        assert_close(wt.grad(&grads).unwrap(), &dw, "conv2d weight gradient", &case);
        let got_db = bt.grad(&grads).unwrap().into_data().try_to_vec::<f32>().unwrap();
        for (got, want) in got_db.iter().zip(&db) {
            assert!((*got as f64 - want).abs() <= 1e-4 * (1.0 + want.abs()), "conv2d bias gradient {got} vs {want}, {case:?}");
        }
    }
}

#[test]
fn conv_transpose2d_and_its_gradients_match_a_direct_sum() {
    let device = device().autodiff();
    for case in conv_cases() {
        // The transposed convolution reads the grid and writes the image; output padding adds
        // rows and columns at the end of the image that no input reaches (only the bias).
        let [c, _, _] = case.image;
        let [gh, gw] = case.grid_hw();
        let out_size = |i: usize, grid: usize| {
            (grid - 1) * case.stride[i] + case.dilation[i] * (case.kernel[i] - 1) + 1 + case.padding_out[i] - 2 * case.padding[i]
        };
        let [h, w] = [out_size(0, gh), out_size(1, gw)];
        assert_eq!(case.grid_hw_for([h, w]), [gh, gw], "{case:?}");
        let g = case.grid_channels;
        // burn's conv-transpose weight: [input channels, output channels / groups, kh, kw].
        let weight_shape = [g, c / case.groups, case.kernel[0], case.kernel[1]];
        let x = noise(case.batch * g * gh * gw, 5);
        let weight = noise(weight_shape.iter().product(), 6);
        let bias = noise(c, 7);
        let upstream = noise(case.batch * c * h * w, 8);

        let (mut y, mut dx, mut dw) = (vec![0.0f64; upstream.len()], vec![0.0f64; x.len()], vec![0.0f64; weight.len()]);
        case.for_each_term([h, w], |i, o, k| {
            y[i] += weight[k] as f64 * x[o] as f64;
            dx[o] += weight[k] as f64 * upstream[i] as f64;
            dw[k] += upstream[i] as f64 * x[o] as f64;
        });
        let plane = h * w;
        for (i, v) in y.iter_mut().enumerate() {
            *v += bias[(i / plane) % c] as f64;
        }

        let xt = tensor4(&x, [case.batch, g, gh, gw], &device);
        let wt = tensor4(&weight, weight_shape, &device);
        let bt = Tensor::<1>::from_data(TensorData::new(bias.clone(), [c]), &device).require_grad();
        let options = ConvTransposeOptions::new(case.stride, case.padding, case.padding_out, case.dilation, case.groups);
        let out = conv_transpose2d(xt.clone(), wt.clone(), Some(bt.clone()), options);
        let grads = (out.clone() * tensor4(&upstream, [case.batch, c, h, w], &device)).sum().backward();

        assert_close(out, &y, "conv_transpose2d", &case);
        assert_close(xt.grad(&grads).unwrap(), &dx, "conv_transpose2d input gradient", &case);
        assert_close(wt.grad(&grads).unwrap(), &dw, "conv_transpose2d weight gradient", &case);
        let got_db = bt.grad(&grads).unwrap().into_data().try_to_vec::<f32>().unwrap();
        for (ch, got) in got_db.iter().enumerate() {
            let want: f64 = (0..case.batch).flat_map(|b| (0..plane).map(move |p| (b, p))).map(|(b, p)| upstream[(b * c + ch) * plane + p] as f64).sum();
            assert!((*got as f64 - want).abs() <= 1e-4 * (1.0 + want.abs()), "conv_transpose2d bias gradient {got} vs {want}, {case:?}");
        }
    }
}

#[test]
fn erf_is_within_three_ulp_and_gelu_matches_the_reference() {
    let n = 300_000;
    let xs = points(-7.0, 7.0, n);
    let got = values(Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device()).erf());
    for (&x, &y) in xs.iter().zip(&got) {
        assert!(ulps(y, libm_erf(x as f64)) <= 3, "erf({x}) = {y}");
    }

    // GELU and its gradient (through autodiff) against f64, on a tensor split over threads.
    let device = device().autodiff();
    let input = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device).require_grad();
    let out = gelu(input.clone());
    let grads = out.clone().sum().backward();
    let forward = values(out);
    let backward = values(input.grad(&grads).unwrap());
    for (i, &x) in xs.iter().enumerate() {
        let x64 = x as f64;
        let cdf = 0.5 * (1.0 + libm_erf(x64 / std::f64::consts::SQRT_2));
        let pdf = (-0.5 * x64 * x64).exp() / (2.0 * std::f64::consts::PI).sqrt();
        assert!((forward[i] as f64 - x64 * cdf).abs() <= 1e-6 * (1.0 + x64.abs()), "gelu({x}) = {}", forward[i]);
        assert!((backward[i] as f64 - (cdf + x64 * pdf)).abs() <= 1e-6, "gelu'({x}) = {}", backward[i]);
    }
}

/// erf in f64 to 1e-16, from its Taylor series (|x| < 3) or continued fraction for erfc.
fn libm_erf(x: f64) -> f64 {
    let z = x.abs();
    let value = if z < 3.0 {
        let (mut term, mut sum, mut n) = (z, z, 0.0);
        while term.abs() > 1e-18 * sum.abs() {
            n += 1.0;
            term *= -z * z / n;
            sum += term / (2.0 * n + 1.0);
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        // erfc(z) = e^(-z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))), evaluated bottom up.
        let mut fraction = 0.0;
        for k in (1..60).rev() {
            fraction = (k as f64 / 2.0) / (z + fraction);
        }
        1.0 - (-z * z).exp() / std::f64::consts::PI.sqrt() / (z + fraction)
    };
    value.copysign(x)
}

#[test]
fn large_elementwise_ops_give_the_per_element_results() {
    let device = device();
    let [b, c, h, w] = [32usize, 16, 28, 28];
    let n = b * c * h * w;
    let a: Vec<f32> = noise(n, 11);
    let d: Vec<f32> = noise(n, 12);
    let scale: Vec<f32> = noise(c, 13);
    let tensor = |v: &[f32], shape: [usize; 4]| Tensor::<4>::from_data(TensorData::new(v.to_vec(), shape), &device);
    let flat = |t: Tensor<4>| t.into_data().try_to_vec::<f32>().unwrap();

    // Dense: both operands alive (allocating path) and the left one consumed (in place).
    let (ta, td) = (tensor(&a, [b, c, h, w]), tensor(&d, [b, c, h, w]));
    let want: Vec<f32> = a.iter().zip(&d).map(|(x, y)| x * y).collect();
    assert_eq!(flat(ta.clone() * td.clone()), want);
    assert_eq!(flat(tensor(&a, [b, c, h, w]) * td.clone()), want);
    let want: Vec<f32> = a.iter().zip(&d).map(|(x, y)| x - y).collect();
    assert_eq!(flat(ta.clone() - td.clone()), want);

    // Broadcast per channel (a norm's scale), in place and allocating.
    let ts = tensor(&scale, [1, c, 1, 1]);
    let want: Vec<f32> = a.iter().enumerate().map(|(i, x)| x * scale[(i / (h * w)) % c]).collect();
    assert_eq!(flat(tensor(&a, [b, c, h, w]) * ts.clone()), want);
    assert_eq!(flat(ta.clone() * ts.clone()), want);

    // A transposed operand (strided, not broadcast).
    let want: Vec<f32> = (0..n)
        .map(|i| {
            let (rest, x) = (i / w, i % w);
            let (rest, y) = (rest / h, rest % h);
            a[i] + d[(rest * h + x) * w + y]
        })
        .collect();
    assert_eq!(flat(ta.clone() + td.clone().swap_dims(2, 3)), want);

    // Scalar ops.
    let want: Vec<f32> = a.iter().map(|x| x * 0.75).collect();
    assert_eq!(flat(ta.clone().mul_scalar(0.75)), want);
    let want: Vec<f32> = a.iter().map(|x| x + 2.5).collect();
    assert_eq!(flat(tensor(&a, [b, c, h, w]).add_scalar(2.5)), want);
}

#[test]
fn batched_matmul_with_a_shared_matrix_matches_the_reference() {
    let device = device();
    let [b, t, k, n] = [6usize, 33, 40, 17];
    let x = noise(b * t * k, 21);
    let w = noise(k * n, 22);
    let weight = Tensor::<3>::from_data(TensorData::new(w.clone(), [1, k, n]), &device);
    // Stacked rows (one gemm) and the same values read through a transposed view (one gemm per
    // batch element): both against the f64 sum.
    let stacked = Tensor::<3>::from_data(TensorData::new(x.clone(), [b, t, k]), &device);
    let mut xt = vec![0.0f32; x.len()];
    for i in 0..b {
        for r in 0..t {
            for c in 0..k {
                xt[(i * k + c) * t + r] = x[(i * t + r) * k + c];
            }
        }
    }
    let strided = Tensor::<3>::from_data(TensorData::new(xt, [b, k, t]), &device).swap_dims(1, 2);
    for (what, lhs) in [("stacked", stacked), ("strided", strided)] {
        let got = lhs.matmul(weight.clone()).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(got.len(), b * t * n, "{what}");
        for i in 0..b * t {
            for j in 0..n {
                let want: f64 = (0..k).map(|c| x[i * k + c] as f64 * w[c * n + j] as f64).sum();
                let g = got[i * n + j] as f64;
                assert!((g - want).abs() <= 1e-5 * (1.0 + want.abs()), "{what} [{i}, {j}] = {g}, want {want}");
            }
        }
    }
}
