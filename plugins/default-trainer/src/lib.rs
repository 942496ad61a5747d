//! `default-trainer`: the trainer named `default` — forward, backward and an optimizer step per
//! batch, or per `accumulate` batches with gradient accumulation. It fires `on_backward_begin`,
//! `on_backward_end` and `on_optimizer_step` at their places; the engine fires the rest.

use burn::optim::GradientsParams;
use frameworm_core::StepError;
use frameworm_core::{Batch, ComponentError, FromConfig, HookEvent, StepContext, StepOutput, Trainer, scalars};
use serde::{Deserialize, Serialize};

/// The `trainer.default` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DefaultTrainerConfig {
    /// Batches whose gradients are summed (each loss scaled by `1/accumulate`) before one
    /// optimizer step; the epoch's last batch always steps.
    pub accumulate: usize,
}

impl Default for DefaultTrainerConfig {
    fn default() -> Self {
        DefaultTrainerConfig { accumulate: 1 }
    }
}

/// The trainer.
#[derive(Default)]
pub struct DefaultTrainer {
    accumulate: usize,
    pending: Option<GradientsParams>,
    pending_batches: usize,
}

impl FromConfig for DefaultTrainer {
    type Config = DefaultTrainerConfig;
    fn from_config(config: DefaultTrainerConfig) -> Result<Self, ComponentError> {
        if config.accumulate == 0 {
            return Err(ComponentError::Config {
                section: "trainer.default".into(),
                key: "accumulate".into(),
                message: "must be at least 1".into(),
            });
        }
        Ok(DefaultTrainer { accumulate: config.accumulate, pending: None, pending_batches: 0 })
    }
}

impl Trainer for DefaultTrainer {
    fn training_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, _batch_idx: usize) -> Result<StepOutput, StepError> {
        let output = step.model.compute_loss(batch)?;
        let mut metrics = scalars(&output);
        let (_, loss) = metrics.remove(0);
        step.fire(&HookEvent::BackwardBegin(&loss))?;
        let scaled = if self.accumulate > 1 { output.loss / self.accumulate as f64 } else { output.loss };
        let grads = step.model.gradients(&scaled);
        step.fire(&HookEvent::BackwardEnd)?;
        let grads = match self.pending.take() {
            Some(sum) => step.model.add_gradients(sum, grads),
            None => grads,
        };
        self.pending_batches += 1;
        if self.pending_batches >= self.accumulate || step.last_batch {
            step.fire(&HookEvent::OptimizerStep)?;
            step.model.apply_gradients(step.optimizer, step.lr, grads);
            self.pending_batches = 0;
        } else {
            self.pending = Some(grads);
        }
        Ok(StepOutput { loss, metrics })
    }

    /// Only `compute_loss`, `gradients` and `apply_gradients`: it trains on several devices too.
    fn data_parallel(&self) -> bool {
        true
    }

    fn validation_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, _batch_idx: usize) -> Result<StepOutput, StepError> {
        let output = step.model.compute_loss(batch)?;
        let mut metrics = scalars(&output);
        let (_, loss) = metrics.remove(0);
        Ok(StepOutput { loss, metrics })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulate_must_be_positive() {
        assert!(DefaultTrainer::from_config(DefaultTrainerConfig::default()).is_ok());
        let error = DefaultTrainer::from_config(DefaultTrainerConfig { accumulate: 0 }).err().unwrap();
        assert_eq!(error.to_string(), "trainer.default.accumulate: must be at least 1");
    }
}
