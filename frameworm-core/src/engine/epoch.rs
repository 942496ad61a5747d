//! The loop of a prepared [`Run`]: epochs, steps, validation, epoch metrics and logs, and the
//! checkpoint at the end of an epoch (or where a pause leaves it mid-epoch).

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::progress::ProgressEvent;
use super::run::Run;
use super::scoring::MetricScores;
use super::error::TrainError;
use super::{best, checkpoint, seed, sums};
use crate::contract::{Batch, FireHooks, HookEvent, Metrics, ModelView, Outcome, StepContext};
use crate::data;

impl Run<'_> {
    pub(super) fn fire(&mut self, event: &HookEvent<'_>) -> Result<(), TrainError> {
        Ok(self.hooks.fire(event, &mut self.ctx)?)
    }

    fn interrupted(&self) -> bool {
        self.interrupt.as_ref().is_some_and(|flag| flag.load(Ordering::SeqCst))
    }

    /// The loop.
    pub(super) fn execute(&mut self) -> Result<Outcome, TrainError> {
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
            // At on_epoch_begin no batch of this epoch has run: index 0 (after a mid-epoch resume,
            // the batch it stopped after). Each batch then sets its own.
            self.ctx.batch_idx = first_batch.saturating_sub(1);
            let epoch_started = Instant::now();
            let samples_before = self.samples;
            if first_batch == 0 {
                self.fire(&HookEvent::EpochBegin)?;
            }
            self.progress.send(ProgressEvent::EpochStarted { epoch, epochs, batches, done: first_batch });
            let shuffle = run.data.shuffle.then(|| seed::mix(self.state.seed, epoch as u64 + 1));
            let loader = data::epoch_loader(&self.train, batch_size, shuffle, first_batch, run.data.num_workers, &self.train_device);
            let mut batch_idx = first_batch;
            let mut paused = None;
            for batch in data::prefetched(&loader, self.prefetch) {
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
                self.progress.send(ProgressEvent::Abandoned);
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
        self.train_device.seed(seed::mix(self.state.seed, self.state.step.wrapping_add(1) << 1));
        let lr = self.scheduler.step().base();
        let output = {
            let mut step = StepContext {
                model: &mut *self.model,
                optimizer: &mut self.optimizer,
                lr,
                last_batch: batch_idx + 1 == batches,
                hooks: &mut self.hooks,
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
        sums::add(&mut self.state.epoch_sums, "loss", loss, items);
        for (name, value) in &output.metrics {
            let value = value.value();
            sums::add(&mut self.state.epoch_sums, name, value, items);
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
        self.progress.send(ProgressEvent::Step { step: self.state.step, loss, samples_per_second: items / elapsed });
        Ok(())
    }

    /// Validation, epoch metrics, hooks, logs and the checkpoint at the end of an epoch.
    fn finish_epoch(&mut self, epoch: usize, started: Instant, samples_before: usize) -> Result<(), TrainError> {
        let run = &self.config.run;
        let mut metrics = sums::means(&self.state.epoch_sums);
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
        self.progress.send(ProgressEvent::EpochFinished {
            epoch,
            epochs: run.training.epochs,
            metrics: &metrics,
            elapsed,
            samples_per_second: samples / elapsed.as_secs_f64().max(1e-9),
        });
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

    /// Whether this epoch improved the monitored metric (and records it).
    fn update_best(&mut self, epoch: usize, metrics: &Metrics) -> bool {
        let Some(best) = best::improvement(self.state.best.as_ref(), &self.monitor, epoch, metrics) else { return false };
        self.state.best = Some(best);
        true
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
        self.device.seed(seed::mix(self.state.seed, seed::VALIDATION_SALT ^ self.state.epoch as u64));
        let mut sums = sums::Sums::new();
        let mut scores = MetricScores::new(&self.metrics);
        for (batch_idx, batch) in data::prefetched(&loader, self.prefetch).enumerate() {
            let batch = batch.map_err(|error| TrainError::Data(error.to_string()))?;
            let items = batch.len() as f64;
            let output = {
                let mut step = StepContext::for_validation(&mut *model, &mut self.optimizer, &mut self.hooks, &mut self.ctx);
                self.trainer.validation_step(&mut step, &batch, batch_idx)?
            };
            sums::add(&mut sums, "val_loss", output.loss.value(), items);
            for (name, value) in &output.metrics {
                sums::add(&mut sums, &format!("val_{name}"), value.value(), items);
            }
            scores.add_batch(&*model, &batch)?;
        }
        let mut metrics = sums::means(&sums);
        let sample_seed = seed::mix(self.state.seed, seed::SAMPLE_SALT ^ self.state.epoch as u64);
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
        self.state.callbacks = self.hooks.save_states();
        let snapshot = checkpoint::Snapshot {
            model: &*self.model,
            optimizer: &self.optimizer,
            scheduler: &self.scheduler,
            trainer: Some(&*self.trainer),
            state: &self.state,
            config_yaml: &self.resolved_config,
        };
        let path = checkpoint::write(&self.checkpoints, &format!("step-{:08}", self.state.step), &snapshot)?;
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
