//! A plugin [`Dataset`] seen as burn's `Dataset` (every item checked against the declared
//! shape), and the deterministic train / validation split of its items.

use std::sync::Arc;

use burn::data::dataset::transform::SelectionDataset;
use burn::data::dataset::{Dataset as BurnDataset, DatasetError};

use crate::contract::{ComponentError, DataInfo, Dataset, Sample};

/// A plugin dataset as burn's `Dataset`, checking every item against the declared shape.
pub struct PluginItems {
    dataset: Arc<dyn Dataset>,
    info: DataInfo,
    label: String,
}

impl PluginItems {
    /// Wraps `dataset`; `label` (`dataset.digits`) names it in errors.
    pub fn new(dataset: Box<dyn Dataset>, label: String) -> PluginItems {
        let info = dataset.info();
        PluginItems { dataset: Arc::from(dataset), info, label }
    }

    /// The item shape and class count.
    pub fn info(&self) -> DataInfo {
        self.info
    }
}

impl BurnDataset<Sample> for PluginItems {
    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let sample = self.dataset.get(index).map_err(|error| DatasetError::new(error))?;
        let expected = [self.info.channels, self.info.height, self.info.width];
        if sample.shape != expected || sample.pixels.len() != self.info.item_len() {
            return Err(DatasetError::new(ComponentError::Invalid(format!(
                "{}: item {index} has shape {:?} with {} values, but the dataset declares {expected:?}",
                self.label,
                sample.shape,
                sample.pixels.len()
            ))));
        }
        if let (Some(label), Some(classes)) = (sample.label, self.info.num_classes)
            && label >= classes
        {
            return Err(DatasetError::new(ComponentError::Invalid(format!(
                "{}: item {index} has label {label}, but the dataset declares {classes} classes",
                self.label
            ))));
        }
        Ok(sample)
    }

    fn len(&self) -> usize {
        self.dataset.len()
    }
}

/// A subset of a dataset's items, in a chosen order.
pub type Subset = SelectionDataset<PluginItems, Sample>;

/// Splits `items` into (train, validation) with `val_fraction` held out, by a permutation drawn
/// from `seed` (the same seed gives the same split, on resume too).
pub fn split(items: PluginItems, val_fraction: f64, seed: u64) -> (Subset, Option<Subset>) {
    let len = items.len();
    let all = SelectionDataset::new_shuffled(items, seed);
    let held_out = ((len as f64) * val_fraction).round() as usize;
    if held_out == 0 || held_out >= len {
        let mut train = all;
        train.indices.sort_unstable();
        return (train, None);
    }
    let mut validation = all.slice(0, held_out);
    validation.indices.sort_unstable();
    let mut train = all.slice(held_out, len);
    train.indices.sort_unstable();
    (train, Some(validation))
}

/// Every item of `items`, in order.
pub fn whole(items: PluginItems) -> Subset {
    SelectionDataset::new_select_all(items)
}

