//! `tabular`: a multi-layer perceptron over a table's `features` field. What it learns follows
//! the dataset's `target` field: a float target `f32[T]` is a regression trained with the mean
//! squared error (its predictions are restored to the target's own unit, undoing the dataset's
//! standardisation, before metrics score them), a class target int[] a classification trained
//! with cross-entropy (it reports accuracy beside the loss). `hidden: []` makes it linear.

use burn::module::Module;
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, Relu};
use burn::tensor::{Device, Tensor};
use frameworm_core::{Batch, ComponentError, DType, FieldNeed, LossOutput, Model, Predictions, Schema, fields};
use serde::{Deserialize, Serialize};

/// The `model.tabular` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TabularConfig {
    /// Widths of the hidden layers; `[]` is a linear model.
    pub hidden: Vec<usize>,
    /// Dropout probability after each hidden layer.
    pub dropout: f64,
    /// The float input field, default `features`.
    pub features: String,
    /// The target field, default `target`.
    pub target: String,
}

impl Default for TabularConfig {
    fn default() -> Self {
        TabularConfig { hidden: vec![64], dropout: 0.0, features: fields::FEATURES.into(), target: fields::TARGET.into() }
    }
}

/// The model: `Linear → ReLU → Dropout` per hidden width, then a linear head.
#[derive(Module, Debug)]
pub struct Tabular {
    hidden: Vec<Linear>,
    head: Linear,
    activation: Relu,
    dropout: Dropout,
    classify: bool,
    features: String,
    target: String,
}

impl Model for Tabular {
    type Config = TabularConfig;
    type Output = Tensor<2>;

    fn reads(config: &Self::Config) -> Vec<FieldNeed> {
        vec![FieldNeed::float(&config.features).rank(1), FieldNeed::any(&config.target)]
    }

    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let invalid = |message: String| ComponentError::Invalid(format!("model.tabular: {message}"));
        let field = |name: &str| schema.field(name).ok_or_else(|| invalid(format!("the data has no field `{name}`")));
        let (features, target) = (field(&config.features)?, field(&config.target)?);
        if config.hidden.contains(&0) || !(0.0..1.0).contains(&config.dropout) {
            return Err(invalid("every `hidden` width must be positive and `dropout` in [0, 1)".into()));
        }
        let (classify, outputs) = match (target.dtype, target.shape.as_slice()) {
            (DType::Int, []) => (true, target.classes.ok_or_else(|| invalid(format!("the class field `{}` declares no class count", target.name)))?),
            (DType::F32, [width]) => (false, *width),
            _ => return Err(invalid(format!("the target {target} is neither a class int[] nor values f32[T]"))),
        };
        let mut width = features.len();
        let mut hidden = Vec::new();
        for &next in &config.hidden {
            hidden.push(LinearConfig::new(width, next).init(device));
            width = next;
        }
        Ok(Tabular {
            hidden,
            head: LinearConfig::new(width, outputs).init(device),
            activation: Relu::new(),
            dropout: DropoutConfig::new(config.dropout).init(),
            classify,
            features: config.features.clone(),
            target: config.target.clone(),
        })
    }

    fn forward(&self, batch: &Batch) -> Result<Tensor<2>, ComponentError> {
        let mut x = batch.float::<2>(&self.features)?;
        for layer in &self.hidden {
            x = self.dropout.forward(self.activation.forward(layer.forward(x)));
        }
        Ok(self.head.forward(x))
    }

    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let output = self.forward(batch)?;
        if self.classify {
            let labels = batch.int::<1>(&self.target)?;
            let correct = output.clone().argmax(1).squeeze_dim::<1>(1).equal(labels.clone()).float().mean();
            let loss = CrossEntropyLossConfig::new().init(&output.device()).forward(output, labels);
            return Ok(LossOutput::new(loss).with_metric("accuracy", correct));
        }
        Ok(LossOutput::new(MseLoss::new().forward(output, batch.float::<2>(&self.target)?, Reduction::Mean)))
    }

    fn predictions(&self, batch: &Batch) -> Result<Option<Predictions>, ComponentError> {
        let output = self.forward(batch)?;
        if self.classify {
            return Ok(Some(Predictions::Classes { scores: output, labels: batch.int::<1>(&self.target)? }));
        }
        Ok(Some(Predictions::regression(batch, &self.target, output)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::{FieldSpec, Sample, Scaling, Value};
    use std::sync::Arc;

    fn batch(target: FieldSpec, value: impl Fn(usize) -> Value, device: &Device) -> Batch {
        let schema = Arc::new(Schema::new(vec![FieldSpec::float("features", [3]), target]));
        let items: Vec<Sample> = (0..4).map(|i| Sample::new(vec![Value::F32(vec![i as f32, 1.0, -1.0]), value(i)])).collect();
        Batch::stack(&schema, &items, device)
    }

    #[test]
    fn regression_restores_the_targets_unit() {
        let device = Device::default();
        let mut target = FieldSpec::float("target", [1]);
        target.scaling = Some(Scaling { mean: vec![100.0], std: vec![10.0] });
        let batch = batch(target, |i| Value::F32(vec![i as f32]), &device);
        let model = Tabular::new(&TabularConfig { hidden: vec![], ..TabularConfig::default() }, batch.schema(), &device).unwrap();
        assert!(model.compute_loss(&batch).unwrap().loss.into_scalar::<f32>().is_finite());
        let Some(Predictions::Values { target, .. }) = model.predictions(&batch).unwrap() else { panic!("values") };
        assert_eq!(frameworm_core::testing::floats(target), vec![100.0, 110.0, 120.0, 130.0]);
    }

    #[test]
    fn classification_reports_accuracy() {
        let device = Device::default();
        let batch = batch(FieldSpec::int("target", [], 3), |i| Value::Int(vec![(i % 3) as i64]), &device);
        let model = Tabular::new(&TabularConfig::default(), batch.schema(), &device).unwrap();
        let output = model.compute_loss(&batch).unwrap();
        assert_eq!(output.metrics[0].0, "accuracy");
        assert!(matches!(model.predictions(&batch).unwrap(), Some(Predictions::Classes { .. })));
    }

    #[test]
    fn an_image_target_is_refused() {
        let device = Device::default();
        let schema = Schema::new(vec![FieldSpec::float("features", [3]), FieldSpec::float("target", [1, 2, 2])]);
        let error = Tabular::new(&TabularConfig::default(), &schema, &device).unwrap_err().to_string();
        assert!(error.contains("neither a class int[] nor values f32[T]"), "{error}");
    }
}
