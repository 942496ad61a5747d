// A model plugin that forgets `forward`.
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use frameworm_core::{Batch, ComponentError, FieldNeed, LossOutput, Model, Schema};

#[derive(Module, Debug)]
pub struct MyModel {
    bias: burn::module::Param<Tensor<1>>,
}

impl Model for MyModel {
    type Config = ();
    type Output = Tensor<2>;

    fn reads(_: &()) -> Vec<FieldNeed> {
        vec![FieldNeed::float("features").rank(1)]
    }

    fn new(_: &(), _: &Schema, _: &Device) -> Result<Self, ComponentError> {
        unimplemented!()
    }

    fn compute_loss(&self, _batch: &Batch) -> Result<LossOutput, ComponentError> {
        unimplemented!()
    }
}

fn main() {}
