//! `gan-trainer`: the trainer named `gan` — alternating adversarial updates for the `dcgan`
//! model (`plugins/dcgan`).
//!
//! Each training step on a batch of real images `x`:
//!
//! 1. **Discriminator**, `discriminator_steps` times: fakes `G(z)` from fresh noise, detached;
//!    `d_loss = BCE(D(x), 1) + BCE(D(G(z)), 0)`; the gradients of the discriminator's
//!    parameters only (`GradientsParams::from_grads(.., &model.discriminator)`) are applied
//!    with this trainer's own Adam optimizer at `discriminator_lr` (constant: the run's
//!    scheduler drives the generator's rate only). Every repeat reuses the same real batch.
//! 2. **Generator**, once: fresh noise, the non-saturating `g_loss = BCE(D(G(z)), 1)`; the
//!    gradients of the generator's parameters only are applied with the run's optimizer
//!    (`optimizer:` section) at the scheduled learning rate.
//!
//! burn's optimizers leave parameters without a gradient untouched, so each update moves only
//! its own network (and neither optimizer keeps state for the other network).
//!
//! **Hooks**: around *each* update — every discriminator update and the generator update — it
//! fires `on_backward_begin(loss)` (that update's loss), `on_backward_end` and
//! `on_optimizer_step`, in that order; so one step with `discriminator_steps: 1` fires each of
//! them twice, discriminator first. The engine fires the per-batch and per-epoch hooks.
//!
//! **Reported** (`StepOutput`): `loss = d_loss + g_loss`, and the metrics `d_loss` (mean over the
//! discriminator updates, each measured before its update), `g_loss` (before the generator
//! update), `d_real` and `d_fake` (mean probability D gave the real and fake images of being
//! real, in the discriminator updates). Validation reports the same on held-out images without
//! updating anything.
//!
//! **Checkpoints**: the discriminator optimizer's state is saved as
//! `discriminator-optimizer.bpk` in each checkpoint folder and restored on `--resume`, so a
//! resumed run continues exactly.

use std::path::Path;

use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Bytes, Tensor};
use frameworm_core::write_synced;
use frameworm_core::StepError;
use frameworm_core::{Batch, ComponentError, DynModel, FromConfig, HookEvent, Scalar, StepContext, StepOutput, Trainer};
use frameworm_plugin_dcgan::Dcgan;
use serde::{Deserialize, Serialize};

/// The file in a checkpoint folder that holds the discriminator optimizer's state.
pub const DISCRIMINATOR_OPTIMIZER_FILE: &str = "discriminator-optimizer.bpk";

/// The `trainer.gan` config section (`trainer: {name: gan, discriminator_lr: 2e-4, ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GanTrainerConfig {
    /// The discriminator's Adam learning rate (default 2e-4; constant).
    pub discriminator_lr: f64,
    /// The discriminator's Adam `[beta_1, beta_2]` (default `[0.5, 0.999]`, the DCGAN paper's).
    pub discriminator_betas: [f64; 2],
    /// Discriminator updates per generator update (default 1).
    pub discriminator_steps: usize,
}

impl Default for GanTrainerConfig {
    fn default() -> Self {
        GanTrainerConfig { discriminator_lr: 2e-4, discriminator_betas: [0.5, 0.999], discriminator_steps: 1 }
    }
}

/// The trainer: its config and the discriminator's optimizer.
pub struct GanTrainer {
    config: GanTrainerConfig,
    d_optimizer: ModuleOptimizer,
}

fn config_error(key: &str, message: String) -> ComponentError {
    ComponentError::Config { section: "trainer.gan".into(), key: key.into(), message }
}

impl FromConfig for GanTrainer {
    type Config = GanTrainerConfig;
    fn from_config(config: GanTrainerConfig) -> Result<Self, ComponentError> {
        if !config.discriminator_lr.is_finite() || config.discriminator_lr <= 0.0 {
            return Err(config_error("discriminator_lr", format!("must be a positive number (got {}); 2e-4 is usual", config.discriminator_lr)));
        }
        for (index, beta) in config.discriminator_betas.iter().enumerate() {
            if !beta.is_finite() || !(0.0..1.0).contains(beta) {
                return Err(config_error(
                    &format!("discriminator_betas.{index}"),
                    format!("must be in [0, 1) (got {beta}); [0.5, 0.999] is usual"),
                ));
            }
        }
        if config.discriminator_steps == 0 {
            return Err(config_error("discriminator_steps", "must be at least 1".into()));
        }
        let [beta_1, beta_2] = config.discriminator_betas;
        let d_optimizer = AdamConfig::new().with_beta_1(beta_1 as f32).with_beta_2(beta_2 as f32).init();
        Ok(GanTrainer { config, d_optimizer })
    }
}

/// The concrete DCGAN behind `model`, or an error naming the trainer and the model's type.
fn dcgan(model: &dyn DynModel) -> Result<&Dcgan, ComponentError> {
    model.as_any().downcast_ref::<Dcgan>().ok_or_else(|| {
        ComponentError::Invalid(format!(
            "trainer `gan` trains the `dcgan` model ({}), but this run's model is `{}`; set `model: {{name: dcgan}}`, \
             or `trainer: {{name: default}}` for other models",
            std::any::type_name::<Dcgan>(),
            model.type_name()
        ))
    })
}

/// What one discriminator update measured (before the update), as detached `[1]` tensors.
struct DiscriminatorUpdate {
    loss: Tensor<1>,
    real_probability: Tensor<1>,
    fake_probability: Tensor<1>,
}

impl GanTrainer {
    /// The trainer's config.
    pub fn config(&self) -> &GanTrainerConfig {
        &self.config
    }

    /// One discriminator update on `real` against detached fakes from fresh noise.
    fn discriminator_update(&mut self, step: &mut StepContext<'_>, real: &Tensor<4>) -> Result<DiscriminatorUpdate, StepError> {
        let terms = {
            let model = dcgan(&*step.model)?;
            let fake = model.generate(model.noise(real.dims()[0], &real.device())).detach();
            model.discriminator_terms(real.clone(), fake)
        };
        let measured = terms.loss.clone().detach();
        step.fire(&HookEvent::BackwardBegin(&Scalar::from_tensor(measured.clone())))?;
        let gradients = terms.loss.backward();
        let grads = GradientsParams::from_grads(gradients, &dcgan(&*step.model)?.discriminator);
        step.fire(&HookEvent::BackwardEnd)?;
        step.fire(&HookEvent::OptimizerStep)?;
        step.model.apply_gradients(&mut self.d_optimizer, self.config.discriminator_lr, grads);
        Ok(DiscriminatorUpdate { loss: measured, real_probability: terms.real_probability, fake_probability: terms.fake_probability })
    }

    /// One generator update with fresh noise (`count` fakes); returns its loss (before the update).
    fn generator_update(&mut self, step: &mut StepContext<'_>, count: usize, device: &burn::tensor::Device) -> Result<Tensor<1>, StepError> {
        let loss = {
            let model = dcgan(&*step.model)?;
            model.generator_loss(model.generate(model.noise(count, device)))
        };
        let measured = loss.clone().detach();
        step.fire(&HookEvent::BackwardBegin(&Scalar::from_tensor(measured.clone())))?;
        let gradients = loss.backward();
        let grads = GradientsParams::from_grads(gradients, &dcgan(&*step.model)?.generator);
        step.fire(&HookEvent::BackwardEnd)?;
        step.fire(&HookEvent::OptimizerStep)?;
        let lr = step.lr;
        step.model.apply_gradients(step.optimizer, lr, grads);
        Ok(measured)
    }
}

/// The step's report: `loss = d_loss + g_loss` and the four metrics.
fn report(d_loss: Tensor<1>, g_loss: Tensor<1>, d_real: Tensor<1>, d_fake: Tensor<1>) -> StepOutput {
    StepOutput {
        loss: Scalar::from_tensor(d_loss.clone() + g_loss.clone()),
        metrics: vec![
            ("d_loss", Scalar::from_tensor(d_loss)),
            ("g_loss", Scalar::from_tensor(g_loss)),
            ("d_real", Scalar::from_tensor(d_real)),
            ("d_fake", Scalar::from_tensor(d_fake)),
        ],
    }
}

impl Trainer for GanTrainer {
    fn check_model(&self, model: &dyn DynModel) -> Result<(), ComponentError> {
        dcgan(model).map(|_| ())
    }

    fn training_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, _batch_idx: usize) -> Result<StepOutput, StepError> {
        let real = batch.image()?;
        let steps = self.config.discriminator_steps;
        let mut updates = Vec::with_capacity(steps);
        for _ in 0..steps {
            updates.push(self.discriminator_update(step, &real)?);
        }
        let g_loss = self.generator_update(step, real.dims()[0], &real.device())?;
        let mean = |pick: fn(&DiscriminatorUpdate) -> Tensor<1>| {
            let sum = updates.iter().map(pick).reduce(|a, b| a + b).expect("discriminator_steps >= 1");
            if steps > 1 { sum.div_scalar(steps as f64) } else { sum }
        };
        let d_loss = mean(|u| u.loss.clone());
        let d_real = mean(|u| u.real_probability.clone());
        let d_fake = mean(|u| u.fake_probability.clone());
        Ok(report(d_loss, g_loss, d_real, d_fake))
    }

    fn validation_step(&mut self, step: &mut StepContext<'_>, batch: &Batch, _batch_idx: usize) -> Result<StepOutput, StepError> {
        let losses = dcgan(&*step.model)?.losses(batch.image()?);
        Ok(report(losses.d_loss.detach(), losses.g_loss.detach(), losses.d_real, losses.d_fake))
    }

    fn save_state(&self, dir: &Path) -> Result<(), ComponentError> {
        let path = dir.join(DISCRIMINATOR_OPTIMIZER_FILE);
        let bytes = self
            .d_optimizer
            .into_bytes()
            .map_err(|error| ComponentError::Invalid(format!("{}: cannot serialise the discriminator optimizer: {error}", path.display())))?;
        write_synced(&path, &bytes).map_err(|error| ComponentError::Invalid(error.to_string()))
    }

    fn load_state(&mut self, dir: &Path) -> Result<(), ComponentError> {
        let path = dir.join(DISCRIMINATOR_OPTIMIZER_FILE);
        let bytes = std::fs::read(&path).map_err(|source| ComponentError::Io { path: path.display().to_string(), source })?;
        let restored = self.d_optimizer.clone().from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|error| {
            ComponentError::Invalid(format!("{}: not a discriminator optimizer state: {error}", path.display()))
        })?;
        self.d_optimizer = restored;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::Device;
    use frameworm_core::{Hook, HookContext, HookRegistry, LossOutput, Model, Schema};
    // Tests that draw from the device's random generator hold `rng_lock`, so a seeded test
    // sees exactly its own sequence.
    use frameworm_core::testing::{image_info, parse_yaml_section, pattern_images, rng_lock};
    use frameworm_plugin_dcgan::DcganConfig;

    fn small() -> DcganConfig {
        DcganConfig { latent_dim: 8, generator_channels: vec![16, 8], discriminator_channels: vec![8, 16], ..DcganConfig::default() }
    }

    /// Float tensors' values in visiting order: the trainable parameters only, or also the
    /// batch norms' running statistics.
    struct Values {
        trainable_only: bool,
        values: Vec<Vec<f32>>,
    }
    impl ModuleVisitor for Values {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let tensor = param.val();
            if !self.trainable_only || tensor.is_require_grad() {
                self.values.push(tensor.into_data().convert::<f32>().try_into_vec::<f32>().unwrap());
            }
        }
    }
    fn values<M: Module>(module: &M, trainable_only: bool) -> Vec<Vec<f32>> {
        let mut visitor = Values { trainable_only, values: Vec::new() };
        module.visit(&mut visitor);
        visitor.values
    }

    /// Trainable parameters of (generator, discriminator) of the DCGAN in `model`.
    fn snapshot(model: &dyn DynModel) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        let model = dcgan(model).unwrap();
        (values(&model.generator, true), values(&model.discriminator, true))
    }

    /// Every float tensor (parameters and running statistics) of the DCGAN in `model`.
    fn full_snapshot(model: &dyn DynModel) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        let model = dcgan(model).unwrap();
        (values(&model.generator, false), values(&model.discriminator, false))
    }

    /// How many parameter tensors differ between two snapshots.
    fn changed(a: &[Vec<f32>], b: &[Vec<f32>]) -> usize {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).filter(|(x, y)| x != y).count()
    }

    /// Everything a step needs: a model, the main optimizer and hooks.
    struct Harness {
        model: Box<dyn DynModel>,
        optimizer: ModuleOptimizer,
        hooks: HookRegistry,
        hook_context: HookContext,
    }

    impl Harness {
        fn new(seed: u64, device: &Device) -> Harness {
            device.seed(seed);
            let model = Dcgan::new(&small(), &image_info(1, 8, 8), device).unwrap();
            Harness {
                model: frameworm_core::erase(model),
                optimizer: AdamConfig::new().with_beta_1(0.5).init(),
                hooks: HookRegistry::new(),
                hook_context: HookContext::default(),
            }
        }

        fn context(&mut self, lr: f64) -> StepContext<'_> {
            StepContext {
                model: &mut *self.model,
                optimizer: &mut self.optimizer,
                lr,
                last_batch: false,
                hooks: &mut self.hooks,
                hook_context: &mut self.hook_context,
            }
        }

        /// A training step with the device seeded as the engine does (per step).
        fn train(&mut self, trainer: &mut GanTrainer, batch: &Batch, seed: u64, device: &Device) -> StepOutput {
            device.seed(seed);
            trainer.training_step(&mut self.context(1e-3), batch, 0).unwrap()
        }
    }

    fn trainer(config: GanTrainerConfig) -> GanTrainer {
        GanTrainer::from_config(config).unwrap()
    }

    fn metric(output: &StepOutput, name: &str) -> f64 {
        output.metrics.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no metric {name}")).1.value()
    }

    #[test]
    fn each_update_moves_only_its_own_network() {
        let _rng = rng_lock();
        let device = Device::default().autodiff();
        let mut harness = Harness::new(5, &device);
        let mut gan = trainer(GanTrainerConfig { discriminator_lr: 1e-3, ..GanTrainerConfig::default() });
        let real = pattern_images(8, 1, 8, 8, &device);

        let (g0, d0) = snapshot(&*harness.model);
        gan.discriminator_update(&mut harness.context(1e-3), &real).unwrap();
        let (g1, d1) = snapshot(&*harness.model);
        assert_eq!(changed(&g0, &g1), 0, "the discriminator update moved the generator");
        assert_eq!(changed(&d0, &d1), d0.len(), "the discriminator update left some D parameters alone");

        gan.generator_update(&mut harness.context(1e-3), 8, &device).unwrap();
        let (g2, d2) = snapshot(&*harness.model);
        assert_eq!(changed(&d1, &d2), 0, "the generator update moved the discriminator");
        // Every generator parameter moves, except the bias of the projection: the batch norm
        // right after it subtracts the batch mean, so that bias gets no gradient.
        assert!(changed(&g1, &g2) >= g1.len() - 1, "the generator update left G parameters alone: {} of {}", changed(&g1, &g2), g1.len());

        // A whole step moves both.
        let batch = Batch::images(real, None);
        let output = harness.train(&mut gan, &batch, 9, &device);
        let (g3, d3) = snapshot(&*harness.model);
        assert!(changed(&g2, &g3) > 0 && changed(&d2, &d3) > 0);
        let names: Vec<_> = output.metrics.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["d_loss", "g_loss", "d_real", "d_fake"]);
        let sum = metric(&output, "d_loss") + metric(&output, "g_loss");
        assert!((output.loss.value() - sum).abs() < 1e-5);
        for name in ["d_real", "d_fake"] {
            let p = metric(&output, name);
            assert!((0.0..=1.0).contains(&p), "{name} {p}");
        }
    }

    #[test]
    fn discriminator_steps_repeat_the_discriminator_update_and_hooks_fire_around_each() {
        let _rng = rng_lock();
        let device = Device::default().autodiff();
        let mut harness = Harness::new(6, &device);
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        for hook in [Hook::BackwardBegin, Hook::BackwardEnd, Hook::OptimizerStep] {
            let log = log.clone();
            harness.hooks.on(hook, "test", "recorder", 0, move |_, event| {
                let entry = match event {
                    HookEvent::BackwardBegin(loss) => format!("backward_begin({:.4})", loss.value()),
                    other => other.hook().to_string(),
                };
                log.lock().unwrap().push(entry);
                Ok(())
            });
        }
        let mut gan = trainer(GanTrainerConfig { discriminator_steps: 3, ..GanTrainerConfig::default() });
        let batch = Batch::images(pattern_images(8, 1, 8, 8, &device), None);
        let output = harness.train(&mut gan, &batch, 1, &device);
        let log = log.lock().unwrap().clone();
        assert_eq!(log.len(), 12, "{log:?}");
        for update in log.chunks(3) {
            assert!(update[0].starts_with("backward_begin("), "{log:?}");
            assert_eq!(update[1..], ["on_backward_end", "on_optimizer_step"], "{log:?}");
        }
        // The first three losses are the discriminator's (near 2·ln 2 at init), the last the
        // generator's (near ln 2); d_loss is their mean over the three D updates.
        let loss = |entry: &str| entry.trim_start_matches("backward_begin(").trim_end_matches(')').parse::<f64>().unwrap();
        let d_losses: Vec<f64> = (0..3).map(|k| loss(&log[3 * k])).collect();
        let mean = d_losses.iter().sum::<f64>() / 3.0;
        assert!((metric(&output, "d_loss") - mean).abs() < 1e-3, "{} vs {d_losses:?}", metric(&output, "d_loss"));
        assert!((metric(&output, "g_loss") - loss(&log[9])).abs() < 1e-3);
        assert!(d_losses.iter().all(|l| (l - 2.0 * 2f64.ln()).abs() < 0.3), "{d_losses:?}");
    }

    #[test]
    fn a_few_steps_train_the_discriminator_against_a_fixed_batch() {
        let _rng = rng_lock();
        // With a high D rate and fixed real data, D quickly tells real from fake: D(real)
        // rises above D(fake) and the D loss falls below its chance value 2·ln 2.
        let device = Device::default().autodiff();
        let mut harness = Harness::new(7, &device);
        let mut gan = trainer(GanTrainerConfig { discriminator_lr: 2e-3, discriminator_steps: 2, ..GanTrainerConfig::default() });
        let batch = Batch::images(pattern_images(16, 1, 8, 8, &device), None);
        let first = harness.train(&mut gan, &batch, 100, &device);
        let mut last = first.clone();
        for step in 1..15 {
            last = harness.train(&mut gan, &batch, 100 + step, &device);
        }
        assert!(metric(&first, "d_loss") > 1.2, "{}", metric(&first, "d_loss"));
        assert!(metric(&last, "d_loss") < 1.0, "{}", metric(&last, "d_loss"));
        assert!(metric(&last, "d_real") > metric(&last, "d_fake") + 0.2, "{} vs {}", metric(&last, "d_real"), metric(&last, "d_fake"));
    }

    #[test]
    fn validation_reports_the_same_metrics_and_changes_nothing() {
        let _rng = rng_lock();
        let device = Device::default().autodiff();
        let mut harness = Harness::new(8, &device);
        let mut gan = trainer(GanTrainerConfig::default());
        let inner = Device::default();
        let mut inference = harness.model.inference();
        let before = full_snapshot(&*inference);
        let batch = Batch::images(pattern_images(8, 1, 8, 8, &inner), None);
        let output = {
            let mut step = StepContext::for_validation(&mut *inference, &mut harness.optimizer, &mut harness.hooks, &mut harness.hook_context);
            gan.validation_step(&mut step, &batch, 0).unwrap()
        };
        assert_eq!(full_snapshot(&*inference), before);
        let names: Vec<_> = output.metrics.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["d_loss", "g_loss", "d_real", "d_fake"]);
        assert!((metric(&output, "d_loss") - 2.0 * 2f64.ln()).abs() < 0.3);
        assert!((output.loss.value() - metric(&output, "d_loss") - metric(&output, "g_loss")).abs() < 1e-5);
    }

    #[test]
    fn save_and_load_state_restore_the_discriminator_optimizer_exactly() {
        let _rng = rng_lock();
        let device = Device::default().autodiff();
        let dir = tempfile::tempdir().unwrap();
        let batch = Batch::images(pattern_images(8, 1, 8, 8, &device), None);
        let config = GanTrainerConfig { discriminator_lr: 1e-3, ..GanTrainerConfig::default() };

        // Run A: three steps, checkpoint (model, main optimizer, trainer state), one more step.
        let mut a = Harness::new(21, &device);
        let mut gan_a = trainer(config.clone());
        for step in 0..3 {
            a.train(&mut gan_a, &batch, step, &device);
        }
        let model_path = dir.path().join("model.bpk");
        // burn's batch norm keeps its newest running statistics pending until the next forward
        // pass or `valid()` syncs them, and saving reads the synced value. The engine saves
        // checkpoints after validation, which syncs; do the same here.
        drop(a.model.inference());
        a.model.save(&model_path).unwrap();
        let main_optimizer = a.optimizer.into_bytes().unwrap();
        gan_a.save_state(dir.path()).unwrap();
        assert!(dir.path().join(DISCRIMINATOR_OPTIMIZER_FILE).is_file());
        let expected = a.train(&mut gan_a, &batch, 3, &device);
        let expected_params = full_snapshot(&*a.model);

        // Run B: a fresh model and trainer restored from that checkpoint, then the same step.
        let restore = |load_trainer_state: bool| {
            let mut b = Harness::new(99, &device);
            b.model.load(&model_path).unwrap();
            b.optimizer = b.optimizer.clone().from_bytes(main_optimizer.clone()).unwrap();
            let mut gan_b = trainer(config.clone());
            if load_trainer_state {
                gan_b.load_state(dir.path()).unwrap();
            }
            let output = b.train(&mut gan_b, &batch, 3, &device);
            (output, full_snapshot(&*b.model))
        };
        let (resumed, resumed_params) = restore(true);
        assert_eq!(resumed.loss.value(), expected.loss.value(), "{:?} vs {:?}", resumed.metrics.iter().map(|(n, v)| (*n, v.value())).collect::<Vec<_>>(), expected.metrics.iter().map(|(n, v)| (*n, v.value())).collect::<Vec<_>>());
        for name in ["d_loss", "g_loss", "d_real", "d_fake"] {
            assert_eq!(metric(&resumed, name), metric(&expected, name), "{name}");
        }
        // Every parameter and batch-norm running statistic (the visitor sees both) is equal.
        assert!(resumed_params == expected_params, "parameters after the resumed step differ");
        // Without the trainer's state the discriminator's Adam restarts, and the step differs.
        let (_, fresh_params) = restore(false);
        assert!(changed(&fresh_params.1, &expected_params.1) > 0, "the discriminator optimizer state made no difference");
    }

    #[test]
    fn load_state_names_a_missing_or_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut gan = trainer(GanTrainerConfig::default());
        let error = gan.load_state(dir.path()).unwrap_err().to_string();
        assert!(error.contains(DISCRIMINATOR_OPTIMIZER_FILE), "{error}");
        std::fs::write(dir.path().join(DISCRIMINATOR_OPTIMIZER_FILE), b"not burnpack").unwrap();
        let error = gan.load_state(dir.path()).unwrap_err().to_string();
        assert!(error.contains(DISCRIMINATOR_OPTIMIZER_FILE) && error.contains("not a discriminator optimizer state"), "{error}");
    }

    #[derive(Module, Debug)]
    struct NotAGan {
        layer: Linear,
    }

    impl Model for NotAGan {
        type Config = ();
        type Output = Tensor<2>;
        fn reads(_: &()) -> Vec<frameworm_core::FieldNeed> {
            vec![frameworm_core::FieldNeed::float("image").dims([Some(1), Some(8), Some(8)])]
        }
        fn new(_: &(), _: &Schema, device: &Device) -> Result<Self, ComponentError> {
            Ok(NotAGan { layer: LinearConfig::new(64, 1).init(device) })
        }
        fn forward(&self, batch: &Batch) -> Result<Tensor<2>, ComponentError> {
            Ok(self.layer.forward(batch.image()?.flatten(1, 3)))
        }
        fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
            Ok(LossOutput::new(self.forward(batch)?.mean()))
        }
    }

    #[test]
    fn another_model_is_a_clear_error() {
        let _rng = rng_lock();
        let device = Device::default().autodiff();
        let mut model = frameworm_core::erase(NotAGan::new(&(), &image_info(1, 8, 8), &device).unwrap());
        let mut optimizer = AdamConfig::new().init();
        let (mut hooks, mut hook_context) = (HookRegistry::new(), HookContext::default());
        let mut step = StepContext { model: &mut *model, optimizer: &mut optimizer, lr: 1e-3, last_batch: false, hooks: &mut hooks, hook_context: &mut hook_context };
        let batch = Batch::images(pattern_images(2, 1, 8, 8, &device), None);
        let mut gan = trainer(GanTrainerConfig::default());
        let checked = gan.check_model(&*step.model).err().unwrap().to_string();
        let trained = gan.training_step(&mut step, &batch, 0).err().unwrap().to_string();
        let validated = gan.validation_step(&mut step, &batch, 0).err().unwrap().to_string();
        for message in [checked, trained, validated] {
            assert!(message.contains("trainer `gan` trains the `dcgan` model") && message.contains("NotAGan"), "{message}");
            assert!(message.contains("frameworm_plugin_dcgan::Dcgan"), "{message}");
        }
    }

    #[test]
    fn config_is_validated() {
        let error = |config: GanTrainerConfig| GanTrainer::from_config(config).err().unwrap().to_string();
        assert_eq!(GanTrainer::from_config(GanTrainerConfig::default()).unwrap().config(), &GanTrainerConfig::default());
        let message = error(GanTrainerConfig { discriminator_lr: 0.0, ..GanTrainerConfig::default() });
        assert!(message.starts_with("trainer.gan.discriminator_lr: must be a positive number"), "{message}");
        let message = error(GanTrainerConfig { discriminator_lr: f64::NAN, ..GanTrainerConfig::default() });
        assert!(message.starts_with("trainer.gan.discriminator_lr:"), "{message}");
        let message = error(GanTrainerConfig { discriminator_betas: [0.5, 1.0], ..GanTrainerConfig::default() });
        assert!(message.starts_with("trainer.gan.discriminator_betas.1: must be in [0, 1)"), "{message}");
        let message = error(GanTrainerConfig { discriminator_steps: 0, ..GanTrainerConfig::default() });
        assert_eq!(message, "trainer.gan.discriminator_steps: must be at least 1");
        let parse = |text: &str| parse_yaml_section::<GanTrainerConfig>("trainer.gan", text);
        assert_eq!(parse("discriminator_steps: 2").unwrap(), GanTrainerConfig { discriminator_steps: 2, ..GanTrainerConfig::default() });
        let message = parse("d_lr: 1.0").unwrap_err().to_string();
        assert!(message.contains("unknown field `d_lr`"), "{message}");
    }
}
