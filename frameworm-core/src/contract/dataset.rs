//! The Dataset kind: `len` and `get(index)`, the shape of burn's `Dataset`.

use super::batch::{DataInfo, Sample};
use super::error::ComponentError;

/// A dataset plugin.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a dataset in a plugin.yaml but does not implement `frameworm_core::Dataset`",
    label = "declared as a dataset here",
    note = "add `impl frameworm_core::Dataset for {Self}` with `len`, `get` and `info` (README: Plugin guide)"
)]
pub trait Dataset: Send + Sync {
    /// Number of items.
    fn len(&self) -> usize;
    /// The item at `index` (`index < len()`), or an error naming the file it came from.
    fn get(&self, index: usize) -> Result<Sample, ComponentError>;
    /// The item shape and number of classes models are built for.
    fn info(&self) -> DataInfo;
    /// Whether the dataset holds no item.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
