//! Training throughput: Frameworm's full engine against a bare burn loop over the same model, and
//! optionally against PyTorch figures from `bench/pytorch/bench.py`.
//!
//! ```sh
//! cargo bench --bench throughput -- [--models mlp-classifier,vae,dcgan,ddpm,char-transformer] [--batch 32,128]
//!     [--warmup 5] [--steps 30] [--repeat 1] [--pytorch bench/pytorch/results.json] [--json out.json]
//! ```
//!
//! Every case (model × batch × mode) runs in a child process (this executable, re-invoked with a
//! hidden `--case model,batch,mode`), so each reports its own peak resident memory (`VmHWM`).
//!
//! - **frameworm**: `frameworm_core::train` on a [`Config`] built in memory — the `synthetic` dataset
//!   (1×28×28, 5 classes, exactly `warmup + steps + 1` batches, no validation split, shuffled;
//!   for char-transformer the `text` dataset on a prefix of the shipped King James Bible with
//!   windows of 64 characters and the whole text's vocabulary, see [`bench_text`]),
//!   the `default` trainer (or `gan` for dcgan), Adam, checkpoints off, the per-step
//!   `metrics.jsonl` log on (into a temporary run folder), quiet progress. A hook on
//!   `on_batch_begin` (lowest priority, so it runs first) stamps the time at every step start;
//!   the timed window runs from the start of step `warmup` to the start of step
//!   `warmup + steps`, so it holds exactly `steps` whole loop iterations — data loading, hooks,
//!   the trainer's step, the NaN check, metric bookkeeping and the jsonl row — and excludes
//!   setup (registry, config check, the metric probe, model build) and the warm-up.
//! - **bare**: the same model type built from the same config section with the same seed, the
//!   same Adam settings, `warmup + steps` steps over batches made before timing, calling
//!   `compute_loss` / backward / `optimizer.step` directly (for dcgan: the `gan` trainer's
//!   discriminator and generator updates); no hooks, registry, data loader or logging.
//! - **parallel** (with `--devices A,B`, repeatable): the frameworm mode with the run spread
//!   over those devices at once (`TrainOptions::data_parallel`, the same global batch); the
//!   table adds, per list, its samples/s and the ratio to one device. Not for dcgan (its trainer
//!   runs on one device). `--serve N` starts N `frameworm serve` processes on free loopback
//!   ports for the run, which the lists name `serve:1` … `serve:N` (a list of only `serve:1`
//!   trains on one server, the model there too).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::data::dataloader::batcher::Batcher;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use frameworm_core::parse_section;
use frameworm_core::config::Config;
use frameworm_core::SampleBatcher;
use frameworm_core::TrainOptions;
use frameworm_core::{Batch, Dataset, FromConfig, Hook, Model, Registry, Sample};
use frameworm_plugin_dcgan::Dcgan;
use frameworm_plugin_ddpm::Ddpm;
use frameworm_plugin_gan_trainer::GanTrainerConfig;
use frameworm_plugin_mlp_classifier::MlpClassifier;
use frameworm_plugin_char_transformer::CharTransformer;
use frameworm_plugin_synthetic::{Synthetic, SyntheticConfig};
use frameworm_plugin_text::{TextConfig, TextDataset};
use frameworm_plugin_vae::Vae;
use serde_json::{Value, json};

/// The allocator of the `frameworm` binary, set as it sets it, for both modes.
#[path = "../src/allocator.rs"]
mod allocator;

/// The registry generated at build time from every plugin.yaml, exactly as the binary has it.
use frameworm::register_plugins;

/// THE one place the benchmark picks its device; both modes use it. `--device SPEC` (the same
/// specs as `frameworm train --device`; default `auto`) is passed on to every child process.
fn bench_device() -> Device {
    let spec = DEVICE_SPEC.get().map(String::as_str).unwrap_or("auto");
    frameworm_core::device::parse(spec).unwrap_or_else(|e| {
        eprintln!("error: --device {spec}: {e}");
        std::process::exit(2)
    })
}

/// `--prefetch N` (the engine's `data.prefetch`; unset: the engine's default), set once.
static PREFETCH: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// `--precision f32|bf16|f16` (the engine's `training.precision`, frameworm and parallel modes;
/// the bare loop stays f32), set once.
static PRECISION: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// `--device`, set once from the command line.
static DEVICE_SPEC: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Models the benchmark knows, in table order.
const MODELS: [&str; 5] = ["mlp-classifier", "vae", "dcgan", "ddpm", "char-transformer"];
/// Characters per window of the char-transformer case (configs/char-transformer.yaml).
const CONTEXT: usize = 64;
/// The text the char-transformer case reads a prefix of (relative to the package root).
const TEXT: &str = "plugins/text/data/kjv.txt.gz";
/// Side of the synthetic images (1×28×28, MNIST-sized).
const SIDE: usize = 28;
/// Seed of the run (model init, shuffles, noise).
const SEED: u64 = 42;
/// Learning rate of every optimizer.
const LR: f64 = 1e-3;
/// Distinct pre-made batches the bare loop cycles through (it needs no more, and holding
/// `warmup + steps` of them would inflate its peak memory against the engine, which loads one
/// batch at a time).
const BARE_POOL: usize = 8;
/// Marks the result line a child prints on stdout.
const RESULT_MARK: &str = "THROUGHPUT-RESULT ";
/// Targets printed beside the figures.
const OVERHEAD_TARGET_PCT: f64 = 2.0;
const PYTORCH_RATIO_TARGET: f64 = 1.0;

/// The model's section, as in the shipped `configs/<model>-digits.yaml`.
fn model_section(model: &str) -> &'static str {
    match model {
        "mlp-classifier" => "{name: mlp-classifier, hidden: [128, 64]}",
        "vae" => "{name: vae, latent_dim: 8, channels: [32, 64]}",
        "dcgan" => "{name: dcgan, latent_dim: 32, generator_channels: [128, 64], discriminator_channels: [64, 128]}",
        "ddpm" => "{name: ddpm, timesteps: 200, schedule: linear, channels: [16, 32], variance: posterior}",
        "char-transformer" => "{name: char-transformer, layers: 2, d_model: 128, heads: 4, dropout: 0.0}",
        other => panic!("unknown model `{other}`"),
    }
}

/// The trainer section: `gan` for dcgan (its discriminator Adam set like the run's: lr 1e-3,
/// betas 0.9/0.999, burn's eps 1e-5), `default` for the rest.
fn trainer_section(model: &str) -> &'static str {
    if model == "dcgan" {
        "{name: gan, discriminator_lr: 0.001, discriminator_betas: [0.9, 0.999], discriminator_steps: 1}"
    } else {
        "{name: default}"
    }
}

/// Writes `dir/bench-text.txt` for the char-transformer case and returns its path: every
/// distinct character of the shipped text once (so the vocabulary, and with it the embedding and
/// the head, is the whole text's, as in a real run), then the text's opening, so that the `text`
/// dataset cuts exactly `items` windows of [`CONTEXT`] characters from it.
fn bench_text(dir: &Path, items: usize) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join(TEXT)).map_err(|e| format!("{TEXT}: {e}"))?;
    let text = frameworm_core::gunzip(&bytes, TEXT).map_err(|e| e.to_string())?;
    let text = std::str::from_utf8(&text).map_err(|e| format!("{TEXT}: {e}"))?;
    let mut vocabulary: Vec<char> = text.chars().collect();
    vocabulary.sort_unstable();
    vocabulary.dedup();
    // `items` windows with stride = context need items × context + 1 characters.
    let wanted = items * CONTEXT + 1;
    let mut content: String = vocabulary.iter().collect();
    content.extend(text.chars().cycle().take(wanted.saturating_sub(vocabulary.len())));
    let path = dir.join("bench-text.txt");
    std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The dataset section of one case: `synthetic` images, or `text` for the char-transformer
/// (written into `dir`).
fn dataset_section(model: &str, items: usize, dir: &Path) -> Result<String, String> {
    if model == "char-transformer" {
        let path = bench_text(dir, items)?;
        let path = serde_json::to_string(&path.display().to_string()).expect("a string serialises");
        return Ok(format!("{{name: text, path: {path}, context: {CONTEXT}}}"));
    }
    Ok(format!("{{name: synthetic, side: {SIDE}, size: {items}, seed: 0}}"))
}

/// Tokens per sample: the window of the char-transformer, else none (images).
fn tokens_per_sample(model: &str) -> Option<usize> {
    (model == "char-transformer").then_some(CONTEXT)
}

/// The whole run config of one case. `items` is exactly the batches the run takes, so the one
/// epoch ends after them; `output_dir` receives the run folder (metrics.jsonl) and the
/// char-transformer's text.
fn run_yaml(model: &str, batch: usize, items: usize, output_dir: &Path, num_workers: usize) -> Result<String, String> {
    let dataset = dataset_section(model, items, output_dir)?;
    Ok(format!(
        "name: bench-{model}\n\
         seed: {SEED}\n\
         output_dir: {output}\n\
         model: {model_section}\n\
         dataset: {dataset}\n\
         trainer: {trainer_section}\n\
         optimizer: {{name: adam, lr: {LR}, betas: [0.9, 0.999], eps: 1.0e-5}}\n\
         scheduler: {{name: constant}}\n\
         data: {{batch_size: {batch}, val_split: 0.0, shuffle: true, num_workers: {num_workers}{prefetch}}}\n\
         training: {{epochs: 1, log_every: 1, precision: {precision}}}\n\
         checkpoint: {{enabled: false}}\n\
         callbacks: []\n\
         metrics: []\n",
        prefetch = PREFETCH.get().map(|n| format!(", prefetch: {n}")).unwrap_or_default(),
        precision = PRECISION.get().map_or("f32", String::as_str),
        output = serde_json::to_string(&output_dir.display().to_string()).expect("a string serialises"),
        model_section = model_section(model),
        trainer_section = trainer_section(model),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Frameworm,
    Bare,
    /// The engine on the N-th `--devices` list (data parallel).
    Parallel(usize),
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Frameworm => "frameworm",
            Mode::Bare => "bare",
            Mode::Parallel(_) => "parallel",
        }
    }

    fn parse(text: &str) -> Result<Mode, String> {
        match text {
            "frameworm" => Ok(Mode::Frameworm),
            "bare" => Ok(Mode::Bare),
            "parallel" => Ok(Mode::Parallel(0)),
            other => Err(format!("unknown mode `{other}` (frameworm | bare | parallel)")),
        }
    }
}

/// Command-line settings.
#[derive(Debug, Clone)]
struct Args {
    models: Vec<String>,
    batches: Vec<usize>,
    warmup: usize,
    steps: usize,
    repeat: usize,
    pytorch: Option<PathBuf>,
    json: Option<PathBuf>,
    sections: bool,
    num_workers: usize,
    device: Option<String>,
    /// `--devices A,B` (repeatable): also run the engine on each list's devices at once (data
    /// parallel); `serve:K` names the K-th server of `--serve`.
    devices: Vec<String>,
    /// `--serve N`: loopback `frameworm serve` processes started for the run.
    serve: usize,
    /// The `--devices` lists as given (`serve:K` unreplaced), for the table.
    labels: Vec<String>,
    prefetch: Option<usize>,
    /// `--precision`: the engine's `training.precision`.
    precision: Option<String>,
    case: Option<(String, usize, Mode)>,
}

const USAGE: &str = "usage: cargo bench --bench throughput -- [--models mlp-classifier,vae,dcgan,ddpm,char-transformer] [--batch 32,128] \
                     [--warmup 5] [--steps 30] [--repeat 1] [--pytorch FILE] [--json FILE] [--sections] [--num-workers 0] [--device auto] [--devices A,B]… [--serve N] [--prefetch N] [--precision f32|bf16|f16]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        models: MODELS.iter().map(|m| m.to_string()).collect(),
        batches: vec![32, 128],
        warmup: 5,
        steps: 30,
        repeat: 1,
        pytorch: None,
        json: None,
        sections: false,
        num_workers: 0,
        device: None,
        devices: Vec::new(),
        serve: 0,
        labels: Vec::new(),
        prefetch: None,
        precision: None,
        case: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        let number = |name: &str, text: String| text.trim().parse::<usize>().map_err(|_| format!("{name}: `{text}` is not a whole number"));
        match key.as_str() {
            // `cargo bench` appends `--bench` to every bench target's arguments.
            "--bench" => {}
            "--models" => {
                let list = value("--models")?;
                args.models = list.split(',').map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect();
                if let Some(bad) = args.models.iter().find(|m| !MODELS.contains(&m.as_str())) {
                    return Err(format!("--models: unknown model `{bad}`; known: {}", MODELS.join(",")));
                }
            }
            "--batch" => {
                let list = value("--batch")?;
                args.batches = list.split(',').map(|b| number("--batch", b.to_string())).collect::<Result<_, _>>()?;
                if args.batches.contains(&0) {
                    return Err("--batch: sizes must be positive".into());
                }
            }
            "--warmup" => args.warmup = number("--warmup", value("--warmup")?)?,
            "--steps" => args.steps = number("--steps", value("--steps")?)?.max(1),
            "--repeat" => args.repeat = number("--repeat", value("--repeat")?)?.max(1),
            "--pytorch" => args.pytorch = Some(value("--pytorch")?.into()),
            "--json" => args.json = Some(value("--json")?.into()),
            "--sections" => args.sections = true,
            // The engine's `data.num_workers` (frameworm mode only); 0, the default, loads each
            // batch on the training thread, as the shipped configs do.
            "--num-workers" => args.num_workers = number("--num-workers", value("--num-workers")?)?,
            "--device" => args.device = Some(value("--device")?),
            "--devices" => args.devices.push(value("--devices")?),
            "--serve" => args.serve = number("--serve", value("--serve")?)?,
            "--prefetch" => args.prefetch = Some(number("--prefetch", value("--prefetch")?)?),
            "--precision" => args.precision = Some(value("--precision")?),
            "--case" => {
                let text = value("--case")?;
                let parts: Vec<&str> = text.split(',').collect();
                let [model, batch, mode] = parts[..] else { return Err(format!("--case wants model,batch,mode (got `{text}`)")) };
                if !MODELS.contains(&model) {
                    return Err(format!("--case: unknown model `{model}`"));
                }
                args.case = Some((model.to_string(), number("--case", batch.to_string())?, Mode::parse(mode)?));
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    allocator::keep_freed_memory();
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if let Some(precision) = &args.precision {
        PRECISION.set(precision.clone()).expect("set once");
    }
    if let Some(depth) = args.prefetch {
        PREFETCH.set(depth).expect("set once");
    }
    if let Some(spec) = &args.device {
        DEVICE_SPEC.set(spec.clone()).expect("set once");
        if let Err(e) = frameworm_core::device::parse(spec) {
            eprintln!("error: --device {spec}: {e}");
            return ExitCode::from(2);
        }
    }
    let mut args = args;
    args.labels = args.devices.clone();
    let mut servers = Vec::new();
    if args.case.is_none() && args.serve > 0 {
        match (0..args.serve).map(|_| LoopbackServer::start()).collect::<Result<Vec<_>, _>>() {
            Ok(started) => servers = started,
            Err(message) => {
                eprintln!("error: --serve: {message}");
                return ExitCode::FAILURE;
            }
        }
        for list in &mut args.devices {
            for (index, server) in servers.iter().enumerate().rev() {
                *list = list.replace(&format!("serve:{}", index + 1), &server.url);
            }
        }
    }
    let result = match &args.case {
        Some((model, batch, mode)) => run_case(model, *batch, *mode, &args),
        None => run_all(&args),
    };
    drop(servers);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Child: one case.
// ---------------------------------------------------------------------------------------------

/// What a child measured.
struct Measured {
    /// `warmup + steps + 1` stamps: the start of every step and the end of the last timed one.
    stamps: Vec<Instant>,
    /// With `--sections`: (step hook, time) at every step hook (frameworm: from hook
    /// subscribers; bare: stamped at the equivalent points of the loop).
    events: Vec<(&'static str, Instant)>,
    /// The model's parameter count (bare mode, which builds the model itself).
    params: Option<usize>,
}

/// Shared list of section events.
type Events = Arc<Mutex<Vec<(&'static str, Instant)>>>;

/// Per-step time between consecutive step hooks inside the window `[start, end]`, in ms per
/// step, keyed `"from → to"` (repeated transitions within a step, e.g. a GAN's two updates,
/// are summed).
fn sections(events: &[(&'static str, Instant)], start: Instant, end: Instant, steps: usize) -> serde_json::Map<String, Value> {
    let inside: Vec<&(&str, Instant)> = events.iter().filter(|(_, t)| *t >= start && *t <= end).collect();
    let mut sums: Vec<(String, f64)> = Vec::new();
    for pair in inside.windows(2) {
        let key = format!("{} → {}", pair[0].0, pair[1].0);
        let ms = (pair[1].1 - pair[0].1).as_secs_f64() * 1e3;
        match sums.iter_mut().find(|(k, _)| *k == key) {
            Some((_, sum)) => *sum += ms,
            None => sums.push((key, ms)),
        }
    }
    sums.into_iter().map(|(k, sum)| (k, json!(sum / steps as f64))).collect()
}

fn run_case(model: &str, batch: usize, mode: Mode, args: &Args) -> Result<(), String> {
    let (warmup, steps) = (args.warmup, args.steps);
    let measured = match mode {
        Mode::Frameworm => frameworm_case(model, batch, warmup, steps, args.sections, args.num_workers, None)?,
        Mode::Parallel(list) => {
            let specs = args.devices.get(list).ok_or("mode `parallel` needs --devices")?;
            frameworm_case(model, batch, warmup, steps, args.sections, args.num_workers, Some(specs))?
        }
        Mode::Bare => bare_case(model, batch, warmup, steps, args.sections)?,
    };
    let window = &measured.stamps[warmup..=warmup + steps];
    let seconds = (window[steps] - window[0]).as_secs_f64();
    let mut step_ms: Vec<f64> = window.windows(2).map(|w| (w[1] - w[0]).as_secs_f64() * 1e3).collect();
    step_ms.sort_by(f64::total_cmp);
    let median_ms = step_ms[step_ms.len() / 2];
    let result = json!({
        "model": model,
        "batch": batch,
        "mode": mode.name(),
        "warmup": warmup,
        "steps": steps,
        "seconds": seconds,
        "samples_per_s": (batch * steps) as f64 / seconds,
        "tokens_per_s": tokens_per_sample(model).map(|t| (batch * steps * t) as f64 / seconds),
        "params": measured.params,
        "step_ms_median": median_ms,
        "step_ms_min": step_ms[0],
        "step_ms_max": step_ms[step_ms.len() - 1],
        "peak_rss_mb": peak_rss_mb(),
        "sections_ms_per_step": sections(&measured.events, window[0], window[steps], steps),
    });
    println!("{RESULT_MARK}{result}");
    Ok(())
}

/// This process's peak resident set size (`VmHWM`), in MiB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The full engine path: registry, config, data loader, hooks, logging.
fn frameworm_case(
    model: &str,
    batch: usize,
    warmup: usize,
    steps: usize,
    with_sections: bool,
    num_workers: usize,
    devices: Option<&str>,
) -> Result<Measured, String> {
    let output = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
    // One extra batch: the timed window ends at the *start* of step warmup + steps.
    let total_steps = warmup + steps + 1;
    let yaml = run_yaml(model, batch, total_steps * batch, output.path(), num_workers)?;
    let config = Config::from_yaml("throughput-bench.yaml", &yaml).map_err(|e| e.to_string())?;
    let mut registry = Registry::build(register_plugins, &[]).map_err(|e| e.to_string())?;

    let stamps: Arc<Mutex<Vec<Instant>>> = Arc::new(Mutex::new(Vec::with_capacity(total_steps + 1)));
    let recorder = stamps.clone();
    let events: Events = Arc::default();
    let section_events = with_sections.then(|| events.clone());
    // i32::MIN: before every other on_batch_begin subscriber, so the window between two stamps
    // is exactly one loop iteration.
    registry.hooks_mut().on(Hook::BatchBegin, "throughput-bench", "step-timer", i32::MIN, move |_, _| {
        let now = Instant::now();
        recorder.lock().expect("the timer lock is never poisoned").push(now);
        if let Some(events) = &section_events {
            events.lock().expect("the timer lock is never poisoned").push(("on_batch_begin", now));
        }
        Ok(())
    });
    if with_sections {
        // Diagnostics only: first at each step hook (a few Instant::now calls per step).
        for hook in [Hook::BackwardBegin, Hook::BackwardEnd, Hook::OptimizerStep, Hook::BatchEnd] {
            let events = events.clone();
            let name = hook.name();
            registry.hooks_mut().on(hook, "throughput-bench", "section-timer", i32::MIN, move |_, _| {
                events.lock().expect("the timer lock is never poisoned").push((name, Instant::now()));
                Ok(())
            });
        }
    }
    let options = match devices {
        None => TrainOptions::on(bench_device()),
        Some(specs) => {
            let specs: Vec<&str> = specs.split(',').map(str::trim).collect();
            let token = frameworm_core::device::Token::from_env().map_err(|e| e.to_string())?;
            let list = frameworm_core::device::parse_list(&specs, token.as_ref(), frameworm_core::device::CONNECT_TIMEOUT)
                .map_err(|e| format!("--devices: {e}"))?;
            TrainOptions { data_parallel: list.data_parallel, device_names: list.names, ..TrainOptions::on(list.device) }
        }
    };
    let report = frameworm_core::train(&mut registry, &config, options).map_err(|e| e.to_string())?;

    let stamps = std::mem::take(&mut *stamps.lock().expect("the timer lock is never poisoned"));
    if report.steps != total_steps as u64 || stamps.len() != total_steps {
        return Err(format!("expected {total_steps} steps, the engine ran {} ({} stamps)", report.steps, stamps.len()));
    }
    // The per-step log is part of what is measured: make sure it was written.
    let jsonl = std::fs::read_to_string(report.run_dir.join("metrics.jsonl")).map_err(|e| format!("metrics.jsonl: {e}"))?;
    if jsonl.lines().count() != total_steps {
        return Err(format!("metrics.jsonl has {} rows, expected {total_steps}", jsonl.lines().count()));
    }
    let events = std::mem::take(&mut *events.lock().expect("the timer lock is never poisoned"));
    Ok(Measured { stamps, events, params: None })
}

/// The bare burn loop: same model, same settings, pre-made batches, nothing else.
fn bare_case(model: &str, batch: usize, warmup: usize, steps: usize, with_sections: bool) -> Result<Measured, String> {
    // Receives the char-transformer's text; no run folder is made.
    let output = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
    let total_steps = warmup + steps + 1;
    let config = Config::from_yaml("throughput-bench.yaml", &run_yaml(model, batch, total_steps * batch, output.path(), 0)?)
        .map_err(|e| e.to_string())?;
    let run = &config.run;
    let device = bench_device();
    let train_device = device.clone().autodiff();

    // The same items the engine would load (its shuffle differs, which costs nothing here).
    let section = &run.dataset.section;
    let dataset: Box<dyn Dataset> = if model == "char-transformer" {
        let config = parse_section::<TextConfig>("dataset.text", section).map_err(|e| e.to_string())?;
        Box::new(TextDataset::from_config(config).map_err(|e| e.to_string())?)
    } else {
        let config = parse_section::<SyntheticConfig>("dataset.synthetic", section).map_err(|e| e.to_string())?;
        Box::new(Synthetic::from_config(config).map_err(|e| e.to_string())?)
    };
    let info = dataset.schema();
    let batcher = SampleBatcher { schema: std::sync::Arc::new(info.clone()) };
    let pool = BARE_POOL.min(warmup + steps).max(1);
    let batches: Vec<Batch> = (0..pool)
        .map(|b| {
            let items: Vec<Sample> = (b * batch..(b + 1) * batch).map(|i| dataset.get(i).expect("in range")).collect();
            batcher.batch(items, &train_device)
        })
        .collect();

    // As the engine seeds before building the model.
    device.seed(SEED);
    train_device.seed(SEED);
    let [beta_1, beta_2] = run.optimizer.betas;
    // The run's optimizer, as `engine::optim::build_optimizer` makes it from this config.
    let optimizer = AdamConfig::new().with_beta_1(beta_1).with_beta_2(beta_2).with_epsilon(run.optimizer.eps).init();
    let section = &run.model.section;
    let err = |e: frameworm_core::ComponentError| e.to_string();
    let mut events = Sections { on: with_sections, events: Vec::new() };
    let steps = warmup + steps;
    // Every branch: the model, its parameter count, then the trainer's work.
    let (params, stamps) = match model {
        "mlp-classifier" => {
            let m = MlpClassifier::new(&parse_section("model.mlp-classifier", section).map_err(err)?, &info, &train_device).map_err(err)?;
            (m.num_params(), bare_default(m, optimizer, &batches, steps, &mut events))
        }
        "vae" => {
            let m = Vae::new(&parse_section("model.vae", section).map_err(err)?, &info, &train_device).map_err(err)?;
            (m.num_params(), bare_default(m, optimizer, &batches, steps, &mut events))
        }
        "ddpm" => {
            let m = Ddpm::new(&parse_section("model.ddpm", section).map_err(err)?, &info, &train_device).map_err(err)?;
            (m.num_params(), bare_default(m, optimizer, &batches, steps, &mut events))
        }
        "char-transformer" => {
            let m = CharTransformer::new(&parse_section("model.char-transformer", section).map_err(err)?, &info, &train_device).map_err(err)?;
            (m.num_params(), bare_default(m, optimizer, &batches, steps, &mut events))
        }
        "dcgan" => {
            let m = Dcgan::new(&parse_section("model.dcgan", section).map_err(err)?, &info, &train_device).map_err(err)?;
            let gan: GanTrainerConfig = parse_section("trainer.gan", &run.trainer.section).map_err(err)?;
            (m.num_params(), bare_gan(m, optimizer, &gan, &batches, steps, &mut events))
        }
        other => return Err(format!("unknown model `{other}`")),
    };
    Ok(Measured { stamps, events: events.events, params: Some(params) })
}

/// Section stamps of the bare loop, named after the step hook the engine fires at the same
/// point (`--sections` only).
struct Sections {
    on: bool,
    events: Vec<(&'static str, Instant)>,
}

impl Sections {
    fn mark(&mut self, hook: Hook) {
        if self.on {
            self.events.push((hook.name(), Instant::now()));
        }
    }
}

/// Reads a one-element tensor from the device, as the engine's `Scalar::value` does.
fn read(tensor: Tensor<1>) -> f32 {
    tensor.detach().into_scalar::<f32>()
}

/// `steps` steps of the `default` trainer's work; returns a stamp before every step and one
/// after the last.
///
/// Device synchronisation: the engine reads the loss and every metric the model reports once
/// per step (the NaN check, the epoch sums and the metrics.jsonl row), each a device read. This
/// loop reads the same tensors the same number of times, after the optimizer step as the engine
/// does, so both loops wait for the device equally often.
fn bare_default<M: Model>(mut model: M, mut optimizer: ModuleOptimizer, batches: &[Batch], steps: usize, sections: &mut Sections) -> Vec<Instant> {
    let mut stamps = Vec::with_capacity(steps + 1);
    let mut sink = 0.0f32;
    for step in 0..steps {
        stamps.push(Instant::now());
        sections.mark(Hook::BatchBegin);
        let batch = &batches[step % batches.len()];
        let output = model.compute_loss(batch).expect("the bench's model reads the synthetic images");
        sections.mark(Hook::BackwardBegin);
        let grads = GradientsParams::from_grads(output.loss.backward(), &model);
        sections.mark(Hook::BackwardEnd);
        sections.mark(Hook::OptimizerStep);
        model = optimizer.step(LR, model, grads);
        sink += read(output.loss);
        for (_, value) in output.metrics {
            sink += read(value);
        }
        sections.mark(Hook::BatchEnd);
    }
    stamps.push(Instant::now());
    sections.mark(Hook::BatchBegin);
    std::hint::black_box(sink);
    stamps
}

/// `steps` steps of the `gan` trainer's work (`plugins/gan-trainer`): per step
/// `discriminator_steps` discriminator updates (fresh noise, detached fakes, D-only gradients,
/// the trainer's own Adam at `discriminator_lr`), then one generator update (fresh noise,
/// G-only gradients, the run's optimizer). Reads what the engine reads: the reported loss
/// (`d_loss + g_loss`) and the four metrics, once each per step (see [`bare_default`]).
fn bare_gan(
    mut model: Dcgan,
    mut g_optimizer: ModuleOptimizer,
    config: &GanTrainerConfig,
    batches: &[Batch],
    steps: usize,
    sections: &mut Sections,
) -> Vec<Instant> {
    let [beta_1, beta_2] = config.discriminator_betas;
    // As `GanTrainer::from_config` builds it.
    let mut d_optimizer = AdamConfig::new().with_beta_1(beta_1 as f32).with_beta_2(beta_2 as f32).init();
    let mut stamps = Vec::with_capacity(steps + 1);
    let mut sink = 0.0f32;
    for step in 0..steps {
        stamps.push(Instant::now());
        sections.mark(Hook::BatchBegin);
        let real = batches[step % batches.len()].image().expect("synthetic images");
        let [n, ..] = real.dims();
        let device = real.device();
        let mut d_losses = Vec::with_capacity(config.discriminator_steps);
        let mut d_reals = Vec::with_capacity(config.discriminator_steps);
        let mut d_fakes = Vec::with_capacity(config.discriminator_steps);
        for _ in 0..config.discriminator_steps {
            let fake = model.generate(model.noise(n, &device)).detach();
            let terms = model.discriminator_terms(real.clone(), fake);
            d_losses.push(terms.loss.clone().detach());
            sections.mark(Hook::BackwardBegin);
            let grads = GradientsParams::from_grads(terms.loss.backward(), &model.discriminator);
            sections.mark(Hook::BackwardEnd);
            sections.mark(Hook::OptimizerStep);
            model = d_optimizer.step(config.discriminator_lr, model, grads);
            d_reals.push(terms.real_probability);
            d_fakes.push(terms.fake_probability);
        }
        let g_loss = model.generator_loss(model.generate(model.noise(n, &device)));
        let g_measured = g_loss.clone().detach();
        sections.mark(Hook::BackwardBegin);
        let grads = GradientsParams::from_grads(g_loss.backward(), &model.generator);
        sections.mark(Hook::BackwardEnd);
        sections.mark(Hook::OptimizerStep);
        model = g_optimizer.step(LR, model, grads);
        let k = config.discriminator_steps;
        let mean = |v: Vec<Tensor<1>>| {
            let sum = v.into_iter().reduce(|a, b| a + b).expect("discriminator_steps >= 1");
            if k > 1 { sum.div_scalar(k as f64) } else { sum }
        };
        let (d_loss, d_real, d_fake) = (mean(d_losses), mean(d_reals), mean(d_fakes));
        sink += read(d_loss.clone() + g_measured.clone());
        sink += read(d_loss) + read(g_measured) + read(d_real) + read(d_fake);
        sections.mark(Hook::BatchEnd);
    }
    stamps.push(Instant::now());
    sections.mark(Hook::BatchBegin);
    std::hint::black_box(sink);
    stamps
}

// ---------------------------------------------------------------------------------------------
// Parent: every case in a child, then the table.
// ---------------------------------------------------------------------------------------------

/// One child's result.
#[derive(Debug, Clone)]
struct CaseResult {
    samples_per_s: f64,
    peak_rss_mb: Option<f64>,
    step_ms_median: f64,
    params: Option<u64>,
    sections: serde_json::Map<String, Value>,
}

fn run_child(model: &str, batch: usize, mode: Mode, args: &Args) -> Result<CaseResult, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let child = Command::new(&exe)
        .arg("--case")
        .arg(format!("{model},{batch},{}", mode.name()))
        .arg("--warmup")
        .arg(args.warmup.to_string())
        .arg("--steps")
        .arg(args.steps.to_string())
        .args(args.sections.then_some("--sections"))
        .args(["--num-workers".to_string(), args.num_workers.to_string()])
        .args(args.device.iter().flat_map(|spec| ["--device".to_string(), spec.clone()]))
        .args(match mode {
            Mode::Parallel(list) => vec!["--devices".to_string(), args.devices[list].clone()],
            _ => Vec::new(),
        })
        .args(args.prefetch.iter().flat_map(|depth| ["--prefetch".to_string(), depth.to_string()]))
        .args(args.precision.iter().flat_map(|p| ["--precision".to_string(), p.clone()]))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let output = child.wait_with_output().map_err(|e| format!("child: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("case {model},{batch},{} failed ({}): {stdout}", mode.name(), output.status));
    }
    let line = BufReader::new(stdout.as_bytes())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix(RESULT_MARK).map(str::to_string))
        .ok_or_else(|| format!("case {model},{batch},{} printed no result", mode.name()))?;
    let value: Value = serde_json::from_str(&line).map_err(|e| format!("child result: {e}"))?;
    Ok(CaseResult {
        samples_per_s: value["samples_per_s"].as_f64().unwrap_or(f64::NAN),
        peak_rss_mb: value["peak_rss_mb"].as_f64(),
        step_ms_median: value["step_ms_median"].as_f64().unwrap_or(f64::NAN),
        params: value["params"].as_u64(),
        sections: value["sections_ms_per_step"].as_object().cloned().unwrap_or_default(),
    })
}

/// A `frameworm serve` process for flex on a free loopback port (no token: loopback only), for
/// `--serve`; killed when dropped.
struct LoopbackServer {
    child: std::process::Child,
    url: String,
}

impl LoopbackServer {
    fn start() -> Result<LoopbackServer, String> {
        let binary = env!("CARGO_BIN_EXE_frameworm");
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--device", "flex"])
            .env_remove("FRAMEWORM_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {binary}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.split_once(" on ws://").map(|(_, rest)| format!("ws://{}", rest.split_whitespace().next().unwrap_or(""))));
        // Keep draining what the server prints, so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        match url {
            Some(url) => {
                eprintln!("started frameworm serve on {url}");
                Ok(LoopbackServer { child, url })
            }
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err("frameworm serve printed no address".into())
            }
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The machine: CPU model, logical cores, memory, load.
fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string());
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let usable = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0);
    json!({ "cpu": model, "cores": cores, "usable_cores": usable, "memory_gib": mem_gib, "device": format!("{:?}", bench_device()) })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(|_| "?".into(), |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// One PyTorch figure.
struct PytorchRow {
    model: String,
    batch: usize,
    samples_per_s: f64,
    peak_rss_mb: Option<f64>,
    /// The PyTorch model's parameter count, when bench.py wrote it.
    params: Option<u64>,
}

/// PyTorch figures: a JSON list of `{model, batch, samples_per_s, peak_rss_mb[, params]}`.
fn read_pytorch(path: &Path) -> Result<Vec<PytorchRow>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let list = value.as_array().ok_or_else(|| format!("{}: expected a JSON list", path.display()))?;
    list.iter()
        .map(|row| {
            let model = row["model"].as_str().ok_or_else(|| format!("{}: a row has no `model`", path.display()))?;
            let batch = row["batch"].as_u64().ok_or_else(|| format!("{}: a row has no `batch`", path.display()))?;
            let speed = row["samples_per_s"].as_f64().ok_or_else(|| format!("{}: a row has no `samples_per_s`", path.display()))?;
            Ok(PytorchRow {
                model: model.to_string(),
                batch: batch as usize,
                samples_per_s: speed,
                peak_rss_mb: row["peak_rss_mb"].as_f64(),
                params: row["params"].as_u64(),
            })
        })
        .collect()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// `(max − min) / median`, in percent.
fn spread_pct(values: &[f64]) -> f64 {
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    (max - min) / median(values) * 100.0
}

fn run_all(args: &Args) -> Result<(), String> {
    let pytorch = args.pytorch.as_deref().map(read_pytorch).transpose()?;
    let machine = machine();
    let load_before = load_average();
    println!(
        "machine: {} — {} logical cores ({} usable), {:.1} GiB; device {}",
        machine["cpu"].as_str().unwrap_or("?"),
        machine["cores"],
        machine["usable_cores"],
        machine["memory_gib"].as_f64().unwrap_or(f64::NAN),
        machine["device"].as_str().unwrap_or("?"),
    );
    println!(
        "settings: warmup {} + {} timed steps per case, {} run(s) per case, synthetic 1×{SIDE}×{SIDE}, Adam lr {LR}, data.num_workers {}; load average before: {load_before}",
        args.warmup, args.steps, args.repeat, args.num_workers
    );
    if let Ok(tunables) = std::env::var("GLIBC_TUNABLES") {
        println!("GLIBC_TUNABLES={tunables} (inherited by every case)");
    }

    struct Row {
        model: String,
        batch: usize,
        frameworm: Vec<CaseResult>,
        bare: Vec<CaseResult>,
        /// Per `--devices` list.
        parallel: Vec<Vec<CaseResult>>,
    }
    let mut rows: Vec<Row> = Vec::new();
    for model in &args.models {
        for &batch in &args.batches {
            rows.push(Row { model: model.clone(), batch, frameworm: Vec::new(), bare: Vec::new(), parallel: vec![Vec::new(); args.devices.len()] });
        }
    }
    let modes = 2 + args.devices.len();
    let total = rows.len() * modes * args.repeat;
    let mut done = 0;
    for round in 0..args.repeat {
        for row in &mut rows {
            // Alternate which mode goes first, so a drift in machine load hits both alike.
            let mut order = if round % 2 == 0 { vec![Mode::Frameworm, Mode::Bare] } else { vec![Mode::Bare, Mode::Frameworm] };
            for list in 0..args.devices.len() {
                order.insert(1 + list, Mode::Parallel(list));
            }
            for mode in order {
                done += 1;
                let result = run_child(&row.model, row.batch, mode, args)?;
                eprintln!(
                    "[{done:>3}/{total}] {:<14} batch {:>4} {:<9} {:>9.1} samples/s  (median step {:.2} ms, peak {:.0} MB)",
                    row.model,
                    row.batch,
                    mode.name(),
                    result.samples_per_s,
                    result.step_ms_median,
                    result.peak_rss_mb.unwrap_or(f64::NAN)
                );
                match mode {
                    Mode::Frameworm => row.frameworm.push(result),
                    Mode::Bare => row.bare.push(result),
                    Mode::Parallel(list) => row.parallel[list].push(result),
                }
            }
        }
    }
    let load_after = load_average();

    // The table.
    let mut header = vec![
        "model".to_string(),
        "batch".into(),
        "frameworm/s".into(),
        "bare/s".into(),
        format!("overhead (≤{OVERHEAD_TARGET_PCT:.0} %)"),
        "fw MB".into(),
        "bare MB".into(),
    ];
    if pytorch.is_some() {
        header.extend(["pytorch/s".to_string(), "pt MB".into(), format!("fw÷pt (≥{PYTORCH_RATIO_TARGET:.1})"), "params fw / pt".into()]);
    }
    for devices in &args.labels {
        header.extend([format!("fw on {devices}/s"), "÷ 1 device".into()]);
    }
    if args.repeat > 1 {
        header.extend(["fw spread".to_string(), "bare spread".into()]);
    }
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut json_rows = Vec::new();
    for row in &rows {
        let fw: Vec<f64> = row.frameworm.iter().map(|r| r.samples_per_s).collect();
        let bare: Vec<f64> = row.bare.iter().map(|r| r.samples_per_s).collect();
        let (fw_speed, bare_speed) = (median(&fw), median(&bare));
        let overhead = (bare_speed - fw_speed) / bare_speed * 100.0;
        let peak = |rs: &[CaseResult]| rs.iter().filter_map(|r| r.peak_rss_mb).fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        let (fw_mb, bare_mb) = (peak(&row.frameworm), peak(&row.bare));
        let mark = |ok: bool| if ok { "ok" } else { "MISS" };
        let mb = |v: Option<f64>| v.map_or("?".to_string(), |v| format!("{v:.0}"));
        let mut cells = vec![
            row.model.clone(),
            row.batch.to_string(),
            format!("{fw_speed:.0}"),
            format!("{bare_speed:.0}"),
            format!("{overhead:+.1} % {}", mark(overhead <= OVERHEAD_TARGET_PCT)),
            mb(fw_mb),
            mb(bare_mb),
        ];
        let mut json_row = json!({
            "model": row.model,
            "batch": row.batch,
            "frameworm_samples_per_s": fw_speed,
            "bare_samples_per_s": bare_speed,
            "overhead_pct": overhead,
            "frameworm_peak_rss_mb": fw_mb,
            "bare_peak_rss_mb": bare_mb,
            "frameworm_runs": fw,
            "bare_runs": bare,
            "frameworm_step_ms_median": row.frameworm.iter().map(|r| r.step_ms_median).collect::<Vec<_>>(),
            "bare_step_ms_median": row.bare.iter().map(|r| r.step_ms_median).collect::<Vec<_>>(),
        });
        let params = row.bare.iter().find_map(|r| r.params);
        json_row["params"] = json!(params);
        if let Some(tokens) = tokens_per_sample(&row.model) {
            json_row["tokens_per_sample"] = json!(tokens);
            json_row["frameworm_tokens_per_s"] = json!(fw_speed * tokens as f64);
            json_row["bare_tokens_per_s"] = json!(bare_speed * tokens as f64);
        }
        if let Some(pytorch) = &pytorch {
            match pytorch.iter().find(|pt| pt.model == row.model && pt.batch == row.batch) {
                Some(pt) => {
                    let ratio = fw_speed / pt.samples_per_s;
                    let count = |p: Option<u64>| p.map_or("?".to_string(), |p| p.to_string());
                    let same = match (params, pt.params) {
                        (Some(a), Some(b)) => mark(a == b),
                        _ => "unchecked",
                    };
                    cells.extend([
                        format!("{:.0}", pt.samples_per_s),
                        mb(pt.peak_rss_mb),
                        format!("{ratio:.2} {}", mark(ratio >= PYTORCH_RATIO_TARGET)),
                        format!("{} / {} {same}", count(params), count(pt.params)),
                    ]);
                    json_row["pytorch_samples_per_s"] = json!(pt.samples_per_s);
                    json_row["pytorch_peak_rss_mb"] = json!(pt.peak_rss_mb);
                    json_row["pytorch_params"] = json!(pt.params);
                    json_row["frameworm_over_pytorch"] = json!(ratio);
                    if let Some(tokens) = tokens_per_sample(&row.model) {
                        json_row["pytorch_tokens_per_s"] = json!(pt.samples_per_s * tokens as f64);
                    }
                }
                None => cells.extend(["–".to_string(), "–".into(), "–".into(), "–".into()]),
            }
        }
        let mut parallel_json = Vec::new();
        for (label, results) in args.labels.iter().zip(&row.parallel) {
            let parallel = median(&results.iter().map(|r| r.samples_per_s).collect::<Vec<_>>());
            cells.extend([format!("{parallel:.0}"), format!("{:.2}", parallel / fw_speed)]);
            parallel_json.push(json!({ "devices": label, "samples_per_s": parallel, "over_one_device": parallel / fw_speed }));
        }
        json_row["parallel"] = json!(parallel_json);
        if args.repeat > 1 {
            cells.extend([format!("±{:.1} %", spread_pct(&fw) / 2.0), format!("±{:.1} %", spread_pct(&bare) / 2.0)]);
        }
        table.push(cells);
        json_rows.push(json_row);
    }
    println!();
    print_table(&header, &table);
    println!();
    println!("load average after: {load_after}");
    // The language model's figures in its own unit, beside each other.
    for row in rows.iter().filter(|r| tokens_per_sample(&r.model).is_some()) {
        let tokens = tokens_per_sample(&row.model).unwrap_or(1) as f64;
        let speed = |rs: &[CaseResult]| median(&rs.iter().map(|r| r.samples_per_s).collect::<Vec<_>>()) * tokens;
        let pt = pytorch.as_ref().and_then(|p| p.iter().find(|pt| pt.model == row.model && pt.batch == row.batch));
        let (fw, bare) = (speed(&row.frameworm), speed(&row.bare));
        match pt {
            Some(pt) => println!(
                "{} batch {}: tokens/s frameworm {fw:.0}, bare {bare:.0}, pytorch {:.0}; fw÷pt {:.2} (target ≥ 0.8)",
                row.model,
                row.batch,
                pt.samples_per_s * tokens,
                fw / (pt.samples_per_s * tokens)
            ),
            None => println!("{} batch {}: tokens/s frameworm {fw:.0}, bare {bare:.0}", row.model, row.batch),
        }
    }
    if rows.iter().any(|r| tokens_per_sample(&r.model).is_some()) {
        println!("char-transformer: a sample is a window of {CONTEXT} tokens (tokens/s = samples/s × {CONTEXT})");
    }
    println!("overhead = (bare − frameworm) / bare; samples/s = batch × timed steps / timed wall time; MB = peak RSS (VmHWM) of the case's process");
    if args.repeat > 1 {
        println!("figures are medians of {} runs; spread = ±(max − min) / 2 / median", args.repeat);
    }

    if args.sections {
        print_sections(&rows.iter().map(|r| (r.model.as_str(), r.batch, &r.frameworm[..], &r.bare[..])).collect::<Vec<_>>());
    }

    if let Some(path) = &args.json {
        let document = json!({
            "machine": machine,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "warmup": args.warmup,
            "steps": args.steps,
            "repeat": args.repeat,
            "num_workers": args.num_workers,
            "glibc_tunables": std::env::var("GLIBC_TUNABLES").ok(),
            "rows": json_rows,
        });
        let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// `--sections`: where each mode spends a step, between consecutive step hooks (last run of
/// each case).
fn print_sections(rows: &[(&str, usize, &[CaseResult], &[CaseResult])]) {
    println!();
    println!("time per step between step hooks, ms (last run of each case; the hook timers themselves cost a few µs per step):");
    for (model, batch, frameworm, bare) in rows {
        let (Some(fw), Some(bare)) = (frameworm.last(), bare.last()) else { continue };
        let mut keys: Vec<&String> = fw.sections.keys().collect();
        for key in bare.sections.keys() {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let get = |m: &serde_json::Map<String, Value>, k: &str| m.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        let header = ["section".to_string(), "frameworm".into(), "bare".into(), "difference".into()];
        let mut table: Vec<Vec<String>> = keys
            .iter()
            .map(|k| {
                let (f, b) = (get(&fw.sections, k), get(&bare.sections, k));
                vec![(*k).clone(), format!("{f:.3}"), format!("{b:.3}"), format!("{:+.3}", f - b)]
            })
            .collect();
        let (f, b): (f64, f64) = (keys.iter().map(|k| get(&fw.sections, k)).sum(), keys.iter().map(|k| get(&bare.sections, k)).sum());
        table.push(vec!["whole step".into(), format!("{f:.3}"), format!("{b:.3}"), format!("{:+.3}", f - b)]);
        println!();
        println!("{model}, batch {batch}:");
        print_table(&header, &table);
    }
}

fn print_table(header: &[String], rows: &[Vec<String>]) {
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i] - c.chars().count();
                if i == 0 { format!("{c}{}", " ".repeat(pad)) } else { format!("{}{c}", " ".repeat(pad)) }
            })
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    println!("{}", line(header));
    let rule: Vec<String> = widths.iter().enumerate().map(|(i, w)| if i == 0 { format!(":{}", "-".repeat(w.saturating_sub(1))) } else { format!("{}:", "-".repeat(w.saturating_sub(1))) }).collect();
    println!("| {} |", rule.join(" | "));
    for row in rows {
        println!("{}", line(row));
    }
}
