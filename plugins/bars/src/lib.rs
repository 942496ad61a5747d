//! `bars`: a dataset plugin (horizontal and vertical bars to start from).

use frameworm_core::{ComponentError, DataInfo, Dataset, FromConfig, PluginRegistrar, RegistryError, Sample};
use serde::{Deserialize, Serialize};

/// The `dataset.bars` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BarsConfig {
    /// Number of items.
    pub size: usize,
    /// Image side in pixels.
    pub side: usize,
}

impl Default for BarsConfig {
    fn default() -> Self {
        BarsConfig { size: 256, side: 8 }
    }
}

/// The dataset: item `i` is a bar at row/column `i / 2 % side`, labelled 0 (horizontal) or 1.
#[derive(Debug)]
pub struct Bars {
    config: BarsConfig,
}

impl FromConfig for Bars {
    type Config = BarsConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        if config.side == 0 || config.size == 0 {
            return Err(ComponentError::Invalid("dataset.bars: `size` and `side` must be positive".into()));
        }
        Ok(Bars { config })
    }
}

impl Dataset for Bars {
    fn len(&self) -> usize {
        self.config.size
    }

    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        let side = self.config.side;
        let (label, line) = (index % 2, index / 2 % side);
        let pixels = (0..side * side)
            .map(|p| if (label == 0 && p / side == line) || (label == 1 && p % side == line) { 1.0 } else { 0.0 })
            .collect();
        Ok(Sample { pixels, shape: [1, side, side], label: Some(label) })
    }

    fn info(&self) -> DataInfo {
        DataInfo { channels: 1, height: self.config.side, width: self.config.side, num_classes: Some(2) }
    }
}

/// Entry point: called once at start-up; register hooks or extra components here.
pub fn register(_plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_have_the_declared_shape() {
        let data = Bars::from_config(BarsConfig::default()).unwrap();
        let sample = data.get(3).unwrap();
        assert_eq!(sample.pixels.len(), data.info().item_len());
        assert_eq!(sample.label, Some(1));
        assert_eq!(sample.pixels.iter().sum::<f32>(), 8.0);
    }
}
