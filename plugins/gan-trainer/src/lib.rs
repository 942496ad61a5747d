//! `gan-trainer`: a trainer plugin (plain gradient descent on the model's loss to start from).

use frameworm_core::trainer::StepError;
use frameworm_core::{Batch, ComponentError, FromConfig, HookEvent, PluginRegistrar, RegistryError, Scalar, StepContext, StepOutput, Trainer};

/// The trainer.
#[derive(Debug, Default)]
pub struct GanTrainer;

impl FromConfig for GanTrainer {
    type Config = ();
    fn from_config(_: ()) -> Result<Self, ComponentError> {
        Ok(GanTrainer)
    }
}

impl Trainer for GanTrainer {
    fn training_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, _batch_idx: usize) -> Result<StepOutput, StepError> {
        let output = step.model.compute_loss(batch);
        let loss = Scalar::from_tensor(output.loss.clone().detach());
        step.fire(&HookEvent::BackwardBegin(&loss))?;
        let grads = step.model.gradients(&output.loss);
        step.fire(&HookEvent::BackwardEnd)?;
        step.fire(&HookEvent::OptimizerStep)?;
        step.model.apply_gradients(step.optimizer, step.lr, grads);
        Ok(StepOutput { loss, metrics: Vec::new() })
    }

    fn validation_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, _batch_idx: usize) -> Result<StepOutput, StepError> {
        let output = step.model.compute_loss_inference(batch);
        Ok(StepOutput { loss: Scalar::from_tensor(output.loss), metrics: Vec::new() })
    }
}

/// Entry point: called once at start-up; register hooks or extra components here.
pub fn register(_plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_from_an_empty_config() {
        assert!(GanTrainer::from_config(()).is_ok());
    }
}
