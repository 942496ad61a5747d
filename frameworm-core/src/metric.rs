//! The Metric kind: a score of generated data against real data (the seed's
//! `__call__(real_images, fake_images)`).

use burn::tensor::Tensor;

use crate::error::ComponentError;

/// A metric plugin.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a metric in a plugin.yaml but does not implement `frameworm_core::Metric`",
    label = "declared as a metric here",
    note = "add `impl frameworm_core::Metric for {Self}` with `fn compute(&self, real: &Tensor<4>, generated: &Tensor<4>) -> Result<f64, ComponentError>`"
)]
pub trait Metric: Send {
    /// Scores `generated` against `real`, both `[N, C, H, W]` in `[0, 1]`.
    fn compute(&self, real: &Tensor<4>, generated: &Tensor<4>) -> Result<f64, ComponentError>;
    /// Whether a larger score is better (for `best` checkpoints and early stopping).
    fn higher_is_better(&self) -> bool {
        true
    }
}
