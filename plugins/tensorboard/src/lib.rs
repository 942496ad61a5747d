//! `tensorboard`: writes a run's scalars as TensorBoard event files, so `tensorboard --logdir
//! runs` plots every run side by side.
//!
//! ```text
//! <dir>/                                     default: <run folder>/tensorboard
//!   events.out.tfevents.<secs>.<host>.<pid>  one file per training session (a resume adds one)
//! ```
//!
//! Every epoch metric the engine passes to `on_epoch_end` (`loss`, the model's metrics, `val_*`,
//! `lr`) is written under its own name as the tag, at the global step the epoch ended on, so epoch
//! curves and `batch_loss` (every `log_every` training steps; 0 turns it off) share one x-axis.
//! TensorBoard reads every file of a folder in order, so a resumed run continues its curves.
//! Events are flushed at every epoch end and when training ends or fails.
//!
//! The format ([`events`]): TFRecord framing of `tensorflow.Event` protocol buffers, the first
//! event carrying `file_version: "brain.Event:2"`, each scalar a `Summary.Value` with
//! `simple_value`.

pub mod events;

use std::path::PathBuf;

use frameworm_core::{Callback, ComponentError, FromConfig, HookContext, HookResult, Metrics, Scalar};
use serde::{Deserialize, Serialize};

use events::EventWriter;

/// The `tensorboard` callback's config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TensorBoardConfig {
    /// Output folder (default: `<run folder>/tensorboard`).
    pub dir: Option<PathBuf>,
    /// Write `batch_loss` every this many training steps (default 50; 0 turns it off).
    pub log_every: u64,
}

impl Default for TensorBoardConfig {
    fn default() -> Self {
        TensorBoardConfig { dir: None, log_every: 50 }
    }
}

/// The callback: see the module docs.
#[derive(Debug)]
pub struct TensorBoard {
    config: TensorBoardConfig,
    /// The open event file, from `on_train_begin` on.
    writer: Option<EventWriter>,
}

impl FromConfig for TensorBoard {
    type Config = TensorBoardConfig;

    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        if config.dir.as_ref().is_some_and(|dir| dir.as_os_str().is_empty()) {
            return Err(ComponentError::Invalid("tensorboard: `dir` is empty; remove it to write into the run folder or name a folder".into()));
        }
        Ok(TensorBoard { config, writer: None })
    }
}

impl TensorBoard {
    /// The event file being written, once training has begun.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.writer.as_ref().map(EventWriter::path)
    }

    fn writer(&mut self) -> Result<&mut EventWriter, String> {
        self.writer.as_mut().ok_or_else(|| "tensorboard: a scalar was logged before on_train_begin".to_string())
    }

    fn close(&mut self) -> HookResult {
        match self.writer.take() {
            Some(mut writer) => writer.flush().map_err(|error| format!("tensorboard: {error}")),
            None => Ok(()),
        }
    }
}

impl Callback for TensorBoard {
    fn on_train_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        let dir = match (&self.config.dir, &ctx.run_dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(run_dir)) => run_dir.join("tensorboard"),
            (None, None) => return Err("tensorboard: no output folder: this run has no run folder, so set `dir` in the callback's config".into()),
        };
        self.writer = Some(EventWriter::create(&dir).map_err(|error| format!("tensorboard: {error}"))?);
        Ok(())
    }

    fn on_batch_end(&mut self, ctx: &mut HookContext, loss: &Scalar) -> HookResult {
        let every = self.config.log_every;
        if every == 0 || !ctx.step.is_multiple_of(every) {
            return Ok(());
        }
        let value = loss.value();
        self.writer()?.scalar("batch_loss", value, ctx.step).map_err(|error| format!("tensorboard: {error}"))
    }

    fn on_epoch_end(&mut self, ctx: &mut HookContext, metrics: &Metrics) -> HookResult {
        let step = ctx.step;
        let writer = self.writer()?;
        for (name, &value) in metrics {
            writer.scalar(name, value, step).map_err(|error| format!("tensorboard: {error}"))?;
        }
        writer.flush().map_err(|error| format!("tensorboard: {error}"))
    }

    fn on_train_end(&mut self, _ctx: &mut HookContext) -> HookResult {
        self.close()
    }

    fn on_error(&mut self, _ctx: &mut HookContext, _error: &str) -> HookResult {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::parse_yaml_section;

    fn ctx(run_dir: &std::path::Path) -> HookContext {
        let mut ctx = HookContext::default();
        ctx.run_dir = Some(run_dir.to_path_buf());
        ctx
    }

    #[test]
    fn epoch_metrics_and_the_batch_loss_are_read_back_at_their_steps() {
        let run = tempfile::tempdir().unwrap();
        let mut board = TensorBoard::from_config(TensorBoardConfig { dir: None, log_every: 2 }).unwrap();
        let mut ctx = ctx(run.path());
        board.on_train_begin(&mut ctx).unwrap();
        let path = board.path().unwrap().to_path_buf();
        assert_eq!(path.parent().unwrap(), run.path().join("tensorboard"));
        assert!(path.file_name().unwrap().to_str().unwrap().starts_with("events.out.tfevents."), "{path:?}");
        for step in 1..=4 {
            ctx.step = step;
            board.on_batch_end(&mut ctx, &Scalar::from(step as f64 / 10.0)).unwrap();
        }
        let metrics: Metrics = [("loss".to_string(), 0.5), ("val_accuracy".to_string(), 0.875)].into_iter().collect();
        board.on_epoch_end(&mut ctx, &metrics).unwrap();
        board.on_train_end(&mut ctx).unwrap();

        let events = events::read(&path).unwrap();
        assert_eq!(events[0].file_version, "brain.Event:2");
        let scalars: Vec<(String, f32, i64)> = events[1..].iter().flat_map(events::scalars).collect();
        assert_eq!(
            scalars,
            [
                ("batch_loss".to_string(), 0.2, 2),
                ("batch_loss".to_string(), 0.4, 4),
                ("loss".to_string(), 0.5, 4),
                ("val_accuracy".to_string(), 0.875, 4)
            ]
        );
    }

    #[test]
    fn a_resumed_run_adds_a_file_and_bad_configs_are_refused() {
        let run = tempfile::tempdir().unwrap();
        let mut first = TensorBoard::from_config(TensorBoardConfig::default()).unwrap();
        first.on_train_begin(&mut ctx(run.path())).unwrap();
        first.on_error(&mut ctx(run.path()), "stopped").unwrap();
        let mut second = TensorBoard::from_config(TensorBoardConfig::default()).unwrap();
        second.on_train_begin(&mut ctx(run.path())).unwrap();
        assert_ne!(first.path(), second.path());
        assert_eq!(std::fs::read_dir(run.path().join("tensorboard")).unwrap().count(), 2);

        let parse = |text: &str| parse_yaml_section::<TensorBoardConfig>("callbacks.tensorboard", text);
        assert_eq!(parse("log_every: 10\ndir: tb\n").unwrap(), TensorBoardConfig { dir: Some("tb".into()), log_every: 10 });
        assert!(parse("log_evry: 10\n").unwrap_err().to_string().contains("log_evry"));
        let empty = TensorBoard::from_config(TensorBoardConfig { dir: Some(PathBuf::new()), log_every: 1 }).unwrap_err();
        assert!(empty.to_string().contains("`dir` is empty"));
        let mut homeless = TensorBoard::from_config(TensorBoardConfig::default()).unwrap();
        assert!(homeless.on_train_begin(&mut HookContext::default()).unwrap_err().contains("set `dir`"));
        let file = run.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let mut blocked = TensorBoard::from_config(TensorBoardConfig { dir: Some(file.join("tb")), log_every: 1 }).unwrap();
        let error = blocked.on_train_begin(&mut HookContext::default()).unwrap_err();
        assert!(error.starts_with("tensorboard: ") && error.contains("a-file/tb"), "{error}");
    }
}
