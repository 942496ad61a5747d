//! Loading the next batches while the current one trains: an epoch's loader runs on one
//! background thread that stays at most `depth` batches ahead (a bounded channel), so the
//! training thread finds each batch ready. Order is the loader's own, so a run is reproducible
//! bit for bit with or without prefetching; dropping the iterator (a stop mid-epoch) stops the
//! thread and waits for it.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use burn::data::dataloader::DataLoader;
use burn::data::dataset::DatasetError;

use crate::contract::Batch;

/// The batches of one pass over `loader`, loaded up to `depth` ahead on a background thread;
/// `depth` 0 loads each on the calling thread when it is asked for.
pub fn batches(loader: &Arc<dyn DataLoader<Batch>>, depth: usize) -> Box<dyn Iterator<Item = Result<Batch, DatasetError>> + '_> {
    if depth == 0 {
        return Box::new(loader.iter());
    }
    // `depth - 1` queued plus the one the producer holds while the queue is full.
    let (sender, receiver) = sync_channel(depth - 1);
    let producer = Arc::clone(loader);
    let spawned = std::thread::Builder::new()
        .name("frameworm-prefetch".into())
        .spawn(move || produce(&*producer, &sender));
    match spawned {
        Ok(handle) => Box::new(Prefetched { receiver: Some(receiver), handle: Some(handle) }),
        // No thread to be had (a process limit): load on this thread instead.
        Err(_) => Box::new(loader.iter()),
    }
}

/// Runs on the background thread: every batch, or the first error, then hangs up.
fn produce(loader: &dyn DataLoader<Batch>, sender: &SyncSender<Result<Batch, DatasetError>>) {
    for batch in loader.iter() {
        let failed = batch.is_err();
        // A send fails when the training side has gone (stopped mid-epoch): nothing to do.
        if sender.send(batch).is_err() || failed {
            return;
        }
    }
}

/// Prefetching iterator; see [`batches`].
struct Prefetched {
    receiver: Option<Receiver<Result<Batch, DatasetError>>>,
    handle: Option<JoinHandle<()>>,
}

impl Iterator for Prefetched {
    type Item = Result<Batch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.receiver.as_ref()?.recv() {
            Ok(batch) => Some(batch),
            Err(_) => {
                // The producer hung up: either the pass is over or it panicked.
                self.receiver = None;
                let panic = self.handle.take().and_then(|handle| handle.join().err())?;
                let message = crate::panic::panic_message(panic.as_ref());
                Some(Err(DatasetError::new(std::io::Error::other(format!("the data loading thread panicked: {message}")))))
            }
        }
    }
}

impl Drop for Prefetched {
    fn drop(&mut self) {
        // Hang up first so a producer blocked on a full channel wakes with an error and exits.
        self.receiver = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::contract::{Sample, Schema};
    use crate::data::loader::SampleBatcher;
    use burn::data::dataloader::DataLoaderBuilder;
    use burn::data::dataset::InMemDataset;
    use burn::tensor::Device;

    fn loader(items: usize, batch: usize) -> Arc<dyn DataLoader<Batch>> {
        let samples = (0..items).map(|i| Sample::image(vec![i as f32], Some(i))).collect();
        let schema = Arc::new(Schema::image(1, 1, 1, Some(items)));
        DataLoaderBuilder::new(SampleBatcher { schema }).batch_size(batch).set_device(Device::flex()).build(InMemDataset::new(samples))
    }

    fn labels(iter: impl Iterator<Item = Result<Batch, DatasetError>>) -> Vec<Vec<i64>> {
        iter.map(|b| b.unwrap().label().unwrap().into_data().iter::<i64>().collect()).collect()
    }

    #[test]
    fn prefetching_keeps_the_loader_order_at_every_depth() {
        let loader = loader(23, 4);
        let direct = labels(loader.iter());
        assert_eq!(direct.len(), 6);
        for depth in [0, 1, 2, 5, 100] {
            assert_eq!(labels(batches(&loader, depth)), direct, "depth {depth}");
        }
    }

    #[test]
    fn stopping_early_ends_the_background_thread() {
        let loader = loader(1000, 1);
        for _ in 0..50 {
            let mut iter = batches(&loader, 3);
            assert!(iter.next().is_some());
            drop(iter); // joins the producer; a leak would hang or pile up threads
        }
    }
}
