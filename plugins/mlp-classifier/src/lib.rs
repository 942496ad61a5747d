//! `mlp-classifier`: a multi-layer perceptron over a flattened float field (by default the
//! `image`), trained with cross-entropy against the `label` field; reports accuracy beside the
//! loss.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::{Device, Tensor};
use frameworm_core::{Batch, ComponentError, FieldNeed, LossOutput, Model, Predictions, Schema, fields};
use serde::{Deserialize, Serialize};

/// The `model.mlp-classifier` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MlpClassifierConfig {
    /// Widths of the hidden layers.
    pub hidden: Vec<usize>,
    /// Number of classes (default: the class count the dataset declares for `label`).
    pub classes: Option<usize>,
    /// The float field classified (flattened), default `image`.
    pub input: String,
    /// The int field holding the class, default `label`.
    pub label: String,
}

impl Default for MlpClassifierConfig {
    fn default() -> Self {
        MlpClassifierConfig { hidden: vec![128, 64], classes: None, input: fields::IMAGE.into(), label: fields::LABEL.into() }
    }
}

/// The model: `Linear → ReLU` per hidden width, then a linear head.
#[derive(Module, Debug)]
pub struct MlpClassifier {
    hidden: Vec<Linear>,
    head: Linear,
    activation: Relu,
    input: String,
    label: String,
}

impl Model for MlpClassifier {
    type Config = MlpClassifierConfig;
    type Output = Tensor<2>;

    fn reads(config: &Self::Config) -> Vec<FieldNeed> {
        let mut label = FieldNeed::int(&config.label).rank(0);
        label.classes = config.classes.is_none();
        vec![FieldNeed::float(&config.input), label]
    }

    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let classes = config.classes.or(schema.classes(&config.label)).ok_or_else(|| {
            ComponentError::Invalid(format!("model.mlp-classifier: the dataset declares no class count for `{}`; set `classes`", config.label))
        })?;
        let input = schema.field(&config.input).ok_or_else(|| ComponentError::Invalid(format!("model.mlp-classifier: the data has no field `{}`", config.input)))?;
        if classes < 2 || config.hidden.contains(&0) {
            return Err(ComponentError::Invalid(
                "model.mlp-classifier: `classes` must be at least 2 and every `hidden` width positive".into(),
            ));
        }
        let mut width = input.len();
        let mut hidden = Vec::new();
        for &next in &config.hidden {
            hidden.push(LinearConfig::new(width, next).init(device));
            width = next;
        }
        Ok(MlpClassifier {
            hidden,
            head: LinearConfig::new(width, classes).init(device),
            activation: Relu::new(),
            input: config.input.clone(),
            label: config.label.clone(),
        })
    }

    fn forward(&self, batch: &Batch) -> Result<Tensor<2>, ComponentError> {
        let mut x = input_rows(batch, &self.input)?;
        for layer in &self.hidden {
            x = self.activation.forward(layer.forward(x));
        }
        Ok(self.head.forward(x))
    }

    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let logits = self.forward(batch)?;
        let labels = batch.int::<1>(&self.label)?;
        let correct = logits.clone().argmax(1).squeeze_dim::<1>(1).equal(labels.clone()).float().mean();
        let loss = CrossEntropyLossConfig::new().init(&logits.device()).forward(logits, labels);
        Ok(LossOutput::new(loss).with_metric("accuracy", correct))
    }

    fn predictions(&self, batch: &Batch) -> Result<Option<Predictions>, ComponentError> {
        Ok(Some(Predictions::Classes { scores: self.forward(batch)?, labels: batch.int::<1>(&self.label)? }))
    }
}

/// Float field `name` of `batch` flattened to `[N, values per item]`, whatever its rank.
fn input_rows(batch: &Batch, name: &str) -> Result<Tensor<2>, ComponentError> {
    let rank = batch.schema().field(name).map_or(0, |field| field.shape.len());
    Ok(match rank {
        0 => batch.float::<1>(name)?.unsqueeze_dim(1),
        1 => batch.float::<2>(name)?,
        2 => batch.float::<3>(name)?.flatten(1, 2),
        3 => batch.float::<4>(name)?.flatten(1, 3),
        _ => batch.float::<5>(name)?.flatten(1, 4),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Int;

    fn batch(device: &Device) -> Batch {
        Batch::images(Tensor::zeros([4, 1, 2, 2], device), Some((Tensor::<1, Int>::from_ints([0, 1, 2, 0], device), 3)))
    }

    #[test]
    fn loss_is_near_log_classes_at_init_and_accuracy_is_a_fraction() {
        let device = Device::default();
        let data = Schema::image(1, 2, 2, Some(3));
        let model = MlpClassifier::new(&MlpClassifierConfig::default(), &data, &device).unwrap();
        let output = model.compute_loss(&batch(&device)).unwrap();
        let loss = output.loss.into_scalar::<f32>();
        // Zero input: logits are the head's biases, small at init, so the loss is close to ln 3.
        assert!((loss - 3f32.ln()).abs() < 0.5, "loss {loss}");
        let accuracy = output.metrics[0].1.clone().into_scalar::<f32>();
        assert!([0.0, 0.25, 0.5, 0.75, 1.0].contains(&accuracy), "accuracy {accuracy}");
    }

    #[test]
    fn refuses_unlabelled_data_without_classes() {
        let data = Schema::image(1, 2, 2, None);
        let error = data.check(&MlpClassifier::reads(&MlpClassifierConfig::default())).unwrap_err();
        assert!(error.explain("mlp-classifier", "pixels").contains("dataset `pixels` has no field `label`"), "{}", error.explain("mlp-classifier", "pixels"));
        let mut unlabelled = Schema::image(1, 2, 2, Some(3));
        unlabelled.fields[1].classes = None;
        let error = MlpClassifier::new(&MlpClassifierConfig::default(), &unlabelled, &Device::default()).unwrap_err();
        assert!(error.to_string().contains("set `classes`"));
    }
}
