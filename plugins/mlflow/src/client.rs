//! The parts of MLflow's REST API (`/api/2.0/mlflow/…`, and the artifact proxy
//! `/api/2.0/mlflow-artifacts/…` of `mlflow server --serve-artifacts`, its default) a training
//! run needs: find or create an experiment, create a run, log batches of params, metrics and
//! tags, set the run's status, upload a file. Requests go through `ureq` with a bound on each
//! request's time; every error names the endpoint and what the server said.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

/// MLflow's limits per `log-batch` request (params, metrics, tags) and on a param value.
pub const MAX_PARAMS_PER_BATCH: usize = 100;
/// See [`MAX_PARAMS_PER_BATCH`].
pub const MAX_METRICS_PER_BATCH: usize = 1000;
/// The longest param value MLflow 2 stores (longer values are cut, marked with `…`).
pub const MAX_PARAM_VALUE: usize = 6000;

/// A request to the tracking server failed.
#[derive(Debug, thiserror::Error)]
pub enum MlflowError {
    /// No answer (refused, timed out, bad address).
    #[error("{url}: no answer from the MLflow tracking server: {reason}")]
    Unreachable {
        /// The request's URL.
        url: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// The server answered with an error.
    #[error("{url}: the MLflow tracking server answered {status}: {body}")]
    Refused {
        /// The request's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The answer (MLflow's `error_code` and `message`).
        body: String,
    },
    /// A local file for an artifact could not be read.
    #[error("{path}: cannot read the artifact: {source}")]
    Artifact {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A client of one tracking server.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    /// `Authorization: Bearer …` for every request (from `MLFLOW_TRACKING_TOKEN`, never the config).
    token: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is never printed.
        f.debug_struct("Client").field("base", &self.base).field("token", &self.token.as_ref().map(|_| "<set>")).finish()
    }
}

/// A run on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunHandle {
    /// The experiment's id.
    pub experiment_id: String,
    /// The run's id.
    pub run_id: String,
}

impl Client {
    /// A client of the server at `tracking_uri` (`http://host:port`, no trailing `/` needed);
    /// each request may take at most `timeout`.
    /// A token for servers behind authentication comes from `token` (the callback reads
    /// `MLFLOW_TRACKING_TOKEN`).
    pub fn new(tracking_uri: &str, timeout: Duration, token: Option<String>) -> Client {
        let agent = ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into();
        Client { base: tracking_uri.trim_end_matches('/').to_string(), agent, token }
    }

    fn auth<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(token) => request.header("Authorization", format!("Bearer {token}")),
            None => request,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn answer(url: String, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<(u16, String), MlflowError> {
        let mut response = result.map_err(|error| MlflowError::Unreachable { url: url.clone(), reason: error.to_string() })?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Ok((status, body))
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, MlflowError> {
        let url = self.url(path);
        let result = self.auth(self.agent.post(&url)).header("Content-Type", "application/json").send(body.to_string());
        match Self::answer(url.clone(), result)? {
            (200, text) => Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
            (status, body) => Err(MlflowError::Refused { url, status, body }),
        }
    }

    /// The id of experiment `name`, created when the server has none of that name.
    pub fn experiment(&self, name: &str) -> Result<String, MlflowError> {
        let url = self.url("/api/2.0/mlflow/experiments/get-by-name");
        let result = self.auth(self.agent.get(&url)).query("experiment_name", name).call();
        match Self::answer(url.clone(), result)? {
            (200, text) => {
                let found: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match found["experiment"]["experiment_id"].as_str() {
                    Some(id) => Ok(id.to_string()),
                    None => Err(MlflowError::Refused { url, status: 200, body: text }),
                }
            }
            (404, _) => {
                let created = self.post("/api/2.0/mlflow/experiments/create", &json!({ "name": name }))?;
                let id = created["experiment_id"].as_str().unwrap_or_default().to_string();
                Ok(id)
            }
            (status, body) => Err(MlflowError::Refused { url, status, body }),
        }
    }

    /// Creates a run named `name` in `experiment_id`, started at `start_ms`, with `tags`.
    pub fn create_run(&self, experiment_id: &str, name: &str, start_ms: u64, tags: &[(String, String)]) -> Result<RunHandle, MlflowError> {
        let tags: Vec<Value> = tags.iter().map(|(key, value)| json!({ "key": key, "value": value })).collect();
        let body = json!({ "experiment_id": experiment_id, "run_name": name, "start_time": start_ms, "tags": tags });
        let created = self.post("/api/2.0/mlflow/runs/create", &body)?;
        let run_id = created["run"]["info"]["run_id"].as_str().unwrap_or_default().to_string();
        Ok(RunHandle { experiment_id: experiment_id.to_string(), run_id })
    }

    /// Logs `params` (cut to MLflow's limits), in batches.
    pub fn log_params(&self, run: &RunHandle, params: &[(String, String)]) -> Result<(), MlflowError> {
        for chunk in params.chunks(MAX_PARAMS_PER_BATCH) {
            let params: Vec<Value> = chunk.iter().map(|(key, value)| json!({ "key": key, "value": cut(value) })).collect();
            self.post("/api/2.0/mlflow/runs/log-batch", &json!({ "run_id": run.run_id, "params": params }))?;
        }
        Ok(())
    }

    /// Logs `(name, value)` metrics at `step` and time `timestamp_ms`, in batches; values that
    /// are not finite are left out (JSON has no NaN).
    pub fn log_metrics(&self, run: &RunHandle, metrics: &[(String, f64)], step: u64, timestamp_ms: u64) -> Result<(), MlflowError> {
        let finite: Vec<Value> = metrics
            .iter()
            .filter(|(_, value)| value.is_finite())
            .map(|(key, value)| json!({ "key": key, "value": value, "timestamp": timestamp_ms, "step": step }))
            .collect();
        for chunk in finite.chunks(MAX_METRICS_PER_BATCH) {
            self.post("/api/2.0/mlflow/runs/log-batch", &json!({ "run_id": run.run_id, "metrics": chunk }))?;
        }
        Ok(())
    }

    /// Sets tags on the run.
    pub fn set_tags(&self, run: &RunHandle, tags: &[(String, String)]) -> Result<(), MlflowError> {
        let tags: Vec<Value> = tags.iter().map(|(key, value)| json!({ "key": key, "value": value })).collect();
        self.post("/api/2.0/mlflow/runs/log-batch", &json!({ "run_id": run.run_id, "tags": tags })).map(drop)
    }

    /// Sets the run's status (`RUNNING`, `FINISHED`, `FAILED`) and, when it ended, its end time.
    pub fn set_status(&self, run: &RunHandle, status: &str, end_ms: Option<u64>) -> Result<(), MlflowError> {
        let mut body = json!({ "run_id": run.run_id, "status": status });
        if let Some(end) = end_ms {
            body["end_time"] = json!(end);
        }
        self.post("/api/2.0/mlflow/runs/update", &body).map(drop)
    }

    /// Uploads file `path` as artifact `name` (a relative path such as `samples/epoch-002.png`)
    /// of the run, through the server's artifact proxy.
    pub fn upload(&self, run: &RunHandle, path: &Path, name: &str) -> Result<(), MlflowError> {
        let bytes = std::fs::read(path).map_err(|source| MlflowError::Artifact { path: path.display().to_string(), source })?;
        let url = self.url(&format!("/api/2.0/mlflow-artifacts/artifacts/{}/{}/artifacts/{name}", run.experiment_id, run.run_id));
        let result = self.auth(self.agent.put(&url)).header("Content-Type", "application/octet-stream").send(&bytes[..]);
        match Self::answer(url.clone(), result)? {
            (200, _) => Ok(()),
            (status, body) => Err(MlflowError::Refused { url, status, body }),
        }
    }
}

/// `value` cut to [`MAX_PARAM_VALUE`] characters, the cut marked with `…`.
pub fn cut(value: &str) -> String {
    if value.chars().count() <= MAX_PARAM_VALUE {
        return value.to_string();
    }
    let mut kept: String = value.chars().take(MAX_PARAM_VALUE - 1).collect();
    kept.push('…');
    kept
}
