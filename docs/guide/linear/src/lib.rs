//! `linear`: the plugin guide's first model: one `Linear(10, 5)` layer trained with the mean
//! squared error against a float target of width 5.

use burn::module::Module;
use burn::nn::loss::{MseLoss, Reduction};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use frameworm_core::{Batch, ComponentError, FieldNeed, LossOutput, Model, Schema};

/// The model: one linear layer.
#[derive(Module, Debug)]
pub struct LinearModel {
    layer: Linear,
}

impl Model for LinearModel {
    type Config = ();
    type Output = Tensor<2>;

    fn reads(_: &()) -> Vec<FieldNeed> {
        vec![FieldNeed::float("features").dims([Some(10)]), FieldNeed::float("target").dims([Some(5)])]
    }

    fn new(_: &(), _: &Schema, device: &Device) -> Result<Self, ComponentError> {
        Ok(LinearModel { layer: LinearConfig::new(10, 5).init(device) })
    }

    fn forward(&self, batch: &Batch) -> Result<Tensor<2>, ComponentError> {
        Ok(self.layer.forward(batch.float::<2>("features")?))
    }

    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let loss = MseLoss::new().forward(self.forward(batch)?, batch.float::<2>("target")?, Reduction::Mean);
        Ok(LossOutput::new(loss))
    }
}
