//! Batches of an epoch: burn's `DataLoader` (optionally multi-threaded) over a [`Subset`] in
//! the epoch's order, stacking [`Sample`]s into [`Batch`]es on the device, resumable mid-epoch.

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::transform::SelectionDataset;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::items::Subset;
use crate::contract::{Batch, Sample};

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
