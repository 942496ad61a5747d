//! The `mlflow` callback against a real MLflow tracking server (`mlflow server` from PyPI, on
//! 127.0.0.1 at a free port, file store in a temporary folder, stopped when the test ends): a run
//! stopped by `max_steps` and then resumed shows up as ONE MLflow run, `FINISHED`, with the
//! resolved config as params, every epoch metric once per epoch, the artifacts and the checkpoint
//! tag; a server that is down is a warning and training succeeds. The server comes from
//! `FRAMEWORM_MLFLOW` (what `eval "$(bash scripts/setup-mlflow.sh)"` exports), else
//! `.venv-mlflow/bin/mlflow`, else `mlflow` on PATH; where there is none the test says it skipped
//! and why (`.ci/run` installs it).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{run_dir, text, train};
use serde_json::{Value, json};

/// How long the server may take to answer `/health` (a cold Python start imports a lot).
const START_LIMIT: Duration = Duration::from_secs(120);

/// The mlflow executable, if any runs.
fn mlflow() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("FRAMEWORM_MLFLOW").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-mlflow/bin/mlflow")),
        Some(PathBuf::from("mlflow")),
    ];
    candidates.into_iter().flatten().find(|path| Command::new(path).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success()))
}

/// `mlflow server` in its own process group, killed (the group: gunicorn's workers too) on drop.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(mlflow: &Path, dir: &Path) -> Server {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(mlflow)
            .args(["server", "--host", "127.0.0.1", "--port", &port.to_string(), "--workers", "1"])
            .arg("--backend-store-uri")
            .arg(format!("file://{}", dir.join("mlruns").display()))
            .arg("--artifacts-destination")
            .arg(dir.join("artifacts"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("server.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("server.err")).unwrap())
            .process_group(0)
            .spawn()
            .expect("mlflow server starts");
        let server = Server { child, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while ureq::get(&format!("{}/health", server.url)).call().is_err() {
            assert!(started.elapsed() < START_LIMIT, "mlflow server did not answer within {START_LIMIT:?}: {}", std::fs::read_to_string(dir.join("server.err")).unwrap_or_default());
            std::thread::sleep(Duration::from_millis(250));
        }
        server
    }

    fn get(&self, path: &str) -> Value {
        let text = ureq::get(&format!("{}{path}", self.url)).call().unwrap().body_mut().read_to_string().unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let text = ureq::post(&format!("{}{path}", self.url)).header("Content-Type", "application/json").send(body.to_string()).unwrap().body_mut().read_to_string().unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

impl Server {
    /// Sends `signal` to the server's process group; true once the server process has exited.
    fn signal_and_wait(&mut self, signal: &str, wait: Duration) -> bool {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-s", signal, "--", &group]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + wait;
        loop {
            if self.child.try_wait().ok().flatten().is_some() {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.signal_and_wait("TERM", Duration::from_secs(10)) {
            self.signal_and_wait("KILL", Duration::from_secs(5));
        }
        // gunicorn's workers are in the group too: make sure none outlives the test.
        let _ = Command::new("kill").args(["-s", "KILL", "--", &format!("-{}", self.child.id())]).stderr(Stdio::null()).status();
    }
}

#[test]
fn a_resumed_run_is_one_finished_mlflow_run_with_params_metrics_and_artifacts() {
    let Some(mlflow) = mlflow() else {
        eprintln!("skipped: no mlflow to start a tracking server (run `eval \"$(bash scripts/setup-mlflow.sh)\"`, which .ci/run does)");
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let server = Server::start(&mlflow, scratch.path());
    let callback = format!("callbacks=[{{name: mlflow, tracking_uri: \"{}\", experiment: e2e, tags: {{suite: e2e}}, log_every: 10}}]", server.url);
    let output = scratch.path().join("runs");
    let common = ["--set", "training.epochs=2", "--set", "name=tracked", "--set", &callback];
    let part = train("configs/mlp-digits.yaml", &output, &[&common[..], &["--set", "training.max_steps=30"]].concat());
    assert!(part.status.success(), "{}", text(&part));
    let resumed = train("configs/mlp-digits.yaml", &output, &[&common[..], &["--resume", "auto"]].concat());
    assert!(resumed.status.success(), "{}", text(&resumed));
    assert!(!text(&resumed).contains("mlflow: warning"), "{}", text(&resumed));

    let experiment = server.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=e2e");
    let id = experiment["experiment"]["experiment_id"].as_str().unwrap();
    let runs = server.post("/api/2.0/mlflow/runs/search", json!({ "experiment_ids": [id] }));
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "the resume continued the MLflow run: {runs:#?}");
    let run = &runs[0];
    let run_id = run["info"]["run_id"].as_str().unwrap();
    assert_eq!(run["info"]["status"], "FINISHED");
    let folder = run_dir(&output, "tracked-");
    assert_eq!(run["info"]["run_name"], folder.file_name().unwrap().to_str().unwrap());

    let pairs = |key: &str| -> Vec<(String, String)> {
        run["data"][key].as_array().unwrap().iter().map(|p| (p["key"].as_str().unwrap().to_string(), p["value"].as_str().unwrap_or_default().to_string())).collect()
    };
    let params = pairs("params");
    assert!(params.contains(&("model.name".into(), "mlp-classifier".into())), "{params:?}");
    assert!(params.contains(&("training.epochs".into(), "2".into())), "{params:?}");
    let tags = pairs("tags");
    assert!(tags.contains(&("suite".into(), "e2e".into())), "{tags:?}");
    let checkpoint = tags.iter().find(|(k, _)| k == "frameworm.checkpoint").map(|(_, v)| PathBuf::from(v)).expect("a checkpoint tag");
    assert!(checkpoint.join("model.bpk").is_file(), "{checkpoint:?}");

    for metric in ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "epoch"] {
        let history = server.get(&format!("/api/2.0/mlflow/metrics/get-history?run_id={run_id}&metric_key={metric}"));
        let points = history["metrics"].as_array().unwrap();
        assert_eq!(points.len(), 2, "{metric}: one value per epoch across both sessions: {points:#?}");
        assert!(points[0]["step"].as_i64() < points[1]["step"].as_i64(), "{metric}: {points:#?}");
    }
    let epochs = server.get(&format!("/api/2.0/mlflow/metrics/get-history?run_id={run_id}&metric_key=epoch"));
    assert_eq!(epochs["metrics"][1]["value"].as_f64(), Some(2.0));
    let batch = server.get(&format!("/api/2.0/mlflow/metrics/get-history?run_id={run_id}&metric_key=batch_loss"));
    assert!(batch["metrics"].as_array().unwrap().len() >= 4, "{batch:#?}");

    let artifacts = server.get(&format!("/api/2.0/mlflow/artifacts/list?run_id={run_id}"));
    let files: Vec<&str> = artifacts["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(files.contains(&"config.yaml") && files.contains(&"metrics.csv"), "{files:?}");
    let stored = scratch.path().join("artifacts").join(id).join(run_id).join("artifacts/config.yaml");
    assert_eq!(std::fs::read(stored).unwrap(), std::fs::read(folder.join("config.yaml")).unwrap());

    // A server that is down: a warning, and the run trains.
    drop(server);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = format!("callbacks=[{{name: mlflow, tracking_uri: \"http://127.0.0.1:{port}\", timeout_secs: 2}}]");
    let alone = train("configs/mlp-digits.yaml", &output, &["--set", "training.epochs=1", "--set", "name=untracked", "--set", &dead]);
    assert!(alone.status.success(), "{}", text(&alone));
    assert!(text(&alone).contains(&format!("mlflow: warning: http://127.0.0.1:{port}/api/2.0/mlflow/experiments/get-by-name")), "{}", text(&alone));
    assert!(text(&alone).contains("training goes on without MLflow tracking"), "{}", text(&alone));
}
