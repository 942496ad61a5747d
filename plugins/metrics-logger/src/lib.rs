//! `metrics-logger`: writes a run's metrics to files laid out like an MLflow file store (the
//! seed's MLflow example, with a folder instead of a tracking server).
//!
//! ```text
//! <dir>/                       default: <run folder>/metrics-logger
//!   meta.yaml                  run_name, run_id, start_time, end_time, status, lifecycle_stage
//!   metrics/
//!     loss                     one line per value: `<unix_ms> <value> <step>`
//!     val_loss
//!     lr
//!     batch_loss               every `log_every` training batches (0: never)
//! ```
//!
//! Epoch metrics (everything the engine passes to `on_epoch_end`: `loss`, the model's metrics,
//! `val_*`, `lr`) are written at each epoch end with `step = epoch + 1`; `batch_loss` is written
//! at `on_batch_end` when the global step is a multiple of `log_every`, with `step` = the global
//! step. Files are opened in append mode, so a resumed run adds to its history, and flushed at
//! every epoch end and when training ends or fails. `meta.yaml` goes from `status: RUNNING`
//! (`on_train_begin`) to `FINISHED` (`on_train_end`) or `FAILED` (`on_error`); a resumed run keeps
//! its first `start_time`. Times are milliseconds since the Unix epoch, as in MLflow; `status` is
//! written as a word rather than MLflow's numeric code. Parameters (`params/`) are not written.
//!
//! Metric names become file names: ASCII letters, digits, `_`, `-` and `.` are kept, any other
//! byte (a `/` in `train/loss`, a space) is written `%XX` (`train%2Floss`), so distinct names
//! never share a file and nothing escapes `metrics/`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use frameworm_core::{Callback, ComponentError, FromConfig, HookContext, HookResult, Metrics, Scalar};
use serde::{Deserialize, Serialize};

/// The `metrics-logger` callback's config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsLoggerConfig {
    /// Output folder (default: `<run folder>/metrics-logger`).
    pub dir: Option<PathBuf>,
    /// Write `batch_loss` every this many training batches (default 50; 0 turns it off).
    pub log_every: u64,
}

impl Default for MetricsLoggerConfig {
    fn default() -> Self {
        MetricsLoggerConfig { dir: None, log_every: 50 }
    }
}

/// A run's status in `meta.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RunStatus {
    /// Training is under way (or the process died without reporting).
    Running,
    /// Training ended normally (last epoch or a stop request).
    Finished,
    /// Training failed.
    Failed,
}

/// The contents of `meta.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// The run's name: the run folder's name.
    pub run_name: String,
    /// The run's id (the same as its name: run folders are unique).
    pub run_id: String,
    /// When training first began (Unix milliseconds); kept across resumes.
    pub start_time: u64,
    /// When training last ended or failed (Unix milliseconds), `null` while running.
    pub end_time: Option<u64>,
    /// `RUNNING`, `FINISHED` or `FAILED`.
    pub status: RunStatus,
    /// Always `active` (MLflow's field for deleted runs).
    pub lifecycle_stage: String,
}

/// The callback: see the module docs.
#[derive(Debug)]
pub struct MetricsLogger {
    config: MetricsLoggerConfig,
    /// The output folder, known from `on_train_begin` on.
    dir: Option<PathBuf>,
    meta: Option<RunMeta>,
    /// Open metric files, by metric name.
    files: BTreeMap<String, BufWriter<File>>,
}

impl FromConfig for MetricsLogger {
    type Config = MetricsLoggerConfig;

    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        if config.dir.as_ref().is_some_and(|dir| dir.as_os_str().is_empty()) {
            return Err(ComponentError::Invalid(
                "metrics-logger: `dir` is empty; remove it to write into the run folder or name a folder".into(),
            ));
        }
        Ok(MetricsLogger { config, dir: None, meta: None, files: BTreeMap::new() })
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// The last component of `folder` (made absolute first if it has none, e.g. `.`), or `run`.
fn folder_name(folder: &Path) -> String {
    let name = |path: &Path| path.file_name().map(|name| name.to_string_lossy().into_owned());
    name(folder).or_else(|| std::path::absolute(folder).ok().as_deref().and_then(name)).unwrap_or_else(|| "run".into())
}

/// A metric name as a safe file name: `[A-Za-z0-9_.-]` kept, every other byte `%XX`; the names
/// `.` and `..` are encoded whole and an empty name becomes `%`.
pub fn metric_file_name(name: &str) -> String {
    if name.is_empty() {
        return "%".into();
    }
    if name == "." || name == ".." {
        return name.bytes().map(|byte| format!("%{byte:02X}")).collect();
    }
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl MetricsLogger {
    /// The output folder, once training has begun.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn write_meta(&self) -> HookResult {
        let (Some(dir), Some(meta)) = (&self.dir, &self.meta) else { return Ok(()) };
        let path = dir.join("meta.yaml");
        let text = serde_yaml::to_string(meta).map_err(|error| format!("metrics-logger: {}: {error}", path.display()))?;
        // Write then rename, so a crash never leaves a half-written meta.yaml.
        let staging = dir.join(".meta.yaml.tmp");
        std::fs::write(&staging, text)
            .and_then(|()| std::fs::rename(&staging, &path))
            .map_err(|error| format!("metrics-logger: cannot write {}: {error}", path.display()))
    }

    /// Appends `<unix_ms> <value> <step>` to the metric's file, opening it on first use.
    fn log(&mut self, name: &str, value: f64, step: u64) -> HookResult {
        let Some(dir) = &self.dir else {
            return Err("metrics-logger: a metric was logged before on_train_begin".into());
        };
        let path = dir.join("metrics").join(metric_file_name(name));
        if !self.files.contains_key(name) {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|error| format!("metrics-logger: cannot open {}: {error}", path.display()))?;
            self.files.insert(name.to_string(), BufWriter::new(file));
        }
        let file = self.files.get_mut(name).expect("inserted above");
        writeln!(file, "{} {value} {step}", now_ms())
            .map_err(|error| format!("metrics-logger: cannot write {}: {error}", path.display()))
    }

    fn flush(&mut self) -> HookResult {
        let dir = self.dir.clone().unwrap_or_default();
        for (name, file) in &mut self.files {
            file.flush().map_err(|error| {
                format!("metrics-logger: cannot write {}: {error}", dir.join("metrics").join(metric_file_name(name)).display())
            })?;
        }
        Ok(())
    }

    /// Flushes the metric files and records how the run ended.
    fn end(&mut self, status: RunStatus) -> HookResult {
        let flushed = self.flush();
        if let Some(meta) = &mut self.meta {
            // A failure reported first stays a failure if `on_train_end` still fires.
            if meta.status != RunStatus::Failed {
                meta.status = status;
            }
            meta.end_time = Some(now_ms());
        }
        let written = self.write_meta();
        self.files.clear();
        flushed.and(written)
    }
}

impl Callback for MetricsLogger {
    fn on_train_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        let dir = match (&self.config.dir, &ctx.run_dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(run_dir)) => run_dir.join("metrics-logger"),
            (None, None) => {
                return Err("metrics-logger: no output folder: this run has no run folder, so set `dir` in the callback's config".into());
            }
        };
        let metrics_dir = dir.join("metrics");
        std::fs::create_dir_all(&metrics_dir)
            .map_err(|error| format!("metrics-logger: cannot create {}: {error}", metrics_dir.display()))?;

        let meta_path = dir.join("meta.yaml");
        // A resumed run keeps its name and first start time.
        let previous = match std::fs::read_to_string(&meta_path) {
            Ok(text) => Some(serde_yaml::from_str::<RunMeta>(&text).map_err(|error| {
                format!("metrics-logger: {} is not a metrics-logger meta.yaml ({error}); move it away or set another `dir`", meta_path.display())
            })?),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(format!("metrics-logger: cannot read {}: {error}", meta_path.display())),
        };
        let meta = match previous {
            Some(previous) => RunMeta { end_time: None, status: RunStatus::Running, ..previous },
            None => {
                let run_name = folder_name(ctx.run_dir.as_deref().unwrap_or(&dir));
                RunMeta {
                    run_id: run_name.clone(),
                    run_name,
                    start_time: now_ms(),
                    end_time: None,
                    status: RunStatus::Running,
                    lifecycle_stage: "active".into(),
                }
            }
        };
        self.dir = Some(dir);
        self.meta = Some(meta);
        self.write_meta()
    }

    fn on_batch_end(&mut self, ctx: &mut HookContext, loss: &Scalar) -> HookResult {
        let every = self.config.log_every;
        if every == 0 || !ctx.step.is_multiple_of(every) {
            return Ok(());
        }
        self.log("batch_loss", loss.value(), ctx.step)
    }

    fn on_epoch_end(&mut self, ctx: &mut HookContext, metrics: &Metrics) -> HookResult {
        let step = ctx.epoch as u64 + 1;
        for (name, &value) in metrics {
            self.log(name, value, step)?;
        }
        self.flush()
    }

    fn on_train_end(&mut self, _ctx: &mut HookContext) -> HookResult {
        self.end(RunStatus::Finished)
    }

    fn on_error(&mut self, _ctx: &mut HookContext, _error: &str) -> HookResult {
        self.end(RunStatus::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::parse_yaml_section;

    fn new_logger(config: MetricsLoggerConfig) -> MetricsLogger {
        MetricsLogger::from_config(config).unwrap()
    }

    fn run_ctx(run_dir: &Path) -> HookContext {
        let mut ctx = HookContext::default();
        ctx.run_dir = Some(run_dir.to_path_buf());
        ctx
    }

    /// The lines of a metric file, split into (unix_ms, value, step).
    fn lines(path: &Path) -> Vec<(u64, String, u64)> {
        std::fs::read_to_string(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
            .lines()
            .map(|line| {
                let parts: Vec<_> = line.split(' ').collect();
                assert_eq!(parts.len(), 3, "line {line:?}");
                (parts[0].parse().unwrap(), parts[1].to_string(), parts[2].parse().unwrap())
            })
            .collect()
    }

    fn meta(dir: &Path) -> RunMeta {
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("meta.yaml")).unwrap()).unwrap()
    }

    fn values(path: &Path) -> Vec<(String, u64)> {
        lines(path).into_iter().map(|(_, value, step)| (value, step)).collect()
    }

    fn epoch(logger: &mut MetricsLogger, ctx: &mut HookContext, epoch: usize, metrics: &[(&str, f64)]) {
        ctx.epoch = epoch;
        let metrics: Metrics = metrics.iter().map(|&(name, value)| (name.to_string(), value)).collect();
        logger.on_epoch_end(ctx, &metrics).unwrap();
    }

    #[test]
    fn writes_meta_and_epoch_metrics_under_the_run_folder() {
        let temp = tempfile::tempdir().unwrap();
        let run_dir = temp.path().join("digits-20250101-120000");
        let mut ctx = run_ctx(&run_dir);
        let mut logger = new_logger(MetricsLoggerConfig::default());
        let before = now_ms();
        logger.on_train_begin(&mut ctx).unwrap();
        let dir = run_dir.join("metrics-logger");
        assert_eq!(logger.dir(), Some(dir.as_path()));

        let started = meta(&dir);
        assert_eq!(started.run_name, "digits-20250101-120000");
        assert_eq!(started.run_id, "digits-20250101-120000");
        assert_eq!((started.status, started.end_time), (RunStatus::Running, None));
        assert!(started.start_time >= before && started.start_time <= now_ms());
        let text = std::fs::read_to_string(dir.join("meta.yaml")).unwrap();
        assert!(text.contains("status: RUNNING") && text.contains("lifecycle_stage: active"), "{text}");

        epoch(&mut logger, &mut ctx, 0, &[("loss", 0.5), ("val_loss", 0.75), ("lr", 1e-3), ("accuracy", 0.25)]);
        // Flushed at epoch end: readable before training ends.
        assert_eq!(values(&dir.join("metrics/loss")), [("0.5".to_string(), 1)]);
        epoch(&mut logger, &mut ctx, 1, &[("loss", 0.25), ("val_loss", 0.5), ("lr", 1e-3), ("accuracy", 0.5)]);
        assert_eq!(values(&dir.join("metrics/loss")), [("0.5".into(), 1), ("0.25".into(), 2)]);
        assert_eq!(values(&dir.join("metrics/val_loss")), [("0.75".into(), 1), ("0.5".into(), 2)]);
        assert_eq!(values(&dir.join("metrics/lr")), [("0.001".into(), 1), ("0.001".into(), 2)]);
        let stamps: Vec<u64> = lines(&dir.join("metrics/accuracy")).into_iter().map(|(ms, _, _)| ms).collect();
        assert!(stamps[0] >= before && stamps[0] <= stamps[1], "{stamps:?}");

        logger.on_train_end(&mut ctx).unwrap();
        let ended = meta(&dir);
        assert_eq!(ended.status, RunStatus::Finished);
        assert_eq!(ended.start_time, started.start_time);
        assert!(ended.end_time.unwrap() >= ended.start_time);
        assert!(!dir.join(".meta.yaml.tmp").exists());
    }

    #[test]
    fn batch_loss_every_log_every_steps_and_off_at_zero() {
        let temp = tempfile::tempdir().unwrap();
        let mut ctx = run_ctx(temp.path());
        let mut logger = new_logger(MetricsLoggerConfig { dir: None, log_every: 3 });
        logger.on_train_begin(&mut ctx).unwrap();
        for step in 1..=7u64 {
            ctx.step = step;
            logger.on_batch_end(&mut ctx, &Scalar::from_value(step as f64 / 10.0)).unwrap();
        }
        epoch(&mut logger, &mut ctx, 0, &[("loss", 1.0)]);
        let path = temp.path().join("metrics-logger/metrics/batch_loss");
        assert_eq!(values(&path), [("0.3".into(), 3), ("0.6".into(), 6)]);

        let temp = tempfile::tempdir().unwrap();
        let mut ctx = run_ctx(temp.path());
        let mut logger = new_logger(MetricsLoggerConfig { dir: None, log_every: 0 });
        logger.on_train_begin(&mut ctx).unwrap();
        for step in 0..100u64 {
            ctx.step = step;
            logger.on_batch_end(&mut ctx, &Scalar::from_value(1.0)).unwrap();
        }
        logger.on_train_end(&mut ctx).unwrap();
        assert!(!temp.path().join("metrics-logger/metrics/batch_loss").exists());
    }

    #[test]
    fn resumed_run_appends_and_keeps_its_start_time() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("tracking");
        let config = MetricsLoggerConfig { dir: Some(dir.clone()), log_every: 50 };
        let mut ctx = run_ctx(&temp.path().join("run-a"));

        let mut first = new_logger(config.clone());
        first.on_train_begin(&mut ctx).unwrap();
        epoch(&mut first, &mut ctx, 0, &[("loss", 2.0)]);
        first.on_error(&mut ctx, "out of memory").unwrap();
        let failed = meta(&dir);
        assert_eq!((failed.status, failed.run_name.as_str()), (RunStatus::Failed, "run-a"));
        // on_train_end after on_error keeps the failure.
        first.on_train_end(&mut ctx).unwrap();
        assert_eq!(meta(&dir).status, RunStatus::Failed);

        let mut resumed = new_logger(config);
        resumed.on_train_begin(&mut ctx).unwrap();
        let running = meta(&dir);
        assert_eq!((running.status, running.end_time), (RunStatus::Running, None));
        assert_eq!(running.start_time, failed.start_time);
        epoch(&mut resumed, &mut ctx, 1, &[("loss", 1.0)]);
        resumed.on_train_end(&mut ctx).unwrap();
        assert_eq!(values(&dir.join("metrics/loss")), [("2".into(), 1), ("1".into(), 2)]);
        assert_eq!(meta(&dir).status, RunStatus::Finished);
    }

    #[test]
    fn metric_names_become_safe_distinct_file_names() {
        assert_eq!(metric_file_name("val_loss"), "val_loss");
        assert_eq!(metric_file_name("train/loss"), "train%2Floss");
        assert_eq!(metric_file_name("train_loss"), "train_loss");
        assert_eq!(metric_file_name("../etc/passwd"), "..%2Fetc%2Fpasswd");
        assert_eq!(metric_file_name(".."), "%2E%2E");
        assert_eq!(metric_file_name("a b%"), "a%20b%25");
        assert_eq!(metric_file_name("é"), "%C3%A9");
        assert_eq!(metric_file_name(""), "%");

        let temp = tempfile::tempdir().unwrap();
        let mut ctx = run_ctx(temp.path());
        let mut logger = new_logger(MetricsLoggerConfig::default());
        logger.on_train_begin(&mut ctx).unwrap();
        epoch(&mut logger, &mut ctx, 0, &[("val/fid", 12.5), ("val_fid", 3.0), ("..", f64::NAN)]);
        let metrics = temp.path().join("metrics-logger/metrics");
        assert_eq!(values(&metrics.join("val%2Ffid")), [("12.5".into(), 1)]);
        assert_eq!(values(&metrics.join("val_fid")), [("3".into(), 1)]);
        assert_eq!(values(&metrics.join("%2E%2E")), [("NaN".into(), 1)]);
    }

    #[test]
    fn needs_a_folder_and_names_files_in_io_errors() {
        let mut logger = new_logger(MetricsLoggerConfig::default());
        let error = logger.on_train_begin(&mut HookContext::default()).unwrap_err();
        assert!(error.starts_with("metrics-logger: no output folder") && error.contains("set `dir`"), "{error}");
        // on_error before any folder is known does nothing.
        logger.on_error(&mut HookContext::default(), "boom").unwrap();

        // A file where the folder should be.
        let temp = tempfile::tempdir().unwrap();
        let blocker = temp.path().join("blocked");
        std::fs::write(&blocker, "not a folder").unwrap();
        let mut logger = new_logger(MetricsLoggerConfig { dir: Some(blocker.clone()), log_every: 50 });
        let error = logger.on_train_begin(&mut HookContext::default()).unwrap_err();
        assert!(error.starts_with("metrics-logger: cannot create") && error.contains("blocked"), "{error}");

        // A folder where a metric file should be.
        let dir = temp.path().join("ok");
        std::fs::create_dir_all(dir.join("metrics/loss")).unwrap();
        let mut logger = new_logger(MetricsLoggerConfig { dir: Some(dir.clone()), log_every: 50 });
        logger.on_train_begin(&mut HookContext::default()).unwrap();
        assert_eq!(meta(&dir).run_name, "ok", "named after `dir` when there is no run folder");
        let mut ctx = HookContext::default();
        let error = logger.on_epoch_end(&mut ctx, &Metrics::from([("loss".to_string(), 1.0)])).unwrap_err();
        assert!(error.starts_with("metrics-logger: cannot open") && error.contains("metrics/loss"), "{error}");

        // A meta.yaml that is not ours.
        let other = temp.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("meta.yaml"), "artifact_uri: x\n").unwrap();
        let mut logger = new_logger(MetricsLoggerConfig { dir: Some(other), log_every: 50 });
        let error = logger.on_train_begin(&mut HookContext::default()).unwrap_err();
        assert!(error.contains("meta.yaml is not a metrics-logger meta.yaml"), "{error}");
    }

    #[test]
    fn config_defaults_and_validation() {
        let parse = |text: &str| parse_yaml_section::<MetricsLoggerConfig>("callbacks.metrics-logger", text);
        assert_eq!(parse("").unwrap(), MetricsLoggerConfig { dir: None, log_every: 50 });
        assert_eq!(parse("dir: /tmp/x\nlog_every: 0").unwrap(), MetricsLoggerConfig { dir: Some("/tmp/x".into()), log_every: 0 });
        assert!(parse("every: 3").unwrap_err().to_string().contains("unknown field `every`"));
        let error = MetricsLogger::from_config(MetricsLoggerConfig { dir: Some(PathBuf::new()), log_every: 1 }).unwrap_err();
        assert!(error.to_string().contains("`dir` is empty"), "{error}");
    }
}
