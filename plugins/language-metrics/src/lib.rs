//! `language-metrics`: how well a language model predicts the next token of held-out text, from
//! its next-token scores ([`frameworm_core::Predictions::Tokens`]; class scores count each item
//! as one position). All three are the same mean cross-entropy over every position of the pass,
//! in a different unit: `cross_entropy` in nats, `perplexity` = e^(that mean), and
//! `bits_per_char` = that mean / ln 2 (bits per token: per character for character-level text).
//! The mean is over positions of the whole pass ([`Metric::partials`] returns the batch mean,
//! weighted by items), so perplexity is the exponential of the pass mean, not a mean of batch
//! perplexities. Lower is better.

use burn::tensor::activation::log_softmax;
use frameworm_core::{ComponentError, FromConfig, Metric, MetricInput, MetricSource};

/// The mean next-token cross-entropy (nats) of one batch.
fn mean_cross_entropy(input: &MetricInput<'_>, metric: &str) -> Result<f64, ComponentError> {
    let (scores, labels) = input.predictions(metric)?.classes(metric)?;
    let [items, classes] = scores.dims();
    if items == 0 || classes == 0 {
        return Err(ComponentError::Invalid(format!("metric `{metric}`: the scores are empty ({items} positions × {classes} tokens)")));
    }
    let (lowest, highest) = (labels.clone().min().into_scalar::<i64>(), labels.clone().max().into_scalar::<i64>());
    if lowest < 0 || highest >= classes as i64 {
        return Err(ComponentError::Invalid(format!(
            "metric `{metric}`: next tokens range over {lowest}..={highest} but the model scores {classes} tokens"
        )));
    }
    let picked = log_softmax(scores, 1).gather(1, labels.unsqueeze_dim(1));
    Ok(-f64::from(picked.mean().into_scalar::<f32>()))
}

macro_rules! language_metric {
    ($type:ident, $name:literal, $doc:literal, |$mean:ident| $finish:expr) => {
        #[doc = $doc]
        #[derive(Debug, Default)]
        pub struct $type;

        impl FromConfig for $type {
            type Config = ();
            fn from_config(_: ()) -> Result<Self, ComponentError> {
                Ok($type)
            }
        }

        impl Metric for $type {
            fn source(&self) -> MetricSource {
                MetricSource::Predictions
            }
            fn compute(&self, input: &MetricInput<'_>) -> Result<f64, ComponentError> {
                Ok(self.finish(&self.partials(input)?))
            }
            fn partials(&self, input: &MetricInput<'_>) -> Result<Vec<f64>, ComponentError> {
                Ok(vec![mean_cross_entropy(input, $name)?])
            }
            fn finish(&self, means: &[f64]) -> f64 {
                let $mean = means.first().copied().unwrap_or(f64::NAN);
                $finish
            }
            fn higher_is_better(&self) -> bool {
                false
            }
        }
    };
}

language_metric!(CrossEntropy, "cross_entropy", "Mean next-token cross-entropy in nats.", |mean| mean);
language_metric!(Perplexity, "perplexity", "e to the mean next-token cross-entropy.", |mean| mean.exp());
language_metric!(BitsPerChar, "bits_per_char", "Mean next-token cross-entropy in bits.", |mean| mean / std::f64::consts::LN_2);

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Int, Tensor, TensorData};
    use frameworm_core::Predictions;

    fn tokens(logits: Vec<f32>, next: Vec<i64>, shape: [usize; 3]) -> Predictions {
        let device = Device::default();
        Predictions::Tokens {
            logits: Tensor::from_data(TensorData::new(logits, shape), &device),
            next: Tensor::<2, Int>::from_data(TensorData::new(next, [shape[0], shape[1]]), &device),
        }
    }

    #[test]
    fn uniform_scores_cost_log_vocabulary() {
        // Equal scores over 4 tokens: ln 4 nats, 2 bits, perplexity 4, whatever the next tokens.
        let predictions = tokens(vec![0.0; 2 * 3 * 4], vec![0, 1, 2, 3, 0, 1], [2, 3, 4]);
        let input = MetricInput::predicted(&predictions);
        assert!((CrossEntropy.compute(&input).unwrap() - 4f64.ln()).abs() < 1e-6);
        assert!((BitsPerChar.compute(&input).unwrap() - 2.0).abs() < 1e-6);
        assert!((Perplexity.compute(&input).unwrap() - 4.0).abs() < 1e-5);
        assert!(!Perplexity.higher_is_better());
    }

    #[test]
    fn a_confident_right_guess_costs_little() {
        // Scores [10, 0]: p(token 0) = 1 / (1 + e^-10); next token 0.
        let predictions = tokens(vec![10.0, 0.0], vec![0], [1, 1, 2]);
        let expected = (1.0 + (-10f64).exp()).ln();
        assert!((CrossEntropy.compute(&MetricInput::predicted(&predictions)).unwrap() - expected).abs() < 1e-6);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let out_of_range = tokens(vec![0.0; 4], vec![0, 5], [1, 2, 2]);
        let error = CrossEntropy.compute(&MetricInput::predicted(&out_of_range)).unwrap_err().to_string();
        assert!(error.contains("next tokens range over 0..=5 but the model scores 2 tokens"), "{error}");
        let device = Device::default();
        let values = Predictions::Values { predicted: Tensor::zeros([2, 1], &device), target: Tensor::zeros([2, 1], &device) };
        assert!(BitsPerChar.compute(&MetricInput::predicted(&values)).is_err());
        assert!(Perplexity.compute(&MetricInput::default()).unwrap_err().to_string().contains("needs the model's predictions"));
    }
}
