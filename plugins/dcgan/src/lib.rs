//! `dcgan`: a model plugin (a linear classifier to start from).

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use frameworm_core::{Batch, ComponentError, DataInfo, LossOutput, Model, PluginRegistrar, RegistryError};
use serde::{Deserialize, Serialize};

/// The `model.dcgan` config section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DcganConfig {
    /// Number of classes (default: the dataset's).
    pub classes: Option<usize>,
}

/// The model.
#[derive(Module, Debug)]
pub struct Dcgan {
    linear: Linear,
}

impl Model for Dcgan {
    type Config = DcganConfig;
    type Output = Tensor<2>;

    fn new(config: &Self::Config, data: &DataInfo, device: &Device) -> Result<Self, ComponentError> {
        let classes = config
            .classes
            .or(data.num_classes)
            .ok_or_else(|| ComponentError::Invalid("model.dcgan: set `classes` (the dataset has no labels)".into()))?;
        Ok(Dcgan { linear: LinearConfig::new(data.item_len(), classes).init(device) })
    }

    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.linear.forward(images.flatten(1, 3))
    }

    fn compute_loss(&self, batch: &Batch) -> LossOutput {
        let logits = self.forward(batch.images.clone());
        let labels = batch.labels.clone().expect("dcgan needs labelled data");
        let loss = CrossEntropyLossConfig::new().init(&logits.device()).forward(logits, labels);
        LossOutput::new(loss)
    }
}

/// Entry point: called once at start-up; register hooks or extra components here.
pub fn register(_plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Int;

    #[test]
    fn loss_is_finite() {
        let device = Device::default();
        let data = DataInfo { channels: 1, height: 2, width: 2, num_classes: Some(3) };
        let model = Dcgan::new(&DcganConfig::default(), &data, &device).unwrap();
        let batch = Batch {
            images: Tensor::zeros([4, 1, 2, 2], &device),
            labels: Some(Tensor::<1, Int>::from_ints([0, 1, 2, 0], &device)),
        };
        let loss = model.compute_loss(&batch).loss.into_scalar::<f32>();
        assert!(loss.is_finite());
    }
}
