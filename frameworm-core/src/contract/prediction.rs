//! What a model predicts for a batch, paired with what it should have predicted: class scores
//! against labels, values against regression targets, or next-token scores against the next
//! tokens. Metric plugins score these ([`crate::MetricSource::Predictions`]) without knowing
//! which fields the model read.

use burn::tensor::{Int, Tensor};

use super::batch::{Batch, FieldError};
use super::error::ComponentError;

/// A model's predictions for one batch with their targets.
#[derive(Debug, Clone)]
pub enum Predictions {
    /// Class scores (logits) `[N, classes]` and the labels `[N]`.
    Classes {
        /// Unnormalised class scores.
        scores: Tensor<2>,
        /// The true classes.
        labels: Tensor<1, Int>,
    },
    /// Predicted values `[N, T]` and the targets `[N, T]`, in the targets' original unit.
    Values {
        /// The predictions.
        predicted: Tensor<2>,
        /// The targets.
        target: Tensor<2>,
    },
    /// Next-token scores (logits) `[N, T, vocabulary]` and the next tokens `[N, T]`.
    Tokens {
        /// Unnormalised scores per position.
        logits: Tensor<3>,
        /// The token that follows each position.
        next: Tensor<2, Int>,
    },
}

impl Predictions {
    /// A regression's predictions `[N, T]` against the batch's float field `target`, both
    /// mapped back to the target's own unit when the dataset standardised it (the field's
    /// [`crate::Scaling`]), as value metrics expect them.
    pub fn regression(batch: &Batch, target: &str, predicted: Tensor<2>) -> Result<Predictions, FieldError> {
        let values = batch.float::<2>(target)?;
        Ok(match batch.schema().field(target).and_then(|field| field.scaling.as_ref()) {
            Some(scaling) => Predictions::Values { predicted: scaling.restore_rows(predicted), target: scaling.restore_rows(values) },
            None => Predictions::Values { predicted, target: values },
        })
    }

    /// Class scores `[M, classes]` with their labels `[M]`: classes as they are, tokens with
    /// every position as one item; `metric` names the metric in the error for values.
    pub fn classes(&self, metric: &str) -> Result<(Tensor<2>, Tensor<1, Int>), ComponentError> {
        match self {
            Predictions::Classes { scores, labels } => Ok((scores.clone(), labels.clone())),
            Predictions::Tokens { logits, next } => {
                let [n, t, v] = logits.dims();
                Ok((logits.clone().reshape([n * t, v]), next.clone().reshape([n * t])))
            }
            Predictions::Values { .. } => Err(ComponentError::Invalid(format!(
                "metric `{metric}` scores class predictions, and the model predicts values (a regression): use mse, mae or r2"
            ))),
        }
    }

    /// Predicted values `[N, T]` with their targets; `metric` names the metric in the error.
    pub fn values(&self, metric: &str) -> Result<(Tensor<2>, Tensor<2>), ComponentError> {
        match self {
            Predictions::Values { predicted, target } => {
                if predicted.dims() != target.dims() {
                    return Err(ComponentError::Invalid(format!(
                        "metric `{metric}`: the model predicts {:?} values but the targets are {:?}",
                        predicted.dims(),
                        target.dims()
                    )));
                }
                Ok((predicted.clone(), target.clone()))
            }
            _ => Err(ComponentError::Invalid(format!(
                "metric `{metric}` scores value predictions (a regression), and the model predicts classes: use accuracy or cross_entropy"
            ))),
        }
    }

    /// The number of scored items (positions, for tokens).
    pub fn items(&self) -> usize {
        match self {
            Predictions::Classes { labels, .. } => labels.dims()[0],
            Predictions::Values { target, .. } => target.dims()[0],
            Predictions::Tokens { next, .. } => next.dims()[0] * next.dims()[1],
        }
    }
}
