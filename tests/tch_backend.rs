//! burn's `tch` backend (libtorch), compiled only with `--features tch`.
//!
//! The feature needs libtorch 2.9.0 at build time (`LIBTORCH`) and its libraries at run time
//! (`LD_LIBRARY_PATH`): `eval "$(bash scripts/setup-libtorch.sh)"` sets both. Without `LIBTORCH`
//! the build of torch-sys itself fails, so a build without the feature carries only an ignored
//! placeholder whose reason (printed by the test runner) says how to run the real tests.
//!
//! The checks: one autodiff step (matmul, square, sum, backward) on the libtorch device against
//! the analytic gradient and central finite differences, and a few Adam steps on a `Linear`
//! (burn's nn and optim on libtorch, as the models use them).
#[cfg(not(feature = "tch"))]
#[test]
#[ignore = "skipped: built without the `tch` feature; run `eval \"$(bash scripts/setup-libtorch.sh)\"` then `cargo test --release --features tch --test tch_backend`"]
fn libtorch_backend() {}

// burn 0.22 marks burn-tch as deprecated (to be replaced by its CubeCL CPU backend).
#[cfg(feature = "tch")]
#[allow(deprecated)]
mod libtorch {
    use burn::module::Module;
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::{AdamConfig, GradientsParams};
    use burn::tensor::{Device, Tensor};

    const X: [[f32; 3]; 2] = [[1.0, 2.0, -1.0], [0.5, -0.5, 3.0]];
    const W: [[f32; 2]; 3] = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]];

    fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
        tensor.into_data().to_vec::<f32>().expect("f32 tensor")
    }

    /// `L(W) = Σ (X·W)²` on `device`.
    fn loss(w: Tensor<2>, device: &Device) -> Tensor<1> {
        Tensor::<2>::from_floats(X, device).matmul(w).powi_scalar(2).sum()
    }

    #[test]
    fn matmul_backward_on_libtorch_matches_the_analytic_gradient() {
        let plain = Device::libtorch();
        let device = plain.clone().autodiff();
        let name = format!("{device:?}");
        assert!(name.contains("LibTorch"), "not the libtorch device: {name}");

        let w = Tensor::<2>::from_floats(W, &device).require_grad();
        let grads = loss(w.clone(), &device).backward();
        let got = values(w.grad(&grads).expect("W has a gradient"));

        // dL/dW = 2 Xᵀ (X W), computed here in f64.
        let y: Vec<[f64; 2]> = X
            .iter()
            .map(|row| {
                let mut out = [0.0; 2];
                for (j, cell) in out.iter_mut().enumerate() {
                    *cell = (0..3).map(|k| row[k] as f64 * W[k][j] as f64).sum();
                }
                out
            })
            .collect();
        let mut expected = [0.0f64; 6];
        for i in 0..3 {
            for j in 0..2 {
                expected[i * 2 + j] = 2.0 * (0..2).map(|r| X[r][i] as f64 * y[r][j]).sum::<f64>();
            }
        }

        // Central finite differences of the same loss, on libtorch without autodiff.
        let h = 1e-2f32;
        let mut numeric = [0.0f64; 6];
        for (index, slot) in numeric.iter_mut().enumerate() {
            let shifted = |delta: f32| {
                let mut w = W;
                w[index / 2][index % 2] += delta;
                values(loss(Tensor::<2>::from_floats(w, &plain), &plain))[0] as f64
            };
            *slot = (shifted(h) - shifted(-h)) / (2.0 * h as f64);
        }

        println!("libtorch device {name}: dL/dW = {got:?}");
        for index in 0..6 {
            let (g, e, n) = (got[index] as f64, expected[index], numeric[index]);
            assert!((g - e).abs() < 1e-5 * e.abs().max(1.0), "dL/dW[{index}]: autodiff {g}, analytic {e}");
            assert!((g - n).abs() < 1e-2 * e.abs().max(1.0), "dL/dW[{index}]: autodiff {g}, finite differences {n}");
        }
    }

    #[test]
    fn adam_fits_a_linear_layer_on_libtorch() {
        let device = Device::libtorch().autodiff();
        device.seed(0);
        let inputs = [[0.0, 1.0, 2.0], [1.0, -1.0, 0.5], [2.0, 0.0, -1.0], [-1.0, 2.0, 1.0], [0.5, 0.5, 0.5], [-2.0, -1.0, 0.0]];
        let targets: Vec<f32> = inputs.iter().map(|x| x[0] - 2.0 * x[1] + 0.5 * x[2] + 0.3).collect();
        let x = Tensor::<2>::from_floats(inputs, &device);
        let y = Tensor::<1>::from_floats(targets.as_slice(), &device).reshape([6, 1]);
        let mse = |model: &Linear| (model.forward(x.clone()) - y.clone()).powi_scalar(2).mean();

        let mut model = LinearConfig::new(3, 1).init(&device);
        let before = values(mse(&model))[0];
        let mut optim = AdamConfig::new().init();
        for _ in 0..200 {
            let grads = GradientsParams::from_grads(mse(&model).backward(), &model);
            model = optim.step(0.05, model, grads);
        }
        let after = values(mse(&model))[0];
        println!("libtorch Adam: MSE {before} -> {after}");
        assert!(after.is_finite() && after < 0.01 * before.max(1e-3), "MSE did not drop: {before} -> {after}");
        assert_eq!(model.num_params(), 4);
    }
}
