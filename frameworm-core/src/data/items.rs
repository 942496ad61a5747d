//! A plugin [`Dataset`] seen as burn's `Dataset` (every item checked against the declared
//! schema), and the deterministic train / validation split of its items.

use std::sync::Arc;

use burn::data::dataset::transform::SelectionDataset;
use burn::data::dataset::{Dataset as BurnDataset, DatasetError};

use burn::data::dataset::InMemDataset;

use crate::contract::{ComponentError, Dataset, Sample, Schema, Value};

/// A plugin dataset as burn's `Dataset`, checking every item against the declared schema.
pub struct PluginItems {
    dataset: Arc<dyn Dataset>,
    schema: Arc<Schema>,
    label: String,
}

impl PluginItems {
    /// Wraps `dataset` (its preprocessing already fitted); `label` (`dataset.digits`) names it
    /// in errors.
    pub fn new(dataset: Box<dyn Dataset>, label: String) -> PluginItems {
        let schema = Arc::new(dataset.schema());
        PluginItems { dataset: Arc::from(dataset), schema, label }
    }

    /// The fields of every item.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    fn check(&self, index: usize, sample: &Sample) -> Result<(), String> {
        if sample.values.len() != self.schema.fields.len() {
            return Err(format!(
                "item {index} has {} fields, but the dataset declares {}: {}",
                sample.values.len(),
                self.schema.fields.len(),
                self.schema.describe()
            ));
        }
        for (value, field) in sample.values.iter().zip(&self.schema.fields) {
            if value.dtype() != field.dtype || value.len() != field.len() {
                return Err(format!("item {index} has {} {} values in field `{}`, but the dataset declares {field}", value.len(), value.dtype(), field.name));
            }
            if let (Value::Int(values), Some(classes)) = (value, field.classes)
                && let Some(bad) = values.iter().find(|&&v| v < 0 || v as usize >= classes)
            {
                return Err(format!("item {index} has {bad} in field `{}`, but the dataset declares {classes} classes (0..{classes})", field.name));
            }
        }
        Ok(())
    }
}

impl BurnDataset<Sample> for PluginItems {
    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        let sample = self.dataset.get(index).map_err(DatasetError::new)?;
        self.check(index, &sample).map_err(|problem| DatasetError::new(ComponentError::Invalid(format!("{}: {problem}", self.label))))?;
        Ok(sample)
    }

    fn len(&self) -> usize {
        self.dataset.len()
    }
}

/// A subset of a dataset's items, in a chosen order.
pub type Subset = SelectionDataset<PluginItems, Sample>;

/// The train / validation split of `len` items with `val_fraction` held out, by a permutation
/// drawn from `seed` (the same seed gives the same split, on resume too): (train, validation)
/// item indices, each sorted; no validation set when
/// `val_fraction` holds out no item or every item. Datasets fit their preprocessing on the
/// train indices before they are wrapped.
pub fn split_indices(len: usize, val_fraction: f64, seed: u64) -> (Vec<usize>, Option<Vec<usize>>) {
    // The permutation burn's `SelectionDataset::new_shuffled` draws, so splits stay as they were.
    let mut order = SelectionDataset::<InMemDataset<()>, ()>::new_shuffled(InMemDataset::new(vec![(); len]), seed).indices;
    let held_out = ((len as f64) * val_fraction).round() as usize;
    if held_out == 0 || held_out >= len {
        order.sort_unstable();
        return (order, None);
    }
    let mut validation = order[..held_out].to_vec();
    validation.sort_unstable();
    let mut train = order[held_out..].to_vec();
    train.sort_unstable();
    (train, Some(validation))
}

/// The items of `items` at `indices`, in that order.
pub fn select(items: PluginItems, indices: Vec<usize>) -> Subset {
    SelectionDataset::from_indices_unchecked(items, indices)
}

/// The items at `indices` of the dataset `other` selects from (two subsets of one dataset).
pub fn select_from(other: &Subset, indices: Vec<usize>) -> Subset {
    SelectionDataset::from_indices_unchecked(Arc::clone(&other.wrapped), indices)
}

/// Every item of `items`, in order.
pub fn whole(items: PluginItems) -> Subset {
    SelectionDataset::new_select_all(items)
}

