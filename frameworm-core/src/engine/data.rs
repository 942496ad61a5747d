//! Feeding batches: a plugin [`Dataset`] seen as burn's `Dataset`, a deterministic train /
//! validation split, a per-epoch shuffle, and burn's `DataLoader` (optionally multi-threaded)
//! stacking [`Sample`]s into [`Batch`]es on the training device.

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::transform::SelectionDataset;
use burn::data::dataset::{Dataset as BurnDataset, DatasetError};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::batch::{Batch, DataInfo, Sample};
use crate::dataset::Dataset;
use crate::error::ComponentError;

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

/// Stacks samples into a [`Batch`]: images `[N, C, H, W]`, labels when every item has one.
#[derive(Debug, Clone)]
pub struct SampleBatcher;

impl Batcher<Sample, Batch> for SampleBatcher {
    fn batch(&self, items: Vec<Sample>, device: &Device) -> Batch {
        let [c, h, w] = items.first().map_or([0, 0, 0], |s| s.shape);
        let n = items.len();
        let mut pixels = Vec::with_capacity(n * c * h * w);
        for item in &items {
            pixels.extend_from_slice(&item.pixels);
        }
        let images = Tensor::<4>::from_data(TensorData::new(pixels, [n, c, h, w]), device);
        let labels = items
            .iter()
            .map(|s| s.label.map(|l| l as i64))
            .collect::<Option<Vec<i64>>>()
            .map(|labels| Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), device));
        Batch { images, labels }
    }
}

/// The loader of one epoch: `subset` reshuffled from `shuffle_seed` (if any), its first
/// `skip_batches` batches skipped (resuming mid-epoch).
pub fn epoch_loader(
    subset: &Subset,
    batch_size: usize,
    shuffle_seed: Option<u64>,
    skip_batches: usize,
    num_workers: usize,
    device: &Device,
) -> Arc<dyn DataLoader<Batch>> {
    let mut order: Subset = SelectionDataset::from_indices_unchecked(subset.wrapped.clone(), subset.indices.clone());
    if let Some(seed) = shuffle_seed {
        order.shuffle(seed);
    }
    let skip = (skip_batches * batch_size).min(order.indices.len());
    let order = order.slice(skip, order.indices.len());
    DataLoaderBuilder::new(SampleBatcher)
        .batch_size(batch_size)
        .num_workers(num_workers)
        .set_device(device.clone())
        .build(order)
}

/// Batches per epoch for `items` items.
pub fn batches(items: usize, batch_size: usize) -> usize {
    items.div_ceil(batch_size)
}
