// A trainer plugin that forgets `validation_step`.
use frameworm_core::StepError;
use frameworm_core::{Batch, StepContext, StepOutput, Trainer};

pub struct MyTrainer;

impl Trainer for MyTrainer {
    fn training_step(&mut self, _: &mut StepContext<'_>, _: &Batch, _: usize) -> Result<StepOutput, StepError> {
        unimplemented!()
    }
}

fn main() {}
