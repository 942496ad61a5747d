//! A branch-free `exp` for f32 that the compiler vectorises, and the `sigmoid` and `erf` on it.
//!
//! `f32::exp` is a call into the C library per element, which keeps every loop that uses it
//! (the `exp` op, `sigmoid`, softmax) scalar. [`exp_f32`] is plain arithmetic and integer bit
//! operations, so a loop over a slice compiles to SIMD code (SSE2 at the x86-64 baseline):
//! Cody–Waite range reduction `x = n ln 2 + r`, `|r| <= ln 2 / 2`, a degree-7 polynomial for
//! `e^r` and the scale `2^n` built from exponent bits in two factors, so overflow to infinity and
//! gradual underflow through the subnormals come out as from the library. Within 2 ulp of the
//! correctly rounded result over the whole range (tested against f64 below); NaN stays NaN,
//! `+inf` gives `+inf`, `-inf` gives `0`.

/// `e^x` for f32, vectorisable (see the module docs).
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2_E: f32 = core::f32::consts::LOG2_E;
    // ln 2 split so that n * LN2_HI is exact for |n| < 2^9.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding it rounds to the nearest integer and leaves that integer in the low
    // mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    // exp(88.8) overflows and exp(-104) is below half the smallest subnormal: clamping there
    // keeps n in [-150, 129] without changing any result. `clamp` keeps NaN.
    let x = x.clamp(-104.0, 88.8);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let n_int = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = x - n * LN2_HI - n * LN2_LO;
    // e^r, Taylor to degree 7: the first omitted term is below 2^-28 for |r| <= ln 2 / 2.
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    // 2^n as 2^(n/2) * 2^(n - n/2): both factors are normal floats for n in [-150, 129].
    let half = n_int >> 1;
    let scale_a = f32::from_bits(((half + 127) as u32) << 23);
    let scale_b = f32::from_bits(((n_int - half + 127) as u32) << 23);
    p * scale_a * scale_b
}

/// `1 / (1 + e^-x)` for f32 on [`exp_f32`], branch-free and vectorisable; for negative `x` it
/// is computed as `e^x / (1 + e^x)` so small results keep their precision.
#[inline(always)]
pub fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_f32(-x.abs());
    let s = 1.0 / (1.0 + e);
    if x >= 0.0 { s } else { e * s }
}

/// The error function for f32, branch-free and vectorisable (on [`exp_f32`]); within 3 ulp of
/// the correctly rounded result (tested against f64 below; the 3 only just under 0.5, where
/// the result's binade halves its ulp). For `|x| < 0.75` the Taylor series
/// `2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n + 1))` to `n = 8`; above, `1 − erfc(|x|)` with the rational
/// Chebyshev fit of Numerical Recipes (`erfc(z) = t · e^(−z² + P(t))`, `t = 1 / (1 + z/2)`,
/// relative error below 1.2e-7), the sign restored. NaN stays NaN, `±inf` gives `±1`.
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    let z = x.abs();
    let x2 = x * x;
    // The series' coefficients 2/√π · (−1)ⁿ / (n! (2n + 1)), n = 0..=8.
    const C: [f32; 9] = [
        1.128_379_2,
        -0.376_126_39,
        0.112_837_92,
        -0.026_866_171,
        0.005_223_977_6,
        -0.000_854_832_7,
        0.000_120_553_33,
        -1.492_565e-5,
        1.646_211_4e-6,
    ];
    let series = C[8];
    let series = C[7] + x2 * series;
    let series = C[6] + x2 * series;
    let series = C[5] + x2 * series;
    let series = C[4] + x2 * series;
    let series = C[3] + x2 * series;
    let series = C[2] + x2 * series;
    let series = C[1] + x2 * series;
    let series = x * (C[0] + x2 * series);
    let t = 1.0 / (1.0 + 0.5 * z);
    let p = -1.265_512_2
        + t * (1.000_023_7
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * exp_f32(-z * z + p);
    let tail = (1.0 - erfc).copysign(x);
    if z < 0.75 { series } else { tail }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between `got` and the f64 reference rounded to f32.
    fn ulps(got: f32, reference: f64) -> u32 {
        let want = reference as f32;
        if got == want {
            return 0;
        }
        (got.to_bits() as i64 - want.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn exp_is_within_two_ulp_over_the_whole_range() {
        let mut worst = (0u32, 0.0f32);
        let mut x = -103.0f32;
        while x < 88.7 {
            let u = ulps(exp_f32(x), (x as f64).exp());
            if u > worst.0 {
                worst = (u, x);
            }
            x += 0.000_73;
        }
        assert!(worst.0 <= 2, "{} ulp at x = {}", worst.0, worst.1);
    }

    #[test]
    fn exp_edges() {
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        // The largest finite results, within the same 2 ulp.
        assert!(ulps(exp_f32(88.72), (88.72f32 as f64).exp()) <= 2);
        assert_eq!(exp_f32(-110.0), 0.0);
        // Subnormal results, as the library gives them.
        let tiny = exp_f32(-100.0);
        assert!(tiny > 0.0 && tiny < f32::MIN_POSITIVE);
        assert!(ulps(tiny, (-100.0f64).exp()) <= 2);
    }

    #[test]
    fn erf_is_within_three_ulp() {
        let mut worst = (0, 0.0f32);
        // Every f32 in [0.4, 0.8] (where the series meets the tail), then a grid up to 6.
        let dense = (0.4f32.to_bits()..0.8f32.to_bits()).map(f32::from_bits);
        let grid = (0..40_000).map(|i| i as f32 * 0.000_15);
        for x in dense.chain(grid).flat_map(|x| [x, -x]) {
            let u = ulps(erf_f32(x), libm::erf(x as f64));
            if u > worst.0 {
                worst = (u, x);
            }
        }
        assert!(worst.0 <= 3, "{} ulp at x = {}", worst.0, worst.1);
        // Tiny arguments keep their relative precision (erf(x) ≈ 2x/√π).
        for x in [1e-30f32, -3e-12, 1e-6, 2e-3] {
            assert!(ulps(erf_f32(x), libm::erf(x as f64)) <= 2, "erf({x})");
        }
        assert!(erf_f32(f32::NAN).is_nan());
        assert_eq!(erf_f32(f32::INFINITY), 1.0);
        assert_eq!(erf_f32(f32::NEG_INFINITY), -1.0);
        assert_eq!(erf_f32(0.0), 0.0);
    }

    #[test]
    fn sigmoid_matches_the_reference_on_both_sides() {
        let mut x = -90.0f32;
        while x < 90.0 {
            let reference = 1.0 / (1.0 + (-(x as f64)).exp());
            let got = sigmoid_f32(x);
            assert!(ulps(got, reference) <= 3, "sigmoid({x}) = {got}, want {reference}");
            x += 0.0137;
        }
        assert!(sigmoid_f32(f32::NAN).is_nan());
        assert_eq!(sigmoid_f32(f32::INFINITY), 1.0);
        assert_eq!(sigmoid_f32(f32::NEG_INFINITY), 0.0);
    }
}
