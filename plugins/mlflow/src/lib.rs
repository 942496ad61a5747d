//! `mlflow`: logs a run to an MLflow tracking server over its REST API ([`client`]).
//!
//! - at `on_train_begin`: finds or creates the experiment (`experiment`, default `frameworm`),
//!   creates a run named after the run folder with the config's `tags` plus `frameworm.run_dir`
//!   and `frameworm.version`, and logs the resolved config (`<run>/config.yaml`) as params under
//!   dotted keys (`training.lr`, `callbacks.0.name`; [`params`]);
//! - at every `on_epoch_end`: every epoch metric (`loss`, the model's metrics, `val_*`, `lr`) and
//!   `epoch` (1-based), at the global step the epoch ended on; `batch_loss` every `log_every`
//!   steps when that is not 0;
//! - at `on_train_end`: uploads `config.yaml`, `metrics.csv` and the `samples/*.png` grids as
//!   artifacts, tags `frameworm.checkpoint` with the best (else latest) checkpoint folder, and
//!   marks the run `FINISHED`; `on_error` marks it `FAILED`.
//!
//! A resumed run continues its MLflow run: the run id is kept in checkpoints
//! ([`Callback::save_state`]). A server that is down or refuses is a warning on stderr, never a
//! failed training: at the start the callback then tracks nothing for the run; later failures
//! are warned about (the first three) and the run goes on. A server behind token authentication
//! gets `MLFLOW_TRACKING_TOKEN` from the environment, never from the config.

pub mod client;
pub mod params;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use frameworm_core::{Callback, ComponentError, FromConfig, HookContext, HookResult, Metrics, Scalar};
use serde::{Deserialize, Serialize};

use client::{Client, MlflowError, RunHandle};

/// The `mlflow` callback's config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MlflowConfig {
    /// The tracking server (default `http://127.0.0.1:5000`).
    pub tracking_uri: String,
    /// The experiment's name; created when missing (default `frameworm`).
    pub experiment: String,
    /// The MLflow run's name (default: the run folder's name).
    pub run_name: Option<String>,
    /// Tags set on the run.
    pub tags: BTreeMap<String, String>,
    /// Log `batch_loss` every this many training steps (default 0: off).
    pub log_every: u64,
    /// The most seconds one request may take (default 10).
    pub timeout_secs: f64,
}

impl Default for MlflowConfig {
    fn default() -> Self {
        MlflowConfig {
            tracking_uri: "http://127.0.0.1:5000".into(),
            experiment: "frameworm".into(),
            run_name: None,
            tags: BTreeMap::new(),
            log_every: 0,
            timeout_secs: 10.0,
        }
    }
}

/// How many failures after the start are printed before the rest are counted silently.
const WARNINGS_SHOWN: usize = 3;

/// The callback: see the module docs.
#[derive(Debug)]
pub struct MlflowLogger {
    config: MlflowConfig,
    client: Client,
    /// The MLflow run, once created (or restored from a checkpoint).
    run: Option<RunHandle>,
    /// Whether `run` came from a checkpoint (a resume: no new run, no params again).
    resumed: bool,
    run_dir: Option<PathBuf>,
    failures: usize,
}

impl FromConfig for MlflowLogger {
    type Config = MlflowConfig;

    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        let invalid = |key: &str, message: String| ComponentError::Config { section: "callbacks.mlflow".into(), key: key.into(), message };
        let uri = config.tracking_uri.trim();
        if !(uri.starts_with("http://") || uri.starts_with("https://")) {
            return Err(invalid("tracking_uri", format!("`{uri}` is not an http:// or https:// address of an MLflow tracking server")));
        }
        if config.experiment.trim().is_empty() {
            return Err(invalid("experiment", "name the experiment (default `frameworm`)".into()));
        }
        if !(config.timeout_secs.is_finite() && config.timeout_secs > 0.0) {
            return Err(invalid("timeout_secs", format!("{} is not a positive number of seconds", config.timeout_secs)));
        }
        let token = std::env::var("MLFLOW_TRACKING_TOKEN").ok().filter(|token| !token.is_empty());
        let client = Client::new(uri, Duration::from_secs_f64(config.timeout_secs), token);
        Ok(MlflowLogger { config, client, run: None, resumed: false, run_dir: None, failures: 0 })
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// The state kept in checkpoints.
#[derive(Debug, Serialize, Deserialize)]
struct SavedRun {
    experiment_id: String,
    run_id: String,
}

impl MlflowLogger {
    /// The MLflow run being logged to, once training has begun and the server answered.
    pub fn run(&self) -> Option<&RunHandle> {
        self.run.as_ref()
    }

    /// A failure after the start: printed (the first few), and the run goes on.
    fn warn(&mut self, error: &MlflowError) {
        self.failures += 1;
        if self.failures <= WARNINGS_SHOWN {
            eprintln!("mlflow: warning: {error}; training goes on");
        }
        if self.failures == WARNINGS_SHOWN {
            eprintln!("mlflow: warning: further failures are not shown");
        }
    }

    fn start(&mut self, run_dir: Option<&Path>) -> Result<RunHandle, MlflowError> {
        if let (Some(run), true) = (&self.run, self.resumed) {
            self.client.set_status(run, "RUNNING", None)?;
            return Ok(run.clone());
        }
        let experiment_id = self.client.experiment(&self.config.experiment)?;
        let folder = run_dir.and_then(Path::file_name).map(|name| name.to_string_lossy().into_owned());
        let name = self.config.run_name.clone().or(folder).unwrap_or_else(|| "frameworm".into());
        let mut tags: Vec<(String, String)> = self.config.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        tags.push(("frameworm.version".into(), frameworm_core::VERSION.into()));
        if let Some(dir) = run_dir {
            tags.push(("frameworm.run_dir".into(), dir.display().to_string()));
        }
        let run = self.client.create_run(&experiment_id, &name, now_ms(), &tags)?;
        if let Some(config) = run_dir.map(|dir| dir.join("config.yaml")).and_then(|path| std::fs::read_to_string(path).ok()) {
            if let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(&config) {
                self.client.log_params(&run, &params::flatten(&value))?;
            }
        }
        Ok(run)
    }

    /// The run's files worth keeping: `config.yaml`, `metrics.csv`, `samples/*.png`, as
    /// (file, artifact name).
    fn artifacts(run_dir: &Path) -> Vec<(PathBuf, String)> {
        let mut files: Vec<(PathBuf, String)> =
            ["config.yaml", "metrics.csv"].iter().map(|name| (run_dir.join(name), name.to_string())).filter(|(path, _)| path.is_file()).collect();
        if let Ok(entries) = std::fs::read_dir(run_dir.join("samples")) {
            let mut grids: Vec<(PathBuf, String)> = entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "png"))
                .map(|path| {
                    let name = format!("samples/{}", path.file_name().unwrap_or_default().to_string_lossy());
                    (path, name)
                })
                .collect();
            grids.sort();
            files.extend(grids);
        }
        files
    }
}

impl Callback for MlflowLogger {
    fn on_train_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        self.run_dir = ctx.run_dir.clone();
        match self.start(ctx.run_dir.as_deref()) {
            Ok(run) => self.run = Some(run),
            Err(error) => {
                eprintln!("mlflow: warning: {error}; training goes on without MLflow tracking");
                self.run = None;
            }
        }
        Ok(())
    }

    fn on_batch_end(&mut self, ctx: &mut HookContext, loss: &Scalar) -> HookResult {
        let every = self.config.log_every;
        if every == 0 || !ctx.step.is_multiple_of(every) {
            return Ok(());
        }
        let Some(run) = self.run.clone() else { return Ok(()) };
        if let Err(error) = self.client.log_metrics(&run, &[("batch_loss".into(), loss.value())], ctx.step, now_ms()) {
            self.warn(&error);
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, ctx: &mut HookContext, metrics: &Metrics) -> HookResult {
        let Some(run) = self.run.clone() else { return Ok(()) };
        let mut values: Vec<(String, f64)> = metrics.iter().map(|(name, &value)| (name.clone(), value)).collect();
        values.push(("epoch".into(), ctx.epoch as f64 + 1.0));
        if let Err(error) = self.client.log_metrics(&run, &values, ctx.step, now_ms()) {
            self.warn(&error);
        }
        Ok(())
    }

    fn on_train_end(&mut self, _ctx: &mut HookContext) -> HookResult {
        let Some(run) = self.run.clone() else { return Ok(()) };
        if let Some(dir) = self.run_dir.clone() {
            for (path, name) in Self::artifacts(&dir) {
                if let Err(error) = self.client.upload(&run, &path, &name) {
                    self.warn(&error);
                }
            }
            let checkpoints = dir.join("checkpoints");
            let best = [checkpoints.join("best"), checkpoints.join("latest")].into_iter().find(|path| path.exists());
            if let Some(checkpoint) = best {
                let checkpoint = checkpoint.canonicalize().unwrap_or(checkpoint);
                if let Err(error) = self.client.set_tags(&run, &[("frameworm.checkpoint".into(), checkpoint.display().to_string())]) {
                    self.warn(&error);
                }
            }
        }
        if let Err(error) = self.client.set_status(&run, "FINISHED", Some(now_ms())) {
            self.warn(&error);
        }
        Ok(())
    }

    fn on_error(&mut self, _ctx: &mut HookContext, _error: &str) -> HookResult {
        if let Some(run) = self.run.clone() {
            if let Err(error) = self.client.set_status(&run, "FAILED", Some(now_ms())) {
                self.warn(&error);
            }
        }
        Ok(())
    }

    fn save_state(&self) -> Option<serde_json::Value> {
        let run = self.run.as_ref()?;
        serde_json::to_value(SavedRun { experiment_id: run.experiment_id.clone(), run_id: run.run_id.clone() }).ok()
    }

    fn load_state(&mut self, state: serde_json::Value) -> HookResult {
        let saved: SavedRun = serde_json::from_value(state).map_err(|error| format!("mlflow: the checkpoint's state is not an MLflow run: {error}"))?;
        self.run = Some(RunHandle { experiment_id: saved.experiment_id, run_id: saved.run_id });
        self.resumed = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::parse_yaml_section;

    #[test]
    fn config_defaults_and_refusals() {
        let parse = |text: &str| parse_yaml_section::<MlflowConfig>("callbacks.mlflow", text);
        let config = parse("experiment: digits\ntags: {team: vision}\n").unwrap();
        assert_eq!(config.tracking_uri, "http://127.0.0.1:5000");
        assert_eq!(config.tags["team"], "vision");
        assert!(parse("tracking_url: x\n").unwrap_err().to_string().contains("tracking_url"));
        let refused = |config: MlflowConfig| MlflowLogger::from_config(config).unwrap_err().to_string();
        assert!(refused(MlflowConfig { tracking_uri: "127.0.0.1:5000".into(), ..MlflowConfig::default() }).contains("not an http:// or https:// address"));
        assert!(refused(MlflowConfig { experiment: " ".into(), ..MlflowConfig::default() }).contains("name the experiment"));
        assert!(refused(MlflowConfig { timeout_secs: 0.0, ..MlflowConfig::default() }).contains("positive number of seconds"));
    }

    /// A server that is not there: a warning, and every hook still succeeds.
    #[test]
    fn a_server_that_is_down_never_fails_the_run() {
        // A port nothing listens on: bind one, note it, let it go.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = MlflowConfig { tracking_uri: format!("http://127.0.0.1:{port}"), timeout_secs: 2.0, ..MlflowConfig::default() };
        let mut logger = MlflowLogger::from_config(config).unwrap();
        let run = tempfile::tempdir().unwrap();
        let mut ctx = HookContext::default();
        ctx.run_dir = Some(run.path().to_path_buf());
        logger.on_train_begin(&mut ctx).unwrap();
        assert!(logger.run().is_none());
        logger.on_epoch_end(&mut ctx, &Metrics::new()).unwrap();
        logger.on_train_end(&mut ctx).unwrap();
        assert!(logger.save_state().is_none());
    }

    #[test]
    fn the_run_id_survives_a_checkpoint() {
        let mut logger = MlflowLogger::from_config(MlflowConfig::default()).unwrap();
        logger.load_state(serde_json::json!({"experiment_id": "3", "run_id": "abc"})).unwrap();
        assert_eq!(logger.run(), Some(&RunHandle { experiment_id: "3".into(), run_id: "abc".into() }));
        assert_eq!(logger.save_state().unwrap(), serde_json::json!({"experiment_id": "3", "run_id": "abc"}));
        assert!(logger.load_state(serde_json::json!([1])).unwrap_err().contains("not an MLflow run"));
    }
}
