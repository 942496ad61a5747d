//! `accuracy`: the fraction of items whose highest class score is their label, computed by
//! burn-train's `AccuracyMetric` from the model's class scores ([`MetricSource::Predictions`]).
//! burn-train reports a percentage; this metric divides it by 100 so the score is in `[0, 1]`,
//! like the `accuracy` the classifiers report beside their loss. Ties go to the lowest class
//! index (burn's `argmax`). Higher is better.

use burn_train::metric::{AccuracyInput, AccuracyMetric};
use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};
use serde::{Deserialize, Serialize};

/// The `metric.accuracy` config section: no keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccuracyConfig {}

/// The metric.
#[derive(Debug, Default)]
pub struct Accuracy;

impl FromConfig for Accuracy {
    type Config = AccuracyConfig;
    fn from_config(_: AccuracyConfig) -> Result<Self, ComponentError> {
        Ok(Accuracy)
    }
}

impl Metric for Accuracy {
    fn source(&self) -> MetricSource {
        MetricSource::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
        let (scores, labels) = input.predictions("accuracy")?.classes("accuracy")?;
        let (scores, labels) = (&scores, &labels);
        let [items, classes] = scores.dims();
        let [label_count] = labels.dims();
        if items == 0 || classes == 0 {
            return Err(ComponentError::Invalid(format!(
                "metric `accuracy`: the class scores are empty ({items} items × {classes} classes)"
            )));
        }
        if label_count != items {
            return Err(ComponentError::Invalid(format!(
                "metric `accuracy`: {items} rows of class scores but {label_count} labels"
            )));
        }
        let (lowest, highest) = (labels.clone().min().into_scalar::<i64>(), labels.clone().max().into_scalar::<i64>());
        if lowest < 0 || highest >= classes as i64 {
            return Err(ComponentError::Invalid(format!(
                "metric `accuracy`: labels range over {lowest}..={highest} but the model scores {classes} classes \
                 (labels must be 0..={})",
                classes - 1
            )));
        }
        let item = AccuracyInput::new(scores.clone(), labels.clone());
        Ok(crate::score_once(AccuracyMetric::new(), &item, "accuracy")? / 100.0)
    }

    fn higher_is_better(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Int, Tensor, TensorData};
    use frameworm_core::Predictions;
    use crate::test_util::close;

    fn score(scores: Tensor<2>, labels: &[i64]) -> Result<f64, ComponentError> {
        let labels = Tensor::<1, Int>::from_data(TensorData::from(labels), &Device::default());
        Accuracy.compute(&MetricInput::predicted(&Predictions::Classes { scores, labels }))
    }

    fn four_items() -> Tensor<2> {
        // Argmax per row: 2, 1, 0, 2.
        Tensor::from_data([[0.0, 0.2, 0.8], [1.0, 2.0, 0.5], [0.4, 0.1, 0.2], [-1.0, -3.0, 0.0]], &Device::default())
    }

    #[test]
    fn four_items_by_hand() {
        // Labels 2, 1, 1, 2: items 0, 1 and 3 are right, item 2 (argmax 0) wrong → 3 / 4.
        close(score(four_items(), &[2, 1, 1, 2]).unwrap(), 0.75, 1e-9);
        close(score(four_items(), &[2, 1, 0, 2]).unwrap(), 1.0, 1e-9);
        close(score(four_items(), &[0, 0, 1, 1]).unwrap(), 0.0, 1e-9);
        assert_eq!(Accuracy.source(), MetricSource::Predictions);
        assert!(Accuracy.higher_is_better());
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let error = score(four_items(), &[2, 1, 3, 0]).unwrap_err().to_string();
        assert!(error.contains("labels range over 0..=3 but the model scores 3 classes"), "{error}");
        let error = score(four_items(), &[2, 1]).unwrap_err().to_string();
        assert!(error.contains("4 rows of class scores but 2 labels"), "{error}");
        let error = Accuracy.compute(&MetricInput::default()).unwrap_err().to_string();
        assert!(error.contains("needs the model's predictions"), "{error}");
        let device = Device::default();
        let values = Predictions::Values { predicted: Tensor::zeros([2, 1], &device), target: Tensor::zeros([2, 1], &device) };
        let error = Accuracy.compute(&MetricInput::predicted(&values)).unwrap_err().to_string();
        assert!(error.contains("the model predicts values"), "{error}");
    }
}
