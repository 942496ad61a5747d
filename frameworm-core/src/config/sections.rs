//! The typed sections of a run config that the engine itself reads (everything but the plugin
//! components' own keys). Unknown keys are errors with a did-you-mean; absent keys take the
//! defaults shown by `frameworm config show`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::component_ref::ComponentRef;

/// A whole run config, after `_base_` merging and overrides.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// The run's name (run folder `runs/<name>-<timestamp>`); default: the config file's stem.
    #[serde(default)]
    pub name: Option<String>,
    /// Seeds parameter initialisation, shuffling and sampling noise: CPU runs with one seed are
    /// identical.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Where run folders are created.
    #[serde(default = "default_output_dir")]
    pub output_dir: PathBuf,
    /// The model to train: `{name: vae, …its settings}`.
    pub model: ComponentRef,
    /// The training data.
    pub dataset: ComponentRef,
    /// Separate validation data; without it `data.val_split` of `dataset` is held out.
    #[serde(default)]
    pub val_dataset: Option<ComponentRef>,
    /// The trainer plugin (what one step does).
    #[serde(default = "default_trainer")]
    pub trainer: ComponentRef,
    /// The optimizer (burn's).
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    /// The learning-rate schedule (burn's).
    #[serde(default)]
    pub scheduler: SchedulerConfig,
    /// Batching, shuffling and the validation split.
    #[serde(default)]
    pub data: DataConfig,
    /// Epochs and validation cadence.
    #[serde(default)]
    pub training: TrainingConfig,
    /// Checkpoint cadence and the metric that picks `best`.
    #[serde(default)]
    pub checkpoint: CheckpointConfig,
    /// Callback plugins for this run, in order.
    #[serde(default)]
    pub callbacks: Vec<ComponentRef>,
    /// Metric plugins scored on validation data (against reconstructions, samples or class
    /// predictions: each metric says which).
    #[serde(default)]
    pub metrics: Vec<ComponentRef>,
    /// The pipeline `frameworm pipeline run` uses this config with, and its settings.
    #[serde(default)]
    pub pipeline: Option<ComponentRef>,
    /// Plugins to switch off for this run.
    #[serde(default)]
    pub plugins: PluginsConfig,
}

fn default_seed() -> u64 {
    42
}

fn default_output_dir() -> PathBuf {
    PathBuf::from("runs")
}

fn default_trainer() -> ComponentRef {
    ComponentRef::named("default")
}

/// `optimizer:` — one of burn's optimizers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimizerConfig {
    /// `adam`, `adamw` or `sgd`.
    pub name: OptimizerKind,
    /// The base learning rate.
    pub lr: f64,
    /// L2 penalty (Adam, SGD) or decoupled weight decay (AdamW; default 1e-4 there).
    pub weight_decay: Option<f32>,
    /// Adam/AdamW β₁ and β₂.
    pub betas: [f32; 2],
    /// Adam/AdamW ε (PyTorch's default 1e-8).
    pub eps: f32,
    /// SGD momentum (0: none).
    pub momentum: f64,
    /// SGD Nesterov momentum.
    pub nesterov: bool,
    /// Clip each gradient's L2 norm to this value.
    pub grad_clip_norm: Option<f32>,
    /// Clip each gradient value to ±this value.
    pub grad_clip_value: Option<f32>,
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig {
            name: OptimizerKind::Adam,
            lr: 1e-3,
            weight_decay: None,
            betas: [0.9, 0.999],
            eps: 1e-8,
            momentum: 0.0,
            nesterov: false,
            grad_clip_norm: None,
            grad_clip_value: None,
        }
    }
}

/// The optimizers on offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam.
    Adam,
    /// AdamW (decoupled weight decay).
    AdamW,
    /// Stochastic gradient descent, optionally with momentum.
    Sgd,
}

/// `scheduler:` — how the learning rate moves, per optimizer step.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// `constant`, `cosine`, `step`, `linear` or `exponential`.
    pub name: SchedulerKind,
    /// Steps of linear warm-up from `lr × warmup_start` to `lr` before the schedule.
    pub warmup_steps: usize,
    /// Where warm-up starts, as a fraction of `lr`.
    pub warmup_start: f64,
    /// `cosine`: the final learning rate.
    pub min_lr: f64,
    /// `step`: epochs between decays.
    pub step_epochs: usize,
    /// `step` and `exponential`: the decay factor (per `step_epochs`, or per step).
    pub gamma: f64,
    /// `linear`: the final learning rate.
    pub final_lr: f64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            name: SchedulerKind::Constant,
            warmup_steps: 0,
            warmup_start: 0.1,
            min_lr: 0.0,
            step_epochs: 1,
            gamma: 0.1,
            final_lr: 0.0,
        }
    }
}

/// The schedules on offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchedulerKind {
    /// The learning rate stays `lr`.
    Constant,
    /// Cosine annealing from `lr` to `min_lr` over the run.
    Cosine,
    /// Multiplied by `gamma` every `step_epochs` epochs.
    Step,
    /// Linear from `lr` to `final_lr` over the run.
    Linear,
    /// Multiplied by `gamma` every step.
    Exponential,
}

/// `data:` — batching and the validation split.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Items per training batch.
    pub batch_size: usize,
    /// Items per validation batch (default: `batch_size`).
    pub val_batch_size: Option<usize>,
    /// Fraction of `dataset` held out for validation when there is no `val_dataset` (0: none).
    pub val_split: f64,
    /// Reshuffle the training items every epoch.
    pub shuffle: bool,
    /// Background threads loading batches (burn's multi-threaded DataLoader); 0 loads on the
    /// training thread. With threads, batch order depends on timing, so runs are reproducible
    /// bit for bit only with 0.
    pub num_workers: usize,
    /// With `num_workers: 0`, batches loaded ahead on one background thread while the current
    /// one trains (same order, so runs stay reproducible); 0 loads each batch on the training
    /// thread when it is needed. Each costs one batch of memory. Unset (`~`): 2 on a GPU, 0 on
    /// a CPU backend, where the compute already keeps every core busy and a loading thread
    /// only competes with it (measured: up to 45 % slower steps with libtorch's spinning
    /// OpenMP workers).
    pub prefetch: Option<usize>,
}

impl DataConfig {
    /// Batches to load ahead on the prefetch thread for a run on a CPU backend (`on_cpu`) or
    /// a GPU: `prefetch` if set, else 0 on a CPU and 2 on a GPU; always 0 when burn's own worker
    /// threads (`num_workers`) already load ahead.
    pub fn prefetch_depth(&self, on_cpu: bool) -> usize {
        match (self.num_workers, self.prefetch) {
            (1.., _) => 0,
            (0, Some(depth)) => depth,
            (0, None) => if on_cpu { 0 } else { 2 },
        }
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig { batch_size: 64, val_batch_size: None, val_split: 0.2, shuffle: true, num_workers: 0, prefetch: None }
    }
}

/// `training:` — how long, and how often to validate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingConfig {
    /// Passes over the training data.
    pub epochs: usize,
    /// Validate every this many epochs (and always after the last).
    pub val_every: usize,
    /// Stop after this many optimizer steps in all (none: run every epoch).
    pub max_steps: Option<u64>,
    /// Write a `metrics.jsonl` row every this many steps.
    pub log_every: u64,
    /// Train on several devices at once (`[flex, flex]`, `[cuda:0, cuda:1]`): each step splits
    /// the batch over them, the first holds the model. Empty: `--device`. `--devices` wins.
    pub devices: Vec<String>,
    /// The float type the model computes, and keeps its weights, in: `f32` (the default),
    /// `bf16` or `f16`, where the device's backend has it.
    pub precision: Precision,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig { epochs: 10, val_every: 1, max_steps: None, log_every: 1, devices: Vec::new(), precision: Precision::F32 }
    }
}

/// `training.precision`: the float type of a run's tensors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats.
    #[default]
    F32,
    /// bfloat16: f32's range, 8 bits of mantissa.
    Bf16,
    /// IEEE half precision.
    F16,
}

impl Precision {
    /// The name as written in configs.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::F16 => "f16",
        }
    }
}

/// `checkpoint:` — when to write, and which metric decides `best`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckpointConfig {
    /// Write checkpoints at all.
    pub enabled: bool,
    /// Write `latest` every this many epochs (and always at the end).
    pub every: usize,
    /// The epoch metric that decides `best` (default: `val_loss` with validation, else `loss`).
    pub monitor: Option<String>,
    /// Whether lower or higher is better (`auto`: higher for accuracy-like names).
    pub mode: MonitorMode,
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig { enabled: true, every: 1, monitor: None, mode: MonitorMode::Auto }
    }
}

/// Which direction of a monitored metric is better (`checkpoint.mode`, and callbacks such as
/// early-stopping that watch a metric).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorMode {
    /// Higher for names ending (in any case) in accuracy/acc/f1/precision/recall/auc/psnr/ssim,
    /// else lower (the engine asks a metric plugin first for `checkpoint.monitor`).
    #[default]
    Auto,
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

impl MonitorMode {
    /// The concrete direction for `metric`: [`MonitorMode::Min`] or [`MonitorMode::Max`], never `Auto`.
    pub fn resolve(self, metric: &str) -> MonitorMode {
        const HIGHER_IS_BETTER: [&str; 9] = ["accuracy", "acc", "f1", "precision", "recall", "auc", "psnr", "ssim", "r2"];
        match self {
            MonitorMode::Auto if HIGHER_IS_BETTER.iter().any(|s| metric.to_ascii_lowercase().ends_with(s)) => MonitorMode::Max,
            MonitorMode::Auto => MonitorMode::Min,
            concrete => concrete,
        }
    }

    /// Whether higher values of `metric` are better.
    pub fn higher_is_better(self, metric: &str) -> bool {
        self.resolve(metric) == MonitorMode::Max
    }
}

/// `plugins:` — run-time plugin switches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginsConfig {
    /// Plugins whose components and hooks this run does without (as `--disable-plugin`).
    pub disable: Vec<String>,
}
