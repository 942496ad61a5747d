//! A run prepared for its loop: the plan's components, the optimizer and scheduler, the hooks
//! it fires (the plugins' plus its own callbacks), its run folder and log, and the checkpoint
//! state it restored. [`Run::prepare`] assembles it; `epoch.rs` runs it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use burn::optim::ModuleOptimizer;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::tensor::Device;

use super::checkpoint::{self, CheckpointState};
use super::progress::{Progress, ProgressEvent};
use super::resume::{self, ResumeTarget};
use super::run_dir::{self, MetricsLog, RunLock};
use super::error::TrainError;
use super::optim;
use super::precision;
use super::options::TrainOptions;
use super::parallel::DataParallel;
use crate::config::Config;
use crate::contract::{CheckpointInfo, DynModel, FireHooks, HookContext, HookEvent, NamedMetric, RunHooks, TrainReport, Trainer};
use crate::data::Subset;
use crate::fsio::write_atomic;
use crate::registry::Registry;
use crate::session::{Monitor, RunPlan};

/// Everything a run is made of.
pub(super) struct Run<'a> {
    pub(super) config: &'a Config,
    pub(super) hooks: RunHooks<'a>,
    pub(super) device: Device,
    pub(super) train_device: Device,
    /// Every device of the run with the name messages use, the model's first.
    pub(super) devices: Vec<(String, Device)>,
    pub(super) train: Subset,
    pub(super) validation: Option<Subset>,
    pub(super) model: Box<dyn DynModel>,
    pub(super) trainer: Box<dyn Trainer>,
    pub(super) metrics: Vec<NamedMetric>,
    pub(super) optimizer: ModuleOptimizer,
    pub(super) scheduler: ModuleLrScheduler,
    pub(super) run_dir: PathBuf,
    pub(super) resolved_config: String,
    pub(super) checkpoints: PathBuf,
    pub(super) monitor: Monitor,
    pub(super) state: CheckpointState,
    pub(super) ctx: HookContext,
    pub(super) progress: Progress,
    pub(super) log: Option<MetricsLog>,
    pub(super) interrupt: Option<Arc<AtomicBool>>,
    pub(super) latest: Option<PathBuf>,
    pub(super) resumed_from: Option<PathBuf>,
    pub(super) samples: usize,
    pub(super) busy: Duration,
    /// Held until the run is dropped: no other `train` writes into `run_dir` meanwhile.
    pub(super) lock: Option<RunLock>,
    /// Batches loaded ahead of the training and validation loops (`data.prefetch` for this device).
    pub(super) prefetch: usize,
}

impl<'a> Run<'a> {
    /// Plans the run, builds its optimizer and scheduler, locks and restores what it resumes
    /// from, and only then creates (or reopens) its run folder: a refused run writes nothing.
    pub(super) fn prepare(registry: &'a mut Registry, config: &'a Config, options: &TrainOptions) -> Result<Run<'a>, TrainError> {
        // Every device with the name messages use, the model's first.
        let mut devices: Vec<(String, Device)> = std::iter::once(&options.device)
            .chain(&options.data_parallel)
            .enumerate()
            .map(|(index, device)| (options.device_names.get(index).cloned().unwrap_or_else(|| format!("{device:?}")), device.clone()))
            .collect();
        precision::apply(config, devices.iter_mut().map(|(_, device)| device))?;
        let device = options.device.clone();
        let train_device = device.clone().autodiff();
        let mut plan = RunPlan::new(registry, config, &device, &train_device)?;
        if !options.data_parallel.is_empty() {
            if !plan.trainer.data_parallel() {
                return Err(config.error_at(
                    "trainer.name",
                    format!(
                        "trainer `{}` trains on one device (it reaches the model or keeps optimizers of its own); drop `--devices`/`training.devices`, or use a trainer that supports several devices such as `default`",
                        config.run.trainer.name
                    ),
                )
                .into());
            }
            let devices = std::iter::once(train_device.clone()).chain(options.data_parallel.iter().map(|d| d.clone().autodiff())).collect();
            plan.model = Box::new(DataParallel::new(plan.model, devices));
        }
        let (optimizer, scheduler) = optim::for_run(config, plan.data.train.indices.len())?;
        let ResumeTarget { checkpoint, folder, lock } = resume::locate(config, options.resume.as_ref())?;
        let mut hooks = RunHooks::new(registry.hooks_mut());
        for planned in plan.callbacks {
            hooks.add_callback(&planned.plugin, &planned.name, 0, planned.hooks, planned.callback);
        }
        let run = &config.run;
        let mut state = CheckpointState::new(&run.model.name, plan.model.type_name(), run.seed);
        state.data = Some(plan.data.schema.clone());
        let mut engine = Run {
            config,
            hooks,
            devices,
            prefetch: run.data.prefetch_depth(crate::device::on_cpu(&device)),
            device,
            train_device,
            train: plan.data.train,
            validation: plan.data.validation,
            model: plan.model,
            trainer: plan.trainer,
            metrics: plan.metrics,
            optimizer,
            scheduler,
            run_dir: PathBuf::new(),
            resolved_config: plan.resolved_config,
            checkpoints: PathBuf::new(),
            monitor: plan.monitor,
            state,
            ctx: HookContext::default(),
            progress: Progress::new(options.progress.clone()),
            log: None,
            interrupt: options.interrupt.clone(),
            latest: None,
            resumed_from: None,
            samples: 0,
            busy: Duration::ZERO,
            lock,
        };
        if let Some(dir) = checkpoint {
            engine.restore(&dir)?;
        }
        engine.open_folder(folder, plan.columns)?;
        Ok(engine)
    }

    /// Creates the run folder (or continues in the resumed one), writes the resolved config and
    /// opens the metrics log.
    fn open_folder(&mut self, existing: Option<PathBuf>, columns: BTreeSet<String>) -> Result<(), TrainError> {
        let run_dir = match existing {
            Some(folder) => folder,
            None => {
                let folder = run_dir::create(&self.config.run.output_dir, &self.config.run_name())?;
                self.lock = Some(RunLock::acquire(&folder)?);
                folder
            }
        };
        write_atomic(&run_dir.join("config.yaml"), self.resolved_config.as_bytes())?;
        self.checkpoints = run_dir.join("checkpoints");
        self.run_dir = run_dir;
        let resume = self.resumed_from.as_ref().map(|_| (self.state.epoch, self.state.step));
        self.log = Some(MetricsLog::open(&self.run_dir, columns.into_iter().collect(), resume)?);
        Ok(())
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
        checkpoint::restore(dir, &state, &self.config.run.model.name, &mut *self.model, &mut self.optimizer, &mut self.scheduler, Some(&mut *self.trainer))?;
        let unknown = self.hooks.load_states(state.callbacks.clone()).map_err(TrainError::Resume)?;
        for key in unknown {
            self.progress.note(&format!("note: the checkpoint has state for callback `{key}`, which this run does not use"));
        }
        let data = self.state.data.take();
        self.state = state;
        self.state.data = data;
        self.latest = Some(dir.to_path_buf());
        self.resumed_from = Some(dir.to_path_buf());
        let info = CheckpointInfo { path: dir.to_path_buf(), epoch: self.state.epoch, step: self.state.step };
        self.ctx.epoch = self.state.epoch;
        self.ctx.step = self.state.step;
        self.fire(&HookEvent::CheckpointLoad(&info))
    }

    /// Runs the loop and reports; on failure fires `on_error` (unless a hook failed: it has
    /// fired already) and flushes the log before returning the error.
    pub(super) fn execute_to_report(mut self) -> Result<TrainReport, TrainError> {
        let executed = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.execute())) {
            Ok(executed) => executed,
            Err(panic) => Err(self.lost_device(panic)),
        };
        let outcome = match executed {
            Ok(outcome) => outcome,
            Err(error) => {
                self.progress.send(ProgressEvent::Abandoned);
                if !matches!(error, TrainError::Hook(_)) {
                    let message = error.to_string();
                    // The run already failed; a failing on_error subscriber cannot make it worse.
                    let _ = self.hooks.fire(&HookEvent::Error(&message), &mut self.ctx);
                }
                if let Some(log) = &mut self.log {
                    let _ = log.flush();
                }
                return Err(error);
            }
        };
        Ok(TrainReport {
            run_dir: self.run_dir.clone(),
            outcome,
            epochs: self.state.epoch,
            steps: self.state.step,
            metrics: self.state.metrics.clone(),
            best: self.state.best.clone(),
            checkpoint: self.latest.clone(),
            resumed_from: self.resumed_from.clone(),
            seconds: self.busy.as_secs_f64(),
            samples_per_second: if self.busy.is_zero() { 0.0 } else { self.samples as f64 / self.busy.as_secs_f64() },
        })
    }

    /// After the loop panicked: the first device that no longer answers, as the run's error
    /// (burn-remote panics on a read from a server that went away). Where every device answers
    /// the panic was not a lost device, and goes on as it was.
    fn lost_device(&self, panic: Box<dyn std::any::Any + Send>) -> TrainError {
        if self.devices.len() > 1 || crate::device::is_remote_spec(&self.devices[0].0) {
            for (index, (name, device)) in self.devices.iter().enumerate() {
                if let Err(reason) = crate::device::answers(device, DEVICE_PROBE_TIMEOUT) {
                    return TrainError::DeviceLost {
                        name: name.clone(),
                        position: index + 1,
                        count: self.devices.len(),
                        reason,
                        epoch: self.state.epoch + 1,
                        step: self.state.step,
                        checkpoint: self.latest.clone(),
                    };
                }
            }
        }
        std::panic::resume_unwind(panic)
    }
}

/// How long a device may take to answer after a failed step before it counts as lost.
const DEVICE_PROBE_TIMEOUT: Duration = Duration::from_secs(10);
