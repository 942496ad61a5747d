//! The Dataset kind: `len` and `get(index)`, the shape of burn's `Dataset`, plus the [`Schema`]
//! every item follows and the preprocessing a dataset fits on its training items.

use super::batch::Sample;
use super::error::ComponentError;
use super::schema::Schema;

/// A dataset plugin.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a dataset in a plugin.yaml but does not implement `frameworm_core::Dataset`",
    label = "declared as a dataset here",
    note = "add `impl frameworm_core::Dataset for {Self}` with `len`, `get` and `schema` (README: Plugin guide)"
)]
pub trait Dataset: Send + Sync {
    /// Number of items.
    fn len(&self) -> usize;
    /// The item at `index` (`index < len()`): one value per schema field, in schema order, or an
    /// error naming the file it came from.
    fn get(&self, index: usize) -> Result<Sample, ComponentError>;
    /// The fields of every item: names, types, shapes, class counts and fitted preprocessing.
    fn schema(&self) -> Schema;
    /// Fits preprocessing (a standardisation, say) on the training items `train` only, before
    /// any item is read; the schema then carries what was fitted. The default fits nothing.
    fn fit(&mut self, train: &[usize]) -> Result<(), ComponentError> {
        let _ = train;
        Ok(())
    }
    /// Applies preprocessing fitted elsewhere (on the training set, for a separate validation
    /// set; from a checkpoint, for evaluation): `fitted` is that dataset's schema. The default
    /// applies nothing.
    fn adopt(&mut self, fitted: &Schema) -> Result<(), ComponentError> {
        let _ = fitted;
        Ok(())
    }
    /// Whether the dataset holds no item.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
