//! `frameworm train` and `frameworm config show|validate`: load the config, build the registry
//! (minus the plugins the config or `--disable-plugin` switch off), hand over to the engine, and
//! report. Ctrl-C asks the engine to stop after the current step; a second Ctrl-C exits at once.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use frameworm_core::device::{self, Token};
use frameworm_core::{Config, Outcome, Override, ProgressSink, Registry, Resume, TrainOptions};

use crate::RegisterFn;
use crate::args::{ConfigArgs, TrainArgs};

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: u8 = 130;

/// Loads a config with its `--set`/`--model` overrides.
pub(crate) fn load(path: &Path, overrides: &ConfigArgs) -> Result<Config> {
    let mut list = overrides.set.iter().map(|arg| Override::parse(arg)).collect::<Result<Vec<_>, _>>()?;
    if let Some(model) = &overrides.model {
        list.push(Override::model(model));
    }
    Ok(Config::load(path, &list)?)
}

/// The registry minus the plugins the config or `--disable-plugin` switch off.
pub(crate) fn registry(config: &Config, disabled: &[String], register: RegisterFn) -> Result<Registry> {
    let mut all = disabled.to_vec();
    all.extend(config.run.plugins.disable.iter().cloned());
    all.sort();
    all.dedup();
    Registry::build(register, &all).context("cannot build the plugin registry")
}

/// A flag Ctrl-C sets (the engine then stops after the current step with a checkpoint); a
/// second Ctrl-C exits at once.
pub(crate) fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\ninterrupted twice: exiting without a checkpoint");
            std::process::exit(INTERRUPTED.into());
        }
        eprintln!("\ninterrupt: stopping after the current step and writing a checkpoint (Ctrl-C again to quit at once)");
    })
    .context("cannot install the Ctrl-C handler")?;
    Ok(interrupt)
}

/// Where a run's progress goes: the console, or nowhere with `--quiet`.
pub(crate) fn console(quiet: bool) -> Option<Arc<dyn ProgressSink>> {
    (!quiet).then(|| Arc::new(crate::progress::Console::new()) as Arc<dyn ProgressSink>)
}

/// `frameworm config show`.
pub fn config_show(path: &Path, overrides: &ConfigArgs, disabled: &[String], register: RegisterFn, json: bool) -> Result<()> {
    let config = load(path, overrides)?;
    let registry = registry(&config, disabled, register)?;
    let resolved = frameworm_core::resolved_config(&config, &registry);
    if json {
        println!("{}", serde_json::to_string_pretty(&resolved)?);
    } else {
        print!("{}", serde_yaml::to_string(&resolved)?);
    }
    Ok(())
}

/// `frameworm config validate`.
pub fn config_validate(path: &Path, overrides: &ConfigArgs, disabled: &[String], register: RegisterFn) -> Result<()> {
    let config = load(path, overrides)?;
    let registry = registry(&config, disabled, register)?;
    frameworm_core::check_config(&config, &registry)?;
    let schema = frameworm_core::check_data(&registry, &config)?;
    let files: Vec<String> = config.layers.files().iter().map(|f| f.display().to_string()).collect();
    println!(
        "{}: ok ({} → model `{}`, dataset `{}` with fields {})",
        path.display(),
        files.join(" → "),
        config.run.model.name,
        config.run.dataset.name,
        schema.describe()
    );
    Ok(())
}

/// The run's devices: `--devices`, else `training.devices`, else `--device`; remote ones
/// connected with the token of `--token-file` or `FRAMEWORM_TOKEN`.
fn devices(args: &TrainArgs, config: &Config) -> Result<TrainOptions> {
    let mut specs = if args.devices.is_empty() { config.run.training.devices.clone() } else { args.devices.clone() };
    if specs.is_empty() {
        if !device::is_remote_spec(&args.device.spec) {
            return Ok(TrainOptions::on(args.device.open()?));
        }
        specs.push(args.device.spec.clone());
    }
    let token = if specs.iter().any(|spec| device::is_remote_spec(spec)) { Token::resolve(args.remote.token_file.as_deref())? } else { None };
    let list = device::parse_list(&specs, token.as_ref(), Duration::from_secs(args.remote.connect_timeout))?;
    Ok(TrainOptions { data_parallel: list.data_parallel, device_names: list.names, ..TrainOptions::on(list.device) })
}

/// `frameworm train`.
pub fn train(args: &TrainArgs, disabled: &[String], register: RegisterFn) -> Result<ExitCode> {
    let config = load(&args.config, &args.overrides)?;
    let mut registry = registry(&config, disabled, register)?;
    let interrupt = interrupt_flag()?;
    let resume = args.resume.as_deref().map(|value| if value == "auto" { Resume::Auto } else { Resume::Path(value.into()) });
    let options = TrainOptions { progress: console(args.quiet), resume, interrupt: Some(interrupt), ..devices(args, &config)? };
    let report = frameworm_core::train(&mut registry, &config, options)?;

    let folder = report.run_dir.display();
    if let Some(from) = &report.resumed_from {
        println!("resumed from {}", from.display());
    }
    let shown: Vec<String> = report.metrics.iter().map(|(k, v)| format!("{k} {v:.4}")).collect();
    match &report.outcome {
        Outcome::Completed => println!("finished {} epochs ({} steps) in {:.1} s, {:.0} samples/s", report.epochs, report.steps, report.seconds, report.samples_per_second),
        Outcome::Stopped(request) => println!("stopped by plugin `{}` after epoch {}: {}", request.plugin, report.epochs, request.reason),
        Outcome::MaxSteps => println!("reached training.max_steps ({} steps) in epoch {}", report.steps, report.epochs + 1),
        Outcome::Interrupted => {}
    }
    if !shown.is_empty() {
        println!("last epoch: {}", shown.join(", "));
    }
    if let Some(best) = &report.best {
        println!("best {} {:.4} at epoch {}", best.metric, best.value, best.epoch);
    }
    println!("run folder: {folder}");
    if let Some(checkpoint) = &report.checkpoint {
        println!("checkpoint: {}", checkpoint.display());
    }
    if report.outcome == Outcome::Interrupted || report.outcome == Outcome::MaxSteps {
        let resume_from = report.checkpoint.as_ref().map_or_else(|| folder.to_string(), |c| c.display().to_string());
        let mut command = format!("frameworm train --config {}", args.config.display());
        // After max_steps, the same cap would stop the resumed run at once: leave it out.
        let capped = report.outcome == Outcome::MaxSteps;
        for set in args.overrides.set.iter().filter(|s| !(capped && s.starts_with("training.max_steps"))) {
            command.push_str(&format!(" --set {set}"));
        }
        if let Some(model) = &args.overrides.model {
            command.push_str(&format!(" --model {model}"));
        }
        eprintln!("stopped after step {}; resume with:\n  {command} --resume {resume_from}", report.steps);
        if report.outcome == Outcome::Interrupted {
            return Ok(ExitCode::from(INTERRUPTED));
        }
    }
    Ok(ExitCode::SUCCESS)
}
