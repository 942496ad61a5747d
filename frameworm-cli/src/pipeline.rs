//! `frameworm pipeline run NAME --config CONFIG` and `frameworm pipeline list`: build a pipeline
//! plugin (with the config's `pipeline:` section when it names this pipeline) and run it.

use std::path::Path;

use anyhow::{Context, Result};
use frameworm_core::burn::tensor::Device;
use frameworm_core::{EngineHost, Kind, PipelineContext, Registry, TrainOptions};
use serde_yaml::Value;

use crate::RegisterFn;
use crate::args::ConfigArgs;
use crate::table;
use crate::train::{console, interrupt_flag, load, registry};

/// `frameworm pipeline run`.
pub fn run(name: &str, path: &Path, overrides: &ConfigArgs, quiet: bool, device: Device, disabled: &[String], register: RegisterFn) -> Result<()> {
    let config = load(path, overrides)?;
    let mut registry = registry(&config, disabled, register)?;
    let section = match &config.run.pipeline {
        Some(pipeline) if pipeline.name == name => pipeline.section.clone(),
        _ => Value::Null,
    };
    let mut pipeline = registry.build_pipeline(name, &section).map_err(|error| match &config.run.pipeline {
        Some(p) if p.name == name => anyhow::Error::new(frameworm_core::locate_error(&config, "pipeline", error)),
        _ => anyhow::Error::new(error),
    })?;
    let options = TrainOptions { progress: console(quiet), interrupt: Some(interrupt_flag()?), ..TrainOptions::on(device) };
    let mut host = EngineHost::new(&mut registry, &config, options);
    let mut ctx = PipelineContext { config: &config, host: &mut host };
    let report = pipeline.run(&mut ctx).with_context(|| format!("pipeline `{name}` failed"))?;
    for (index, stage) in report.stages.iter().enumerate() {
        println!("{}. {stage}", index + 1);
    }
    for output in &report.outputs {
        println!("wrote {}", output.display());
    }
    Ok(())
}

/// `frameworm pipeline list`.
pub fn list(registry: &Registry, json: bool) -> Result<()> {
    let pipelines = registry.list(Kind::Pipeline);
    if json {
        println!("{}", serde_json::to_string_pretty(&pipelines)?);
        return Ok(());
    }
    let rows = pipelines.iter().map(|meta| vec![meta.name.to_string(), meta.plugin.to_string(), meta.description.to_string()]).collect();
    println!("{}", table::render(&["pipeline", "plugin", "description"], rows));
    Ok(())
}
