//! `regression-metrics`: `r2`, the coefficient of determination of a regression model's value
//! predictions on the held-out items: `1 - SS_res / SS_tot` per target column, averaged over the
//! columns (scikit-learn's `r2_score` with `multioutput="uniform_average"`). It is not a mean of
//! batch scores, so it reports per-batch sums ([`Metric::partials`]) and combines them over the
//! whole pass ([`Metric::finish`]). 1 is perfect, 0 is predicting the mean; higher is better.

use burn::tensor::Tensor;
use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};

/// The metric.
#[derive(Debug, Default)]
pub struct R2;

impl FromConfig for R2 {
    type Config = ();
    fn from_config(_: ()) -> Result<Self, ComponentError> {
        Ok(R2)
    }
}

fn column_means(values: Tensor<2>) -> Vec<f64> {
    values.mean_dim(0).into_data().convert::<f64>().try_to_vec::<f64>().unwrap_or_default()
}

impl Metric for R2 {
    fn source(&self) -> MetricSource {
        MetricSource::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
        Ok(self.finish(&self.partials(input)?))
    }

    /// Per target column `t`, item means of `y`, `y²` and `(y - ŷ)²`: with the pass means of
    /// these, `SS_tot / n = E[y²] - E[y]²` and `SS_res / n = E[(y - ŷ)²]`.
    fn partials(&self, input: &MetricInput<'_>) -> Result<Vec<f64>, ComponentError> {
        let (predicted, target) = input.predictions("r2")?.values("r2")?;
        let [items, _] = target.dims();
        if items == 0 {
            return Err(ComponentError::Invalid("metric `r2`: the batch is empty".into()));
        }
        let residual = (target.clone() - predicted).powi_scalar(2);
        let mut partials = column_means(target.clone());
        partials.extend(column_means(target.powi_scalar(2)));
        partials.extend(column_means(residual));
        Ok(partials)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        let columns = means.len() / 3;
        if columns == 0 {
            return f64::NAN;
        }
        let scores: Vec<f64> = (0..columns)
            .map(|t| {
                let (mean, square, residual) = (means[t], means[columns + t], means[2 * columns + t]);
                let total = square - mean * mean;
                if total <= 1e-12 { if residual <= 1e-12 { 1.0 } else { 0.0 } } else { 1.0 - residual / total }
            })
            .collect();
        scores.iter().sum::<f64>() / columns as f64
    }

    fn higher_is_better(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use frameworm_core::Predictions;

    fn r2(predicted: [[f32; 1]; 4], target: [[f32; 1]; 4]) -> f64 {
        let device = Device::default();
        let values = Predictions::Values { predicted: Tensor::from_data(predicted, &device), target: Tensor::from_data(target, &device) };
        R2.compute(&MetricInput::predicted(&values)).unwrap()
    }

    #[test]
    fn matches_the_definition() {
        // y = 1, 2, 3, 4 (mean 2.5, SS_tot 5); ŷ = 1, 2, 3, 5: SS_res 1 → r² = 0.8.
        assert!((r2([[1.0], [2.0], [3.0], [5.0]], [[1.0], [2.0], [3.0], [4.0]]) - 0.8).abs() < 1e-6);
        assert!((r2([[1.0], [2.0], [3.0], [4.0]], [[1.0], [2.0], [3.0], [4.0]]) - 1.0).abs() < 1e-9);
        assert!(r2([[2.5]; 4], [[1.0], [2.0], [3.0], [4.0]]).abs() < 1e-6);
    }

    #[test]
    fn pass_means_combine_batches_as_one() {
        // Two batches of two items give the same r² as one batch of four.
        let device = Device::default();
        let batch = |p: [[f32; 1]; 2], t: [[f32; 1]; 2]| Predictions::Values { predicted: Tensor::from_data(p, &device), target: Tensor::from_data(t, &device) };
        let a = R2.partials(&MetricInput::predicted(&batch([[1.0], [2.0]], [[1.0], [2.0]]))).unwrap();
        let b = R2.partials(&MetricInput::predicted(&batch([[3.0], [5.0]], [[3.0], [4.0]]))).unwrap();
        let means: Vec<f64> = a.iter().zip(&b).map(|(x, y)| (x + y) / 2.0).collect();
        assert!((R2.finish(&means) - 0.8).abs() < 1e-6);
    }

    #[test]
    fn class_predictions_are_refused() {
        let device = Device::default();
        let classes = Predictions::Classes { scores: Tensor::zeros([2, 3], &device), labels: Tensor::zeros([2], &device) };
        let error = R2.compute(&MetricInput::predicted(&classes)).unwrap_err().to_string();
        assert!(error.contains("the model predicts classes"), "{error}");
    }
}
