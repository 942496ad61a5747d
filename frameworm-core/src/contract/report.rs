//! What a run and an evaluation report back ([`TrainReport`], [`Evaluation`]): the types the
//! engine returns, pipelines read through their host, and the CLI prints.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::event::{Metrics, StopRequest};
use super::metric::MetricSource;

/// The best value so far of the monitored metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The metric.
    pub metric: String,
    /// Its best value.
    pub value: f64,
    /// The epoch (1-based) it was reached in.
    pub epoch: usize,
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

/// One metric's score.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Score {
    /// The metric's name.
    pub metric: String,
    /// Its value.
    pub value: f64,
    /// What the real images were compared with.
    pub source: MetricSource,
    /// Whether larger is better.
    pub higher_is_better: bool,
}

/// Scores of a checkpoint on held-out data.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    /// The checkpoint folder.
    pub checkpoint: PathBuf,
    /// The model's component name.
    pub model: String,
    /// Held-out items scored.
    pub items: usize,
    /// The seed samples were drawn with.
    pub seed: u64,
    /// One row per metric, in the order asked.
    pub scores: Vec<Score>,
}

