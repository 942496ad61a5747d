//! `mlp-classifier`: a multi-layer perceptron over flattened images, trained with cross-entropy;
//! reports accuracy beside the loss.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::{Device, Tensor};
use frameworm_core::{Batch, ComponentError, DataInfo, LossOutput, Model};
use serde::{Deserialize, Serialize};

/// The `model.mlp-classifier` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MlpClassifierConfig {
    /// Widths of the hidden layers.
    pub hidden: Vec<usize>,
    /// Number of classes (default: the dataset's).
    pub classes: Option<usize>,
}

impl Default for MlpClassifierConfig {
    fn default() -> Self {
        MlpClassifierConfig { hidden: vec![128, 64], classes: None }
    }
}

/// The model: `Linear → ReLU` per hidden width, then a linear head.
#[derive(Module, Debug)]
pub struct MlpClassifier {
    hidden: Vec<Linear>,
    head: Linear,
    activation: Relu,
}

impl Model for MlpClassifier {
    type Config = MlpClassifierConfig;
    type Output = Tensor<2>;

    fn new(config: &Self::Config, data: &DataInfo, device: &Device) -> Result<Self, ComponentError> {
        let classes = config.classes.or(data.num_classes).ok_or_else(|| {
            ComponentError::Invalid("model.mlp-classifier: the dataset has no labels; set `classes`".into())
        })?;
        if classes < 2 || config.hidden.contains(&0) {
            return Err(ComponentError::Invalid(
                "model.mlp-classifier: `classes` must be at least 2 and every `hidden` width positive".into(),
            ));
        }
        let mut width = data.item_len();
        let mut hidden = Vec::new();
        for &next in &config.hidden {
            hidden.push(LinearConfig::new(width, next).init(device));
            width = next;
        }
        Ok(MlpClassifier { hidden, head: LinearConfig::new(width, classes).init(device), activation: Relu::new() })
    }

    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images.flatten(1, 3);
        for layer in &self.hidden {
            x = self.activation.forward(layer.forward(x));
        }
        self.head.forward(x)
    }

    fn compute_loss(&self, batch: &Batch) -> LossOutput {
        let logits = self.forward(batch.images.clone());
        let labels = batch.labels.clone().expect("mlp-classifier trains on labelled data");
        let correct = logits.clone().argmax(1).squeeze_dim::<1>(1).equal(labels.clone()).float().mean();
        let loss = CrossEntropyLossConfig::new().init(&logits.device()).forward(logits, labels);
        LossOutput::new(loss).with_metric("accuracy", correct)
    }

    fn predictions(&self, images: Tensor<4>) -> Option<Tensor<2>> {
        Some(self.forward(images))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Int;

    fn batch(device: &Device) -> Batch {
        Batch {
            images: Tensor::zeros([4, 1, 2, 2], device),
            labels: Some(Tensor::<1, Int>::from_ints([0, 1, 2, 0], device)),
        }
    }

    #[test]
    fn loss_is_near_log_classes_at_init_and_accuracy_is_a_fraction() {
        let device = Device::default();
        let data = DataInfo { channels: 1, height: 2, width: 2, num_classes: Some(3) };
        let model = MlpClassifier::new(&MlpClassifierConfig::default(), &data, &device).unwrap();
        let output = model.compute_loss(&batch(&device));
        let loss = output.loss.into_scalar::<f32>();
        // Zero input: logits are the head's biases, small at init, so the loss is close to ln 3.
        assert!((loss - 3f32.ln()).abs() < 0.5, "loss {loss}");
        let accuracy = output.metrics[0].1.clone().into_scalar::<f32>();
        assert!([0.0, 0.25, 0.5, 0.75, 1.0].contains(&accuracy), "accuracy {accuracy}");
    }

    #[test]
    fn refuses_unlabelled_data_without_classes() {
        let device = Device::default();
        let data = DataInfo { channels: 1, height: 2, width: 2, num_classes: None };
        let error = MlpClassifier::new(&MlpClassifierConfig::default(), &data, &device).unwrap_err();
        assert!(error.to_string().contains("set `classes`"));
    }
}
