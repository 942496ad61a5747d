//! burn's optimizers and learning-rate schedulers, built from the `optimizer:` and `scheduler:`
//! sections.

use burn::optim::decay::WeightDecayConfig;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::lr_scheduler::constant::ConstantLr;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::lr_scheduler::exponential::ExponentialLrSchedulerConfig;
use burn::optim::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::optim::lr_scheduler::step::StepLrSchedulerConfig;
use burn::optim::lr_scheduler::LrSchedulerConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, SgdConfig};

use super::error::TrainError;
use crate::config::{Config, OptimizerConfig, OptimizerKind, SchedulerConfig, SchedulerKind};
use crate::data;

/// The optimizer `config` describes.
pub fn build_optimizer(config: &OptimizerConfig) -> ModuleOptimizer {
    let clipping = match (config.grad_clip_norm, config.grad_clip_value) {
        (Some(norm), _) => Some(GradientClippingConfig::Norm(norm)),
        (None, Some(value)) => Some(GradientClippingConfig::Value(value)),
        (None, None) => None,
    };
    let [beta_1, beta_2] = config.betas;
    match config.name {
        OptimizerKind::Adam => AdamConfig::new()
            .with_beta_1(beta_1)
            .with_beta_2(beta_2)
            .with_epsilon(config.eps)
            .with_weight_decay(config.weight_decay.map(WeightDecayConfig::new))
            .with_grad_clipping(clipping)
            .init(),
        OptimizerKind::AdamW => AdamWConfig::new()
            .with_beta_1(beta_1)
            .with_beta_2(beta_2)
            .with_epsilon(config.eps)
            .with_weight_decay(config.weight_decay.unwrap_or(1e-4))
            .with_grad_clipping(clipping)
            .init(),
        OptimizerKind::Sgd => SgdConfig::new()
            .with_momentum((config.momentum > 0.0).then(|| {
                MomentumConfig::new().with_momentum(config.momentum).with_dampening(0.0).with_nesterov(config.nesterov)
            }))
            .with_weight_decay(config.weight_decay.map(WeightDecayConfig::new))
            .with_gradient_clipping(clipping)
            .init(),
    }
}

/// The optimizer and the schedule of a run over `train_items` items: the schedule spans every
/// step the run will take (`training.epochs` × batches, capped by `training.max_steps`).
pub fn for_run(config: &Config, train_items: usize) -> Result<(ModuleOptimizer, ModuleLrScheduler), TrainError> {
    let run = &config.run;
    let batches = data::batches(train_items, run.data.batch_size);
    let total_steps = (run.training.epochs * batches).max(1);
    let total_steps = run.training.max_steps.map_or(total_steps, |max| total_steps.min(max as usize)).max(1);
    let scheduler = build_scheduler(&run.scheduler, run.optimizer.lr, total_steps, batches)
        .map_err(|message| config.error_at("scheduler", format!("scheduler: {message}")))?;
    Ok((build_optimizer(&run.optimizer), scheduler))
}

/// The schedule `config` describes for a run of `total_steps` steps with `steps_per_epoch`
/// steps per epoch, starting at `lr`.
pub fn build_scheduler(
    config: &SchedulerConfig,
    lr: f64,
    total_steps: usize,
    steps_per_epoch: usize,
) -> Result<ModuleLrScheduler, String> {
    let warmup = config.warmup_steps.min(total_steps.saturating_sub(1));
    let main_steps = (total_steps - warmup).max(1);
    let main: LrSchedulerConfig = match config.name {
        SchedulerKind::Constant => LrSchedulerConfig::Constant(lr),
        SchedulerKind::Cosine => CosineAnnealingLrSchedulerConfig::new(lr, main_steps).with_min_lr(config.min_lr).into(),
        SchedulerKind::Step => {
            StepLrSchedulerConfig::new(lr, config.step_epochs * steps_per_epoch.max(1)).with_gamma(config.gamma).into()
        }
        SchedulerKind::Linear => LinearLrSchedulerConfig::new(lr, config.final_lr, main_steps).into(),
        SchedulerKind::Exponential => ExponentialLrSchedulerConfig::new(lr, config.gamma).into(),
    };
    if warmup == 0 {
        return match (config.name, main) {
            (SchedulerKind::Constant, _) => Ok(ModuleLrScheduler::new(ConstantLr::from(lr))),
            (_, main) => SequentialLrSchedulerConfig::new(vec![main], vec![]).init(),
        };
    }
    let warm: LrSchedulerConfig = LinearLrSchedulerConfig::new(lr * config.warmup_start, lr, warmup).into();
    SequentialLrSchedulerConfig::new(vec![warm, main], vec![warmup]).init()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lrs(config: &SchedulerConfig, lr: f64, total: usize, per_epoch: usize) -> Vec<f64> {
        let mut scheduler = build_scheduler(config, lr, total, per_epoch).unwrap();
        (0..total).map(|_| scheduler.step().base()).collect()
    }

    #[test]
    fn schedules_follow_their_shape() {
        let constant = lrs(&SchedulerConfig::default(), 0.01, 4, 2);
        assert_eq!(constant, [0.01; 4]);
        let cosine = lrs(&SchedulerConfig { name: SchedulerKind::Cosine, ..Default::default() }, 0.01, 10, 5);
        assert!((cosine[0] - 0.01).abs() < 1e-12 && cosine.windows(2).all(|w| w[1] <= w[0]) && cosine[9] < 0.001, "{cosine:?}");
        let step = lrs(&SchedulerConfig { name: SchedulerKind::Step, gamma: 0.5, ..Default::default() }, 0.01, 6, 2);
        assert_eq!(step.iter().map(|v| (v * 1e4).round() / 1e4).collect::<Vec<_>>(), [0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025]);
        let warm = lrs(&SchedulerConfig { warmup_steps: 4, warmup_start: 0.1, ..Default::default() }, 0.01, 8, 4);
        assert!(warm[0] < 0.002 && warm[1] > warm[0] && warm[3] > warm[2], "{warm:?}");
        assert!(warm[4..].iter().all(|v| (v - 0.01).abs() < 1e-12), "{warm:?}");
    }
}
