//! `synthetic`: generated grayscale shapes for fast tests and smoke runs, no files needed.
//!
//! Item `i` shows one shape ([`Shape`]: horizontal bar, vertical bar, square outline, filled
//! disk, cross) at a random size and position on a `side × side` canvas, plus optional uniform
//! noise. Its label is `i % shapes.len()`, the shape's position in the configured `shapes` list,
//! so classes are balanced; everything random about item `i` comes from a generator seeded by
//! `(seed, i)` alone ([`rng`]), so items are the same on every call, machine and access order.

pub mod rng;
pub mod shapes;

use frameworm_core::{ComponentError, Dataset, FromConfig, Sample, Schema};
use serde::{Deserialize, Serialize};

pub use shapes::Shape;

/// The largest accepted `side`, so a typo cannot ask for gigabytes per item.
pub const MAX_SIDE: usize = 1024;

/// The `dataset.synthetic` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticConfig {
    /// Number of items (default 1024).
    pub size: usize,
    /// Image side in pixels (default 16, at least 4).
    pub side: usize,
    /// Seed of the generator; item `i` depends on `(seed, i)` only (default 0).
    pub seed: u64,
    /// Amplitude of uniform noise added to every pixel, in `[0, 1]` (default 0: clean images).
    pub noise: f32,
    /// The shape classes, in label order (default: all five, in the order of [`Shape::ALL`]).
    pub shapes: Vec<Shape>,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        SyntheticConfig { size: 1024, side: 16, seed: 0, noise: 0.0, shapes: Shape::ALL.to_vec() }
    }
}

/// The dataset: items are drawn on demand in `get`.
#[derive(Debug)]
pub struct Synthetic {
    config: SyntheticConfig,
}

impl Synthetic {
    /// The shape classes; label `l` is `shapes()[l]`.
    pub fn shapes(&self) -> &[Shape] {
        &self.config.shapes
    }
}

impl FromConfig for Synthetic {
    type Config = SyntheticConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        let invalid = |message: String| Err(ComponentError::Invalid(format!("dataset.synthetic: {message}")));
        if config.size == 0 {
            return invalid("`size` (the number of items) must be positive".into());
        }
        if !(shapes::MIN_SIDE..=MAX_SIDE).contains(&config.side) {
            return invalid(format!("`side` is {}; it must be within {}..={MAX_SIDE}", config.side, shapes::MIN_SIDE));
        }
        if !(0.0..=1.0).contains(&config.noise) {
            return invalid(format!("`noise` is {}; it must be within 0..=1", config.noise));
        }
        if config.shapes.is_empty() {
            let all: Vec<&str> = Shape::ALL.iter().map(|shape| shape.name()).collect();
            return invalid(format!("`shapes` is empty; list one or more of {}", all.join(", ")));
        }
        for (index, shape) in config.shapes.iter().enumerate() {
            if config.shapes[..index].contains(shape) {
                return invalid(format!("`shapes` lists `{}` twice; each shape is one class", shape.name()));
            }
        }
        Ok(Synthetic { config })
    }
}

impl Dataset for Synthetic {
    fn len(&self) -> usize {
        self.config.size
    }

    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        let SyntheticConfig { size, side, seed, noise, ref shapes } = self.config;
        if index >= size {
            return Err(ComponentError::Invalid(format!(
                "dataset.synthetic: index {index} is out of range; the data set has {size} items (`size`)"
            )));
        }
        let label = index % shapes.len();
        let mut rng = rng::SplitMix64::for_item(seed, index as u64);
        let mut pixels = vec![0.0; side * side];
        shapes[label].draw(&mut pixels, side, &mut rng);
        if noise > 0.0 {
            for pixel in &mut pixels {
                *pixel = (*pixel + noise * (2.0 * rng.unit() - 1.0)).clamp(0.0, 1.0);
            }
        }
        Ok(Sample::image(pixels, Some(label)))
    }

    fn schema(&self) -> Schema {
        let side = self.config.side;
        Schema::image(1, side, side, Some(self.config.shapes.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::parse_yaml_section;

    fn data(config: SyntheticConfig) -> Synthetic {
        Synthetic::from_config(config).unwrap()
    }

    #[test]
    fn items_are_deterministic_in_seed_and_index() {
        let config = SyntheticConfig { noise: 0.2, ..SyntheticConfig::default() };
        let (a, b) = (data(config.clone()), data(config.clone()));
        // Access order does not matter.
        let backwards: Vec<Sample> = (0..50).rev().map(|i| b.get(i).unwrap()).collect();
        for (i, sample) in backwards.iter().rev().enumerate() {
            assert_eq!(&a.get(i).unwrap(), sample);
        }
        let other_seed = data(SyntheticConfig { seed: 1, ..config });
        let differing = (0..50).filter(|&i| a.get(i).unwrap().pixels() != other_seed.get(i).unwrap().pixels()).count();
        assert_eq!(differing, 50);
    }

    #[test]
    fn labels_are_balanced_and_in_range() {
        let data = data(SyntheticConfig { size: 100, ..SyntheticConfig::default() });
        assert_eq!(data.schema(), Schema::image(1, 16, 16, Some(5)));
        let mut counts = [0; 5];
        for i in 0..data.len() {
            let sample = data.get(i).unwrap();
            assert_eq!(sample.pixels().len(), 256);
            counts[sample.label().unwrap()] += 1;
        }
        assert_eq!(counts, [20; 5]);
        assert!(data.get(100).unwrap_err().to_string().contains("index 100 is out of range"));
    }

    #[test]
    fn shapes_differ_and_vary() {
        let data = data(SyntheticConfig::default());
        let items: Vec<Sample> = (0..50).map(|i| data.get(i).unwrap()).collect();
        for a in &items {
            assert!(a.pixels().iter().all(|&v| v == 0.0 || v == 1.0), "no noise by default");
            for b in &items {
                if a.label() != b.label() {
                    assert_ne!(a.pixels(), b.pixels());
                }
            }
        }
        // Items of one class vary in size or position.
        let horizontal: Vec<&Sample> = items.iter().filter(|s| s.label() == Some(0)).collect();
        assert!(horizontal.iter().any(|s| s.pixels() != horizontal[0].pixels()));
    }

    #[test]
    fn subset_of_shapes_relabels_and_noise_stays_in_range() {
        let data = data(SyntheticConfig {
            shapes: vec![Shape::Cross, Shape::FilledDisk],
            noise: 0.5,
            side: 8,
            ..SyntheticConfig::default()
        });
        assert_eq!(data.schema().classes("label"), Some(2));
        assert_eq!(data.shapes(), [Shape::Cross, Shape::FilledDisk]);
        let sample = data.get(3).unwrap();
        assert_eq!(sample.label(), Some(1));
        assert!(sample.pixels().iter().all(|&v| (0.0..=1.0).contains(&v)));
        assert!(sample.pixels().iter().any(|&v| v != 0.0 && v != 1.0), "noise is applied");
    }

    #[test]
    fn config_validation() {
        let message = |config| Synthetic::from_config(config).unwrap_err().to_string();
        let default = SyntheticConfig::default;
        assert_eq!(
            message(SyntheticConfig { size: 0, ..default() }),
            "dataset.synthetic: `size` (the number of items) must be positive"
        );
        assert_eq!(
            message(SyntheticConfig { side: 3, ..default() }),
            "dataset.synthetic: `side` is 3; it must be within 4..=1024"
        );
        assert!(message(SyntheticConfig { noise: -0.1, ..default() }).contains("`noise` is -0.1"));
        assert!(message(SyntheticConfig { noise: f32::NAN, ..default() }).contains("`noise` is NaN"));
        assert!(
            message(SyntheticConfig { shapes: vec![], ..default() })
                .contains("`shapes` is empty; list one or more of horizontal_bar, ")
        );
        assert!(
            message(SyntheticConfig { shapes: vec![Shape::Cross, Shape::Cross], ..default() })
                .contains("lists `cross` twice")
        );
    }

    fn parse(yaml: &str) -> Result<SyntheticConfig, String> {
        parse_yaml_section("dataset.synthetic", yaml).map_err(|error| error.to_string())
    }

    #[test]
    fn config_parses_shape_names_with_did_you_mean() {
        let parsed = parse("{shapes: [cross, filled_disk], seed: 7, size: 10}").unwrap();
        assert_eq!(
            (parsed.shapes, parsed.seed, parsed.size, parsed.side),
            (vec![Shape::Cross, Shape::FilledDisk], 7, 10, 16)
        );
        assert_eq!(parse("").unwrap().shapes, Shape::ALL);
        let message = parse("shapes: [disk]").unwrap_err();
        assert!(
            message.starts_with("dataset.synthetic.shapes.0: unknown variant `disk`, did you mean `filled_disk`?"),
            "{message}"
        );
        let message = parse("shapes: [square]").unwrap_err();
        assert!(message.contains("did you mean `square_outline`?"), "{message}");
        assert_eq!(parse("sied: 8").unwrap_err(), "dataset.synthetic: unknown field `sied`, did you mean `side`?");
    }
}
