//! Layer 2, data: plugin datasets as burn datasets ([`items`]), the train / validation split,
//! epoch loaders ([`loader`]), loading ahead on a background thread ([`prefetch`]) and reading
//! gzipped data files ([`gunzip`]). It uses
//! the contract and nothing above it.

mod gzip;
mod items;
mod loader;
mod prefetch;

pub use gzip::gunzip;
pub use items::{PluginItems, Subset, select, select_from, split_indices, whole};
pub use loader::{SampleBatcher, batches, epoch_loader};
pub use prefetch::batches as prefetched;
