//! Batches of an epoch: burn's `DataLoader` (optionally multi-threaded) over a [`Subset`] in
//! the epoch's order, stacking [`Sample`]s field by field into [`Batch`]es on the device, resumable mid-epoch.

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::transform::SelectionDataset;
use burn::tensor::Device;

use super::items::Subset;
use crate::contract::{Batch, Sample, Schema};

/// Stacks samples (checked against `schema` by [`super::PluginItems`]) into a [`Batch`]: each
/// field into one contiguous buffer and one device tensor.
#[derive(Debug, Clone)]
pub struct SampleBatcher {
    /// The fields of every item.
    pub schema: Arc<Schema>,
}

impl Batcher<Sample, Batch> for SampleBatcher {
    fn batch(&self, items: Vec<Sample>, device: &Device) -> Batch {
        Batch::stack(&self.schema, &items, device)
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
    DataLoaderBuilder::new(SampleBatcher { schema: Arc::clone(subset.wrapped.schema()) })
        .batch_size(batch_size)
        .num_workers(num_workers)
        .set_device(device.clone())
        .build(order)
}

/// Batches per epoch for `items` items.
pub fn batches(items: usize, batch_size: usize) -> usize {
    items.div_ceil(batch_size)
}
