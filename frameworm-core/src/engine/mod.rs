//! The training engine: builds a run from a [`Config`] and the [`Registry`], and owns the loop
//! (burn-train's `Learner` has no per-step hooks). Per step: `on_batch_begin` → the trainer's
//! `training_step` (forward, `on_backward_begin`, backward, `on_backward_end`,
//! `on_optimizer_step`, step) → `on_batch_end`; per epoch `on_epoch_begin`, validation between
//! `on_validation_begin`/`on_validation_end`, `on_epoch_end`, then the checkpoint and
//! `on_checkpoint_save`; `on_error` on any failure.
//!
//! Determinism: parameter init is seeded from `seed`, the split from `seed`, each epoch's
//! shuffle from (`seed`, epoch), each step's noise from (`seed`, step) and validation noise from
//! (`seed`, epoch), so a run resumed from
//! any checkpoint replays exactly what an uninterrupted run does on the CPU backend.

pub mod checkpoint;
pub mod data;
pub mod evaluate;
pub mod optim;
pub mod prefetch;
pub mod progress;
pub mod run_dir;
pub mod scoring;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use burn::optim::ModuleOptimizer;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::tensor::Device;
use frameworm_manifest::Kind;

use crate::batch::{Batch, DataInfo};
use crate::callback::CheckpointInfo;
use crate::config::{Config, ConfigError, MonitorMode};
use crate::error::ComponentError;
use crate::hooks::{HookContext, HookEvent, HookFailure, Metrics, ModelView, StopRequest};
use crate::model::DynModel;
use crate::error::RegistryError;
use crate::registry::Registry;
use crate::trainer::{StepContext, StepError, Trainer};
use checkpoint::{Best, CheckpointError, CheckpointState};
use data::{PluginItems, Subset};
use progress::Progress;
use run_dir::{LockError, MetricsLog, RunDirError, RunLock};
use scoring::{MetricScores, NamedMetric};

/// Where to resume from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// The newest run folder of this config's run name that has a checkpoint.
    Auto,
    /// A checkpoint folder, a run folder, or a `checkpoints` folder.
    Path(PathBuf),
}

/// How to run.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The device to train on (its autodiff form is used for training).
    pub device: Device,
    /// No progress bar and no per-epoch lines.
    pub quiet: bool,
    /// Continue from a checkpoint.
    pub resume: Option<Resume>,
    /// Set (by a Ctrl-C handler) to stop after the current step with a checkpoint.
    pub interrupt: Option<Arc<AtomicBool>>,
}

impl TrainOptions {
    /// Train on `device`, with progress output, no resume and no interrupt flag.
    pub fn on(device: Device) -> Self {
        TrainOptions { device, quiet: false, resume: None, interrupt: None }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every epoch ran.
    Completed,
    /// A hook asked to stop (early stopping).
    Stopped(StopRequest),
    /// `training.max_steps` was reached; the checkpoint resumes mid-epoch.
    MaxSteps,
    /// Interrupted (Ctrl-C); the checkpoint resumes where it stopped.
    Interrupted,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// The run folder.
    pub run_dir: PathBuf,
    /// How it ended.
    pub outcome: Outcome,
    /// Epochs finished (in all, counting those before a resume).
    pub epochs: usize,
    /// Steps taken (in all).
    pub steps: u64,
    /// The last finished epoch's metrics.
    pub metrics: Metrics,
    /// The best monitored value.
    pub best: Option<Best>,
    /// The newest checkpoint.
    pub checkpoint: Option<PathBuf>,
    /// The checkpoint this run resumed from.
    pub resumed_from: Option<PathBuf>,
    /// Wall time of this process's training.
    pub seconds: f64,
    /// Training samples per second in this process.
    pub samples_per_second: f64,
}

/// A run failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The config is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A checkpoint could not be written or read.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The run folder could not be written.
    #[error(transparent)]
    RunDir(#[from] RunDirError),
    /// Another process trains into the run folder.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A hook failed or panicked.
    #[error(transparent)]
    Hook(#[from] HookFailure),
    /// A component failed while training.
    #[error(transparent)]
    Component(#[from] ComponentError),
    /// Loading a batch failed.
    #[error("loading data: {0}")]
    Data(String),
    /// The loss became NaN or infinite.
    #[error("the loss is {value} at epoch {epoch}, batch {batch} (step {step}); the last good checkpoint is kept. Lower `optimizer.lr`, set `optimizer.grad_clip_norm`, or check the data")]
    NonFinite {
        /// The value.
        value: f64,
        /// The epoch (1-based).
        epoch: usize,
        /// The batch (1-based).
        batch: usize,
        /// The step.
        step: u64,
    },
    /// Resuming is impossible.
    #[error("cannot resume: {0}")]
    Resume(String),
    /// A request that cannot be carried out as asked (e.g. sampling from a classifier).
    #[error("{0}")]
    Usage(String),
}

impl From<StepError> for TrainError {
    fn from(error: StepError) -> Self {
        match error {
            StepError::Hook(failure) => TrainError::Hook(failure),
            StepError::Component(error) => TrainError::Component(error),
        }
    }
}

/// Salt for the seed of samples drawn to score sample metrics (mixed with the epoch).
const SAMPLE_SALT: u64 = 0x5A4D_504C_4553;

/// Salt for the seed of the noise validation steps draw (mixed with the epoch).
const VALIDATION_SALT: u64 = 0x5641_4C49_4441;

/// A stable 64-bit mix (splitmix64) for deriving seeds.
fn mix(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Everything a run is made of.
struct Run<'a> {
    config: &'a Config,
    registry: &'a mut Registry,
    device: Device,
    train_device: Device,
    train: Subset,
    validation: Option<Subset>,
    model: Box<dyn DynModel>,
    trainer: Box<dyn Trainer>,
    metrics: Vec<NamedMetric>,
    optimizer: ModuleOptimizer,
    scheduler: ModuleLrScheduler,
    run_dir: PathBuf,
    resolved_config: String,
    checkpoints: PathBuf,
    monitor: Option<(String, bool)>,
    state: CheckpointState,
    ctx: HookContext,
    progress: Progress,
    log: Option<MetricsLog>,
    interrupt: Option<Arc<AtomicBool>>,
    latest: Option<PathBuf>,
    samples: usize,
    busy: Duration,
    /// Held until the run is dropped: no other `train` writes into `run_dir` meanwhile.
    _lock: Option<RunLock>,
    /// Batches loaded ahead of the training and validation loops (`data.prefetch` for this device).
    prefetch: usize,
}

/// Trains the model `config` describes. Callbacks named in the config are added to
/// `registry`'s hooks for this run.
pub fn train(registry: &mut Registry, config: &Config, options: TrainOptions) -> Result<TrainReport, TrainError> {
    let mut run = Run::prepare(registry, config, &options)?;
    let resumed_from = run.resume_point.take();
    let result = run.inner.execute();
    let run = run.inner;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => {
            let mut run = run;
            run.progress.abandon();
            if !matches!(error, TrainError::Hook(_)) {
                let message = error.to_string();
                // The run already failed; a failing on_error subscriber cannot make it worse.
                let _ = run.registry.hooks_mut().fire(&HookEvent::Error(&message), &mut run.ctx);
            }
            if let Some(log) = &mut run.log {
                let _ = log.flush();
            }
            return Err(error);
        }
    };
    Ok(TrainReport {
        run_dir: run.run_dir.clone(),
        outcome,
        epochs: run.state.epoch,
        steps: run.state.step,
        metrics: run.state.metrics.clone(),
        best: run.state.best.clone(),
        checkpoint: run.latest.clone(),
        resumed_from,
        seconds: run.busy.as_secs_f64(),
        samples_per_second: if run.busy.is_zero() { 0.0 } else { run.samples as f64 / run.busy.as_secs_f64() },
    })
}

/// A prepared run and the checkpoint it resumes from.
struct Prepared<'a> {
    inner: Run<'a>,
    resume_point: Option<PathBuf>,
}

impl<'a> Run<'a> {
    /// Builds every component, checks the metrics callbacks monitor, and restores a checkpoint.
    fn prepare(registry: &'a mut Registry, config: &'a Config, options: &TrainOptions) -> Result<Prepared<'a>, TrainError> {
        config.check(registry)?;
        let run = &config.run;
        let device = options.device.clone();
        let train_device = device.clone().autodiff();

        let RunData { train, validation, info } = prepare_data(registry, config)?;

        device.seed(run.seed);
        train_device.seed(run.seed);
        let model = registry
            .build_model(&run.model.name, &run.model.section, &info, &train_device)
            .map_err(|error| config.component_error("model", error))?;
        let trainer = registry
            .build_trainer(&run.trainer.name, &run.trainer.section)
            .map_err(|error| config.component_error("trainer", error))?;
        trainer.check_model(&*model).map_err(|error| config.component_error("trainer", RegistryError::Component(error)))?;
        let mut metrics = Vec::new();
        for (index, metric) in run.metrics.iter().enumerate() {
            let built = registry.build_metric(&metric.name, &metric.section).map_err(|e| config.component_error(&format!("metrics.{index}"), e))?;
            metrics.push((metric.name.clone(), built));
        }
        let mut callbacks = Vec::new();
        for (index, callback) in run.callbacks.iter().enumerate() {
            let path = format!("callbacks.{index}");
            let built = registry.build_callback(&callback.name, &callback.section).map_err(|e| config.component_error(&path, e))?;
            let meta = registry.metadata(Kind::Callback, &callback.name).map_err(|e| config.component_error(&path, e))?;
            callbacks.push((path, meta.plugin.clone(), meta.name.clone(), built));
        }

        // Which metrics will exist: probe one batch, then check every name callbacks monitor.
        let available = probe_metrics(config, &*model, &train, validation.is_some(), &metrics, &info, &device)?;
        let monitor_name = run
            .checkpoint
            .monitor
            .clone()
            .unwrap_or_else(|| if validation.is_some() { "val_loss".into() } else { "loss".into() });
        if !available.contains(&monitor_name) {
            let at = if run.checkpoint.monitor.is_some() { "checkpoint.monitor" } else { "checkpoint" };
            return Err(config.error_at(at, unknown_metric("checkpoint.monitor", &monitor_name, &available)).into());
        }
        for (path, _, name, callback) in &callbacks {
            for wanted in callback.monitored_metrics() {
                if !available.contains(&wanted) {
                    return Err(config.error_at(path, unknown_metric(&format!("callback `{name}` monitors"), &wanted, &available)).into());
                }
            }
        }
        let declared = |registry: &Registry, plugin: &str| registry.plugin(plugin).map(|p| p.hooks.to_vec()).unwrap_or_default();
        for (_, plugin, name, callback) in callbacks {
            let hooks = declared(registry, &plugin);
            registry.hooks_mut().add_callback(&plugin, &name, 0, hooks, callback);
        }

        let batches = data::batches(train.indices.len(), run.data.batch_size);
        let total_steps = (run.training.epochs * batches).max(1);
        let total_steps = run.training.max_steps.map_or(total_steps, |max| total_steps.min(max as usize)).max(1);
        let optimizer = optim::build_optimizer(&run.optimizer);
        let scheduler = optim::build_scheduler(&run.scheduler, run.optimizer.lr, total_steps, batches)
            .map_err(|message| config.error_at("scheduler", format!("scheduler: {message}")))?;

        // Where the run lives, and what it resumes from.
        let resume_from = match &options.resume {
            None => None,
            Some(Resume::Path(path)) => Some(path.clone()),
            Some(Resume::Auto) => {
                let name = config.run_name();
                let folder = run_dir::latest_with_checkpoint(&run.output_dir, &name).ok_or_else(|| {
                    TrainError::Resume(format!(
                        "no run folder `{name}-*` with a checkpoint under {}; start without --resume",
                        run.output_dir.display()
                    ))
                })?;
                Some(folder)
            }
        };
        let resume_dir = resume_from.as_deref().map(checkpoint::resolve).transpose()?;
        // Resuming `<run>/checkpoints/step-N` continues in `<run>`: one writer per run folder, so
        // a second `train` into it is refused here, before anything is read or written.
        let existing = resume_dir.as_deref().and_then(run_folder_of);
        let lock = existing.as_deref().map(RunLock::acquire).transpose()?;
        let resume_dir = match (&existing, resume_from) {
            (Some(folder), Some(path)) => {
                run_dir::remove_leftovers(folder);
                // Under the lock, `latest` can no longer move: resolve it again (a run that held
                // the folder a moment ago may have moved it and pruned the folder it pointed to).
                Some(checkpoint::resolve(&path)?)
            }
            _ => resume_dir,
        };
        let resolved = serde_yaml::to_string(&config.resolved(registry)).unwrap_or_default();

        // A metric plugin knows which way is better; other names follow the mode's naming rule.
        let plugin_metric = metrics.iter().find(|(name, _)| monitor_name == *name || monitor_name == format!("val_{name}"));
        let higher_is_better = match (run.checkpoint.mode, plugin_metric) {
            (MonitorMode::Auto, Some((_, metric))) => metric.higher_is_better(),
            (mode, _) => mode.higher_is_better(&monitor_name),
        };
        let monitor = Some((monitor_name.clone(), higher_is_better));
        let prefetch = run.data.prefetch_depth(crate::device::on_cpu(&device));
        let mut engine = Run {
            config,
            registry,
            device,
            train_device,
            train,
            validation,
            model,
            trainer,
            metrics,
            optimizer,
            scheduler,
            // Set below, once a checkpoint to resume from is known to fit.
            checkpoints: PathBuf::new(),
            run_dir: PathBuf::new(),
            resolved_config: resolved,
            monitor,
            state: CheckpointState::new(&run.model.name, "", run.seed),
            ctx: HookContext::default(),
            progress: Progress::new(options.quiet, run.training.epochs),
            log: None,
            interrupt: options.interrupt.clone(),
            latest: None,
            samples: 0,
            busy: Duration::ZERO,
            _lock: lock,
            prefetch,
        };
        engine.state.model_type = engine.model.type_name().to_string();
        if let Some(dir) = &resume_dir {
            engine.restore(dir)?;
        }
        // Only now touch the file system: a refused resume leaves no new folder and the old
        // run's config.yaml as it was.
        let run_dir = match existing {
            Some(folder) => folder,
            None => {
                let folder = run_dir::create(&run.output_dir, &config.run_name())?;
                engine._lock = Some(RunLock::acquire(&folder)?);
                folder
            }
        };
        run_dir::write_atomic(&run_dir.join("config.yaml"), engine.resolved_config.as_bytes())?;
        engine.checkpoints = run_dir.join("checkpoints");
        engine.run_dir = run_dir;
        engine.state.data = Some(info);
        let mut columns: BTreeSet<String> = available;
        columns.insert("lr".into());
        let resume = resume_dir.as_ref().map(|_| (engine.state.epoch, engine.state.step));
        engine.log = Some(MetricsLog::open(&engine.run_dir, columns.into_iter().collect(), resume)?);
        Ok(Prepared { inner: engine, resume_point: resume_dir })
    }

    /// Restores checkpoint folder `dir`.
    fn restore(&mut self, dir: &Path) -> Result<(), TrainError> {
        let state = checkpoint::read_state(dir)?;
        if state.seed != self.state.seed {
            self.progress.note(&format!(
                "note: the checkpoint was trained with seed {}, the config says {}; continuing with the checkpoint's",
                state.seed, self.state.seed
            ));
        }
        checkpoint::restore(
            dir,
            &state,
            &self.config.run.model.name,
            &mut *self.model,
            &mut self.optimizer,
            &mut self.scheduler,
            Some(&mut *self.trainer),
        )?;
        let unknown = self.registry.hooks_mut().load_states(state.callbacks.clone()).map_err(TrainError::Resume)?;
        for key in unknown {
            self.progress.note(&format!("note: the checkpoint has state for callback `{key}`, which this run does not use"));
        }
        self.state = state;
        self.latest = Some(dir.to_path_buf());
        let info = CheckpointInfo { path: dir.to_path_buf(), epoch: self.state.epoch, step: self.state.step };
        self.ctx.epoch = self.state.epoch;
        self.ctx.step = self.state.step;
        self.registry.hooks_mut().fire(&HookEvent::CheckpointLoad(&info), &mut self.ctx)?;
        Ok(())
    }

    fn fire(&mut self, event: &HookEvent<'_>) -> Result<(), TrainError> {
        Ok(self.registry.hooks_mut().fire(event, &mut self.ctx)?)
    }

    fn interrupted(&self) -> bool {
        self.interrupt.as_ref().is_some_and(|flag| flag.load(Ordering::SeqCst))
    }

    /// The loop.
    fn execute(&mut self) -> Result<Outcome, TrainError> {
        let run = &self.config.run;
        let epochs = run.training.epochs;
        let batch_size = run.data.batch_size;
        let batches = data::batches(self.train.indices.len(), batch_size);
        self.ctx.max_epochs = epochs;
        self.ctx.num_batches = batches;
        self.ctx.run_dir = Some(self.run_dir.clone());
        self.ctx.model = Some(ModelView::new(self.model.inference(), self.device.clone()));
        self.fire(&HookEvent::TrainBegin)?;
        let mut outcome = Outcome::Completed;

        while self.state.epoch < epochs {
            let epoch = self.state.epoch;
            self.ctx.epoch = epoch;
            let first_batch = self.state.next_batch;
            let epoch_started = Instant::now();
            let samples_before = self.samples;
            if first_batch == 0 {
                self.fire(&HookEvent::EpochBegin)?;
            }
            self.progress.start_epoch(epoch, batches, first_batch);
            let shuffle = run.data.shuffle.then(|| mix(self.state.seed, epoch as u64 + 1));
            let loader = data::epoch_loader(&self.train, batch_size, shuffle, first_batch, run.data.num_workers, &self.train_device);
            let mut batch_idx = first_batch;
            let mut paused = None;
            for batch in prefetch::batches(&loader, self.prefetch) {
                let batch = batch.map_err(|error| TrainError::Data(error.to_string()))?;
                self.train_step(&batch, batch_idx, batches)?;
                batch_idx += 1;
                self.state.next_batch = batch_idx;
                if self.interrupted() {
                    paused = Some(Outcome::Interrupted);
                } else if run.training.max_steps.is_some_and(|max| self.state.step >= max) {
                    paused = Some(Outcome::MaxSteps);
                }
                if paused.is_some() || self.ctx.stop_requested().is_some() {
                    break;
                }
            }
            self.busy += epoch_started.elapsed();
            if let Some(pause) = paused {
                // Mid-epoch: keep the exact position; the epoch's end runs after the resume.
                self.progress.abandon();
                self.save_checkpoint(false)?;
                outcome = pause;
                break;
            }
            self.finish_epoch(epoch, epoch_started, samples_before)?;
            if let Some(request) = self.ctx.stop_requested() {
                outcome = Outcome::Stopped(request.clone());
                break;
            }
        }
        if let Some(log) = &mut self.log {
            log.flush()?;
        }
        self.fire(&HookEvent::TrainEnd)?;
        checkpoint::prune(&self.checkpoints);
        Ok(outcome)
    }

    /// One training step.
    fn train_step(&mut self, batch: &Batch, batch_idx: usize, batches: usize) -> Result<(), TrainError> {
        let step_started = Instant::now();
        self.ctx.batch_idx = batch_idx;
        self.ctx.step = self.state.step;
        self.fire(&HookEvent::BatchBegin)?;
        self.train_device.seed(mix(self.state.seed, self.state.step.wrapping_add(1) << 1));
        let lr = self.scheduler.step().base();
        let output = {
            let mut step = StepContext {
                model: &mut *self.model,
                optimizer: &mut self.optimizer,
                lr,
                last_batch: batch_idx + 1 == batches,
                hooks: self.registry.hooks_mut(),
                hook_context: &mut self.ctx,
            };
            self.trainer.training_step(&mut step, batch, batch_idx)?
        };
        let loss = output.loss.value();
        self.state.step += 1;
        if !loss.is_finite() {
            return Err(TrainError::NonFinite { value: loss, epoch: self.state.epoch + 1, batch: batch_idx + 1, step: self.state.step });
        }
        let items = batch.len() as f64;
        let mut row = serde_json::Map::new();
        row.insert("epoch".into(), (self.state.epoch + 1).into());
        row.insert("batch".into(), (batch_idx + 1).into());
        row.insert("step".into(), self.state.step.into());
        row.insert("loss".into(), loss.into());
        add_sum(&mut self.state.epoch_sums, "loss", loss, items);
        for (name, value) in &output.metrics {
            let value = value.value();
            add_sum(&mut self.state.epoch_sums, name, value, items);
            row.insert((*name).into(), value.into());
        }
        row.insert("lr".into(), lr.into());
        self.fire(&HookEvent::BatchEnd(&output.loss))?;
        self.samples += batch.len();
        let elapsed = step_started.elapsed().as_secs_f64().max(1e-9);
        row.insert("samples_per_sec".into(), (items / elapsed).round().into());
        if self.state.step % self.config.run.training.log_every == 0
            && let Some(log) = &mut self.log
        {
            log.step(&serde_json::Value::Object(row))?;
        }
        self.progress.step(self.state.step, loss, items / elapsed);
        Ok(())
    }

    /// Validation, epoch metrics, hooks, logs and the checkpoint at the end of an epoch.
    fn finish_epoch(&mut self, epoch: usize, started: Instant, samples_before: usize) -> Result<(), TrainError> {
        let run = &self.config.run;
        let mut metrics = means(&self.state.epoch_sums);
        metrics.insert("lr".into(), self.scheduler.clone().step().base());
        let last = epoch + 1 == run.training.epochs || self.ctx.stop_requested().is_some();
        if self.validation.is_some() && ((epoch + 1) % run.training.val_every == 0 || last) {
            let validation = self.validate()?;
            metrics.extend(validation);
        }
        self.state.epoch_sums.clear();
        self.state.epoch = epoch + 1;
        self.state.next_batch = 0;
        let elapsed = started.elapsed();
        let samples = (self.samples - samples_before) as f64;
        self.ctx.model = Some(ModelView::new(self.model.inference(), self.device.clone()));
        self.fire(&HookEvent::EpochEnd(&metrics))?;
        self.progress.finish_epoch(epoch, &metrics, elapsed, samples / elapsed.as_secs_f64().max(1e-9));
        if let Some(log) = &mut self.log {
            log.epoch(epoch + 1, self.state.step, &metrics)?;
        }
        self.state.metrics = metrics.clone();
        let improved = self.update_best(epoch, &metrics);
        if run.checkpoint.enabled && (improved || last || (epoch + 1) % run.checkpoint.every == 0) {
            self.save_checkpoint(improved)?;
        }
        Ok(())
    }

    /// Whether this epoch improved the monitored metric.
    fn update_best(&mut self, epoch: usize, metrics: &Metrics) -> bool {
        let Some((name, higher)) = &self.monitor else { return false };
        let Some(&value) = metrics.get(name) else { return false };
        if !value.is_finite() {
            return false;
        }
        let better = match &self.state.best {
            None => true,
            Some(best) => if *higher { value > best.value } else { value < best.value },
        };
        if better {
            self.state.best = Some(Best { metric: name.clone(), value, epoch: epoch + 1 });
        }
        better
    }

    /// A validation pass.
    fn validate(&mut self) -> Result<Metrics, TrainError> {
        self.fire(&HookEvent::ValidationBegin)?;
        let run = &self.config.run;
        let subset = self.validation.as_ref().expect("validate runs only with validation data");
        let batch_size = run.data.val_batch_size.unwrap_or(run.data.batch_size);
        let loader = data::epoch_loader(subset, batch_size, None, 0, run.data.num_workers, &self.device);
        let mut model = self.model.inference();
        // Noise drawn while validating (a VAE's reparameterisation, a GAN's latents) is seeded
        // from the epoch, so a resumed run reports the same val_* as an uninterrupted one.
        self.device.seed(mix(self.state.seed, VALIDATION_SALT ^ self.state.epoch as u64));
        let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        let mut scores = MetricScores::new(&self.metrics);
        for (batch_idx, batch) in prefetch::batches(&loader, self.prefetch).enumerate() {
            let batch = batch.map_err(|error| TrainError::Data(error.to_string()))?;
            let items = batch.len() as f64;
            let output = {
                let mut step = StepContext {
                    model: &mut *model,
                    optimizer: &mut self.optimizer,
                    lr: 0.0,
                    last_batch: false,
                    hooks: self.registry.hooks_mut(),
                    hook_context: &mut self.ctx,
                };
                self.trainer.validation_step(&mut step, &batch, batch_idx)?
            };
            add_sum(&mut sums, "val_loss", output.loss.value(), items);
            for (name, value) in &output.metrics {
                add_sum(&mut sums, &format!("val_{name}"), value.value(), items);
            }
            scores.add_batch(&*model, &batch)?;
        }
        let mut metrics = means(&sums);
        let sample_seed = mix(self.state.seed, SAMPLE_SALT ^ self.state.epoch as u64);
        for (name, score) in scores.finish(&*model, &self.device, sample_seed)? {
            metrics.insert(format!("val_{name}"), score);
        }
        self.fire(&HookEvent::ValidationEnd(&metrics))?;
        Ok(metrics)
    }

    /// Writes a checkpoint of the current state, moves `latest` (and `best`) to it.
    fn save_checkpoint(&mut self, best: bool) -> Result<(), TrainError> {
        if !self.config.run.checkpoint.enabled {
            return Ok(());
        }
        // Every step row up to the checkpoint is on disk before it (a resume keeps exactly those).
        if let Some(log) = &mut self.log {
            log.flush()?;
        }
        self.state.callbacks = self.registry.hooks().save_states();
        let path = checkpoint::write(
            &self.checkpoints,
            &format!("step-{:08}", self.state.step),
            &*self.model,
            &self.optimizer,
            &self.scheduler,
            Some(&*self.trainer),
            &self.state,
            &self.resolved_config,
        )?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        checkpoint::set_link(&self.checkpoints, "latest", &name)?;
        if best {
            checkpoint::set_link(&self.checkpoints, "best", &name)?;
        }
        checkpoint::prune(&self.checkpoints);
        self.latest = Some(path.clone());
        self.fire(&HookEvent::CheckpointSave(&path))?;
        Ok(())
    }
}

/// The data of a run: the training subset, the held-out subset and the item shape.
pub struct RunData {
    /// Items trained on.
    pub train: Subset,
    /// Held-out items (`val_dataset`, or `data.val_split` of `dataset`).
    pub validation: Option<Subset>,
    /// The item shape and class count models are built for.
    pub info: DataInfo,
}

/// Builds the datasets `config` names and splits them exactly as training does (same seed, same
/// split), so evaluation after training sees the same held-out items.
pub fn prepare_data(registry: &Registry, config: &Config) -> Result<RunData, TrainError> {
    let run = &config.run;
    let build_items = |registry: &Registry, path: &str, component: &crate::config::ComponentRef| {
        registry
            .build_dataset(&component.name, &component.section)
            .map(|dataset| PluginItems::new(dataset, format!("{path}.{}", component.name)))
            .map_err(|error| config.component_error(path, error))
    };
    let items = build_items(registry, "dataset", &run.dataset)?;
    if items_len(&items) == 0 {
        return Err(config.error_at("dataset", format!("dataset `{}` has no items", run.dataset.name)).into());
    }
    let info = items.info();
    let (train, validation) = match &run.val_dataset {
        Some(val) => {
            let val_items = build_items(registry, "val_dataset", val)?;
            let val_info = val_items.info();
            if (val_info.channels, val_info.height, val_info.width) != (info.channels, info.height, info.width) {
                return Err(config
                    .error_at(
                        "val_dataset",
                        format!(
                            "validation items are {}×{}×{} but training items are {}×{}×{}",
                            val_info.channels, val_info.height, val_info.width, info.channels, info.height, info.width
                        ),
                    )
                    .into());
            }
            (data::whole(items), (items_len(&val_items) > 0).then(|| data::whole(val_items)))
        }
        None => data::split(items, run.data.val_split, run.seed),
    };
    if train.indices.is_empty() {
        return Err(config.error_at("data.val_split", "no training items are left after the validation split").into());
    }
    Ok(RunData { train, validation, info })
}

fn items_len(items: &PluginItems) -> usize {
    burn::data::dataset::Dataset::len(items)
}

/// The run folder a checkpoint folder belongs to (`<run>/checkpoints/step-N` → `<run>`), if it
/// sits in one.
fn run_folder_of(checkpoint_dir: &Path) -> Option<PathBuf> {
    checkpoint_dir.parent().filter(|p| p.file_name().is_some_and(|n| n == "checkpoints")).and_then(Path::parent).map(Path::to_path_buf)
}

fn add_sum(sums: &mut BTreeMap<String, (f64, f64)>, name: &str, value: f64, items: f64) {
    let entry = sums.entry(name.to_string()).or_insert((0.0, 0.0));
    entry.0 += value * items;
    entry.1 += items;
}

/// Item-weighted means of sums kept by [`add_sum`].
fn means(sums: &BTreeMap<String, (f64, f64)>) -> Metrics {
    sums.iter().map(|(name, (sum, items))| (name.clone(), sum / items.max(1.0))).collect()
}

fn unknown_metric(what: &str, name: &str, available: &BTreeSet<String>) -> String {
    let hint = frameworm_manifest::suggest::did_you_mean(name, available.iter().map(String::as_str));
    let list: Vec<&str> = available.iter().map(String::as_str).collect();
    format!("{what} `{name}`, which no component of this run produces{hint}; available: {}", list.join(", "))
}

/// The epoch metric names this run will produce, found by evaluating one batch; also checks
/// that metric plugins have reconstructions and validation data to work on.
fn probe_metrics(
    config: &Config,
    model: &dyn DynModel,
    train: &Subset,
    validation: bool,
    metrics: &[NamedMetric],
    info: &DataInfo,
    device: &Device,
) -> Result<BTreeSet<String>, TrainError> {
    let probe_size = config.run.data.batch_size.min(train.indices.len()).max(1);
    let loader = data::epoch_loader(train, probe_size, None, 0, 0, device);
    let batch = loader
        .iter()
        .next()
        .ok_or_else(|| TrainError::Data("the training set yields no batch".into()))?
        .map_err(|error| TrainError::Data(error.to_string()))?;
    if info.num_classes.is_some() != batch.labels.is_some() {
        return Err(TrainError::Data(format!(
            "dataset `{}` declares {} but its items {}",
            config.run.dataset.name,
            if info.num_classes.is_some() { "classes" } else { "no classes" },
            if batch.labels.is_some() { "have labels" } else { "have none" }
        )));
    }
    let inference = model.inference();
    let output = inference.compute_loss(&batch);
    let mut names: BTreeSet<String> = std::iter::once("loss".to_string()).chain(output.metrics.iter().map(|(n, _)| n.to_string())).collect();
    if !metrics.is_empty() {
        if !validation {
            return Err(config.error_at("metrics", "metric plugins are computed on validation data: set `data.val_split` or `val_dataset`").into());
        }
        for (index, (name, metric)) in metrics.iter().enumerate() {
            if names.contains(name) {
                return Err(config
                    .error_at(
                        &format!("metrics.{index}"),
                        format!("metric plugin `{name}` would overwrite the `val_{name}` that model `{}` already reports; remove it from `metrics`", config.run.model.name),
                    )
                    .into());
            }
            if let Some(problem) = scoring::unsupported(name, metric.source(), &*inference, &config.run.model.name, &batch) {
                return Err(config.error_at(&format!("metrics.{index}"), problem).into());
            }
        }
    }
    if validation {
        let val: Vec<String> = names.iter().map(|n| format!("val_{n}")).chain(metrics.iter().map(|(n, _)| format!("val_{n}"))).collect();
        names.extend(val);
    }
    names.insert("lr".into());
    Ok(names)
}
