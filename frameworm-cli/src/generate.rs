//! `frameworm sample`, `evaluate`, `export` and `predict`: load a checkpoint with the config it
//! was trained with (or, for `predict`, a safetensors export), then draw a PNG grid of samples,
//! score metric plugins on the run's held-out split, write the model in a format other tools
//! read, or run it on new inputs.

use std::path::Path;

use anyhow::{Context, Result};
use frameworm_core::burn::tensor::Device;
use frameworm_core::{Evaluation, Registry, Trained};

use crate::RegisterFn;
use crate::args::{DeviceArg, EvaluateArgs, ExportArgs, PredictArgs, SampleArgs};
use crate::table;

/// The registry, the device and the checkpoint `sample` and `evaluate` work on, after checking
/// `--n`.
fn open(n: usize, device: &DeviceArg, checkpoint: &Path, disabled: &[String], register: RegisterFn) -> Result<(Registry, Device, Trained)> {
    if n == 0 {
        anyhow::bail!("--n must be at least 1");
    }
    let registry = Registry::build(register, disabled).context("cannot build the plugin registry")?;
    let device = device.open()?;
    let trained = frameworm_core::load_trained(&registry, checkpoint, &device)?;
    Ok((registry, device, trained))
}

/// `frameworm sample`.
pub fn sample(args: &SampleArgs, disabled: &[String], register: RegisterFn) -> Result<()> {
    let (_, device, trained) = open(args.n, &args.device, &args.checkpoint, disabled, register)?;
    let seed = args.seed.unwrap_or(trained.state.seed);
    if let Some(prompt) = &args.prompt {
        let text = frameworm_core::generate(&trained, prompt, args.tokens, args.temperature, seed, &device)?;
        println!("{prompt}{text}");
        return Ok(());
    }
    let samples = frameworm_core::sample(&trained, args.n, seed, &device)?;
    let layout = frameworm_core::write_grid(&samples, &args.out, args.columns)?;
    let [n, c, h, w] = samples.dims();
    println!(
        "wrote {}: {n} samples ({}×{} grid of {c}×{h}×{w} images, {}×{} px) from model `{}` at step {} (seed {seed})",
        args.out.display(),
        layout.columns,
        layout.rows,
        layout.size.0,
        layout.size.1,
        trained.config.run.model.name,
        trained.state.step
    );
    Ok(())
}

/// `frameworm export`.
pub fn export(args: &ExportArgs, disabled: &[String], register: RegisterFn) -> Result<()> {
    let format = frameworm_core::ExportFormat::parse(&args.format)?;
    let mut registry = Registry::build(register, disabled).context("cannot build the plugin registry")?;
    let trained = frameworm_core::load_trained(&registry, &args.checkpoint, &Device::default())?;
    let out = args.out.clone().unwrap_or_else(|| frameworm_core::default_export_path(&trained, format));
    let written = frameworm_core::export(&mut registry, &trained, format, &out)?;
    println!("exported model `{}` (step {}) as {} to {}", trained.config.run.model.name, trained.state.step, format.name(), written.display());
    Ok(())
}

/// `frameworm predict`: predictions to `--out` (written whole or not at all) or stdout.
pub fn predict(args: &PredictArgs, disabled: &[String], register: RegisterFn) -> Result<()> {
    let registry = Registry::build(register, disabled).context("cannot build the plugin registry")?;
    let device = args.device.open()?;
    let trained = match (&args.checkpoint, &args.model) {
        (Some(checkpoint), _) => frameworm_core::load_trained(&registry, checkpoint, &device)?,
        (None, Some(file)) => frameworm_core::load_export(&registry, file, &device)?,
        (None, None) => unreachable!("clap requires one of --checkpoint and --model"),
    };
    if args.out.as_deref().is_some_and(Path::is_dir) {
        anyhow::bail!("--out {}: is a folder; name the file to write", args.out.as_deref().unwrap_or(Path::new("")).display());
    }
    let options = frameworm_core::PredictOptions {
        id_column: args.id.clone(),
        batch_size: args.batch_size,
        tokens: args.tokens,
        temperature: args.temperature,
        seed: args.seed.unwrap_or(trained.config.run.seed),
    };
    let predicted = frameworm_core::predict(&trained, &args.input, &options, &device)?;
    let text = predicted.to_csv();
    match &args.out {
        Some(out) => {
            frameworm_core::write_atomic(out, text.as_bytes())?;
            let count = match &predicted {
                frameworm_core::Predicted::Table { rows, .. } => format!("{} predictions", rows.len()),
                frameworm_core::Predicted::Text(_) => "the generated text".into(),
            };
            eprintln!("wrote {count} to {}", out.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// `frameworm evaluate`.
pub fn evaluate(args: &EvaluateArgs, disabled: &[String], register: RegisterFn) -> Result<()> {
    let (registry, device, trained) = open(args.n, &args.device, &args.checkpoint, disabled, register)?;
    let names: Vec<String> = if args.metrics.is_empty() {
        trained.config.run.metrics.iter().map(|m| m.name.clone()).collect()
    } else {
        args.metrics.iter().map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect()
    };
    if names.is_empty() {
        anyhow::bail!("no metrics: pass --metrics NAME[,NAME…] (`frameworm plugins search '*'` lists them) or list them under `metrics:` in the run config");
    }
    let metrics = frameworm_core::build_metrics(&registry, &trained.config, &names)?;
    let evaluation = frameworm_core::evaluate(&registry, &trained, &metrics, args.n, args.seed, &device)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        print_table(&evaluation);
    }
    Ok(())
}

fn print_table(evaluation: &Evaluation) {
    println!(
        "checkpoint {} (model `{}`), {} held-out items, sample seed {}",
        evaluation.checkpoint.display(),
        evaluation.model,
        evaluation.items,
        evaluation.seed
    );
    let rows = evaluation
        .scores
        .iter()
        .map(|score| {
            vec![
                score.metric.clone(),
                format!("{:.4}", score.value),
                if score.higher_is_better { "higher".into() } else { "lower".into() },
                score.source.name().to_string(),
            ]
        })
        .collect();
    println!("{}", table::render(&["metric", "value", "better", "compares"], rows));
}
