//! SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, well-mixed generator, so each item's
//! randomness is a pure function of `(seed, index)` with no extra dependency.

/// A SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

/// SplitMix64's finaliser: a bijective mix of all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The generator of item `index` of a data set seeded with `seed`: independent streams for
    /// neighbouring indices and seeds.
    pub fn for_item(seed: u64, index: u64) -> Self {
        SplitMix64 { state: mix(mix(seed) ^ index) }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A uniform `f32` in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A uniform integer in `low..=high` (`low` when `high < low`).
    pub fn range(&mut self, low: usize, high: usize) -> usize {
        if high <= low {
            return low;
        }
        let span = (high - low) as u64 + 1;
        // Multiply-shift (Lemire) maps 64 random bits onto the span with negligible bias.
        low + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_sequence() {
        // SplitMix64 from seed 0 (reference values from the published algorithm).
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn ranges_and_units_stay_in_bounds_and_cover_them() {
        let mut rng = SplitMix64::for_item(7, 3);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let value = rng.range(2, 6);
            assert!((2..=6).contains(&value));
            seen[value - 2] = true;
            let unit = rng.unit();
            assert!((0.0..1.0).contains(&unit));
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(rng.range(4, 4), 4);
        assert_eq!(rng.range(5, 1), 5);
    }

    #[test]
    fn items_get_different_streams() {
        let first = |seed, index| SplitMix64::for_item(seed, index).next_u64();
        assert_ne!(first(0, 0), first(0, 1));
        assert_ne!(first(0, 1), first(1, 0));
        assert_eq!(first(3, 9), first(3, 9));
    }
}
