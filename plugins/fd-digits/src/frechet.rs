//! The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian with
//! the set's mean `μ` and covariance `Σ`:
//!
//! `FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2·(Σ₁^½ Σ₂ Σ₁^½)^½)`
//!
//! (the squared 2-Wasserstein distance between the two Gaussians; with Inception features it is
//! the FID). Covariances are unbiased (divided by `N − 1`, like `numpy.cov`). Both square roots
//! come from symmetric eigen-decompositions (nalgebra): `A^½ = V·diag(√λ)·Vᵀ`, with eigenvalues
//! that rounding leaves slightly negative clamped to 0 (the matrices are positive semi-definite),
//! and `Tr((Σ₁^½ Σ₂ Σ₁^½)^½) = Σ √λᵢ`. The product `Σ₁^½ Σ₂ Σ₁^½` is symmetric, which is why it
//! is used instead of the equivalent `(Σ₁ Σ₂)^½`. The result is clamped at 0.

use nalgebra::{DMatrix, DVector};

/// The mean (length `d`) and unbiased covariance (`d × d`) of the rows of `features` (`n × d`,
/// `n ≥ 2`).
pub fn mean_and_covariance(features: &DMatrix<f64>) -> (DVector<f64>, DMatrix<f64>) {
    let n = features.nrows();
    let mean = features.row_mean().transpose();
    let mut centred = features.clone();
    for mut row in centred.row_iter_mut() {
        row -= mean.transpose();
    }
    let covariance = centred.transpose() * &centred / (n as f64 - 1.0);
    (mean, covariance)
}

/// `A^½` of a symmetric positive semi-definite `a`, eigenvalues below 0 clamped to 0.
pub fn sqrt_psd(a: &DMatrix<f64>) -> DMatrix<f64> {
    let symmetric = (a + a.transpose()) * 0.5;
    let eigen = symmetric.symmetric_eigen();
    let roots = eigen.eigenvalues.map(|value| value.max(0.0).sqrt());
    &eigen.eigenvectors * DMatrix::from_diagonal(&roots) * eigen.eigenvectors.transpose()
}

/// The Fréchet distance between the Gaussians `(mu1, sigma1)` and `(mu2, sigma2)`.
pub fn frechet_from_stats(mu1: &DVector<f64>, sigma1: &DMatrix<f64>, mu2: &DVector<f64>, sigma2: &DMatrix<f64>) -> f64 {
    let root1 = sqrt_psd(sigma1);
    let product = &root1 * sigma2 * &root1;
    let product = (&product + product.transpose()) * 0.5;
    let trace_root: f64 = product.symmetric_eigen().eigenvalues.iter().map(|value| value.max(0.0).sqrt()).sum();
    let mean_term = (mu1 - mu2).norm_squared();
    (mean_term + sigma1.trace() + sigma2.trace() - 2.0 * trace_root).max(0.0)
}

/// The Fréchet distance between the feature sets `a` (`n₁ × d`) and `b` (`n₂ × d`), rows being
/// items. Needs at least 2 rows in each (a covariance needs two points) and the same `d`.
pub fn frechet_distance(a: &DMatrix<f64>, b: &DMatrix<f64>) -> Result<f64, String> {
    if a.ncols() != b.ncols() {
        return Err(format!("the feature sets have {} and {} dimensions", a.ncols(), b.ncols()));
    }
    if a.nrows() < 2 || b.nrows() < 2 {
        return Err(format!(
            "a Fréchet distance needs at least 2 items on each side to estimate a covariance; got {} and {}",
            a.nrows(),
            b.nrows()
        ));
    }
    if a.iter().chain(b.iter()).any(|value| !value.is_finite()) {
        return Err("the features contain NaN or infinite values".into());
    }
    let (mu1, sigma1) = mean_and_covariance(a);
    let (mu2, sigma2) = mean_and_covariance(b);
    Ok(frechet_from_stats(&mu1, &sigma1, &mu2, &sigma2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::SplitMix64;

    /// `2d` rows whose sample mean is exactly `mean` and whose unbiased sample covariance is
    /// exactly `diag(std²)`: rows `mean ± c·std_i·e_i` with `c = √((2d − 1) / 2)`.
    fn exact_gaussian_set(mean: &[f64], std: &[f64]) -> DMatrix<f64> {
        let d = mean.len();
        let c = ((2 * d - 1) as f64 / 2.0).sqrt();
        DMatrix::from_fn(2 * d, d, |row, col| {
            let sign = if row % 2 == 0 { 1.0 } else { -1.0 };
            mean[col] + if row / 2 == col { sign * c * std[col] } else { 0.0 }
        })
    }

    fn closed_form(mu1: &[f64], s1: &[f64], mu2: &[f64], s2: &[f64]) -> f64 {
        let means: f64 = mu1.iter().zip(mu2).map(|(a, b)| (a - b).powi(2)).sum();
        let stds: f64 = s1.iter().zip(s2).map(|(a, b)| (a - b).powi(2)).sum();
        means + stds
    }

    #[test]
    fn the_constructed_sets_have_the_intended_statistics() {
        let set = exact_gaussian_set(&[1.0, -2.0, 0.5], &[0.5, 2.0, 1.0]);
        let (mean, cov) = mean_and_covariance(&set);
        assert!((mean - DVector::from_vec(vec![1.0, -2.0, 0.5])).norm() < 1e-12);
        assert!((cov - DMatrix::from_diagonal(&DVector::from_vec(vec![0.25, 4.0, 1.0]))).norm() < 1e-12);
    }

    #[test]
    fn diagonal_gaussians_match_the_closed_form() {
        let (mu1, s1) = ([1.0, -2.0, 0.5, 0.0], [0.5, 2.0, 1.0, 3.0]);
        let (mu2, s2) = ([0.0, -1.0, 0.5, 2.0], [1.5, 1.0, 1.0, 0.1]);
        let fd = frechet_distance(&exact_gaussian_set(&mu1, &s1), &exact_gaussian_set(&mu2, &s2)).unwrap();
        // Σ(μ₁−μ₂)² = 1 + 1 + 0 + 4 = 6; Σ(σ₁−σ₂)² = 1 + 1 + 0 + 8.41 = 10.41.
        assert!((closed_form(&mu1, &s1, &mu2, &s2) - 16.41).abs() < 1e-12);
        assert!((fd - 16.41).abs() < 1e-9, "{fd}");
    }

    #[test]
    fn rotating_both_sets_leaves_the_distance_unchanged() {
        // A rotation mixes the axes, so the covariances are no longer diagonal and do not commute
        // with an arbitrary matrix: this exercises the matrix square roots for real.
        let (mu1, s1) = ([1.0, -2.0, 0.5], [0.5, 2.0, 1.0]);
        let (mu2, s2) = ([0.0, -1.0, 0.5], [1.5, 0.3, 1.0]);
        let (a, b) = (exact_gaussian_set(&mu1, &s1), exact_gaussian_set(&mu2, &s2));
        let (c, s) = (0.6f64, 0.8f64);
        let rotation = DMatrix::from_row_slice(3, 3, &[c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0]);
        let fd = frechet_distance(&(a * &rotation), &(b * &rotation)).unwrap();
        let expected = closed_form(&mu1, &s1, &mu2, &s2);
        assert!((fd - expected).abs() < 1e-9, "{fd} vs {expected}");
        // And different covariance orientations are not equal: rotating one set changes it.
        let (a, b) = (exact_gaussian_set(&mu1, &s1), exact_gaussian_set(&mu1, &s1));
        assert!(frechet_distance(&a, &(b * rotation)).unwrap() > 0.1);
    }

    #[test]
    fn sampled_gaussians_approach_the_closed_form() {
        let mut rng = SplitMix64(1);
        let (mu1, s1) = ([0.0, 1.0, -1.0], [1.0, 0.5, 2.0]);
        let (mu2, s2) = ([0.5, 1.0, 0.0], [2.0, 0.5, 1.0]);
        let mut draw = |mu: &[f64], s: &[f64]| DMatrix::from_fn(20_000, 3, |_, col| mu[col] + s[col] * rng.normal());
        let (a, b) = (draw(&mu1, &s1), draw(&mu2, &s2));
        let fd = frechet_distance(&a, &b).unwrap();
        let expected = closed_form(&mu1, &s1, &mu2, &s2); // 0.25 + 1 + 1 + 1 = 3.25
        assert!((fd - expected).abs() < 0.1, "{fd} vs {expected}");
    }

    #[test]
    fn a_set_against_itself_is_zero_even_when_singular() {
        let mut rng = SplitMix64(2);
        // Rank-deficient: the third column copies the first, so Σ is singular.
        let mut a = DMatrix::from_fn(50, 3, |_, _| rng.normal());
        let first = a.column(0).clone_owned();
        a.set_column(2, &first);
        let fd = frechet_distance(&a, &a).unwrap();
        assert!(fd.abs() < 1e-9, "{fd}");
    }

    #[test]
    fn too_few_items_or_mismatched_widths_are_errors() {
        let one = DMatrix::from_element(1, 3, 0.5);
        let two = DMatrix::from_element(2, 3, 0.5);
        assert!(frechet_distance(&one, &two).unwrap_err().contains("at least 2 items on each side"));
        assert!(frechet_distance(&two, &DMatrix::from_element(2, 4, 0.5)).unwrap_err().contains("3 and 4 dimensions"));
        assert!(frechet_distance(&two, &DMatrix::from_element(2, 3, f64::NAN)).unwrap_err().contains("NaN"));
    }
}
