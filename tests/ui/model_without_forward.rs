// A model plugin that forgets `forward`.
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use frameworm_core::{Batch, ComponentError, DataInfo, LossOutput, Model};

#[derive(Module, Debug)]
pub struct MyModel {
    bias: burn::module::Param<Tensor<1>>,
}

impl Model for MyModel {
    type Config = ();
    type Output = Tensor<2>;

    fn new(_: &(), _: &DataInfo, _: &Device) -> Result<Self, ComponentError> {
        unimplemented!()
    }

    fn compute_loss(&self, _batch: &Batch) -> LossOutput {
        unimplemented!()
    }
}

fn main() {}
