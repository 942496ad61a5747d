//! `frameworm completions SHELL` and `frameworm manpage --out DIR`: shell completion scripts
//! (clap_complete) and man pages (clap_mangen) generated from the one clap grammar in
//! `args.rs`. The completions also offer what this build's registry knows: plugin names for
//! `--disable-plugin`, `plugins info` and `plugins unload`; model names for `--model`; metric
//! names for `evaluate --metrics`; pipeline names for `pipeline run`; device names for
//! `--device`; and the engine's config keys (`training.epochs=`, …) for `--set`. Those values
//! are added only to the command the scripts are generated from, never to the parser.

use std::path::Path;

use anyhow::{Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Arg, Command, CommandFactory};
use frameworm_core::{Kind, Registry};

use crate::args::Cli;

/// What the completions offer beyond the grammar, read off the registry and the engine config.
struct Values {
    plugins: Vec<String>,
    models: Vec<String>,
    metrics: Vec<String>,
    pipelines: Vec<String>,
    named: Vec<String>,
    devices: Vec<String>,
    keys: Vec<String>,
}

impl Values {
    fn of(registry: &Registry) -> Values {
        let names = |kind| registry.list(kind).into_iter().map(|meta| meta.name.clone()).collect::<Vec<_>>();
        let plugins: Vec<String> = registry.plugins().iter().chain(registry.disabled_plugins()).map(|p| p.name.to_string()).collect();
        let mut named = plugins.clone();
        named.extend(registry.all().into_iter().map(|meta| meta.name.clone()));
        named.sort();
        named.dedup();
        let mut devices = vec!["auto".to_string(), "cpu".to_string()];
        devices.extend(frameworm_core::device::BACKENDS.iter().filter(|b| b.compiled).map(|b| b.name.to_string()));
        Values { plugins, models: names(Kind::Model), metrics: names(Kind::Metric), pipelines: names(Kind::Pipeline), named, devices, keys: config_keys() }
    }
}

/// `KEY=` for every key of the engine's config sections with its default, and `SECTION.name=`
/// for the component sections.
fn config_keys() -> Vec<String> {
    use frameworm_core::config::{CheckpointConfig, DataConfig, OptimizerConfig, PluginsConfig, SchedulerConfig, TrainingConfig};
    let sections: [(&str, serde_yaml::Result<serde_yaml::Value>); 6] = [
        ("optimizer", serde_yaml::to_value(OptimizerConfig::default())),
        ("scheduler", serde_yaml::to_value(SchedulerConfig::default())),
        ("data", serde_yaml::to_value(DataConfig::default())),
        ("training", serde_yaml::to_value(TrainingConfig::default())),
        ("checkpoint", serde_yaml::to_value(CheckpointConfig::default())),
        ("plugins", serde_yaml::to_value(PluginsConfig::default())),
    ];
    let mut keys: Vec<String> = ["name", "seed", "output_dir", "model.name", "dataset.name", "val_dataset.name", "trainer.name", "pipeline.name"]
        .iter()
        .map(|key| format!("{key}="))
        .collect();
    for (section, value) in sections {
        if let Ok(serde_yaml::Value::Mapping(map)) = value {
            keys.extend(map.keys().filter_map(|key| key.as_str()).map(|key| format!("{section}.{key}=")));
        }
    }
    keys.sort();
    keys
}

/// `arg` offering `values` (for the generated scripts only).
fn offering(arg: Arg, values: &[String]) -> Arg {
    if values.is_empty() {
        return arg;
    }
    arg.value_parser(PossibleValuesParser::new(values.iter().map(|value| PossibleValue::new(value.clone()))))
}

/// The grammar with the registry's names offered where arguments take them.
fn completing(registry: &Registry) -> Command {
    let values = Values::of(registry);
    let set_and_model = |command: Command| {
        command.mut_arg("set", |arg| offering(arg, &values.keys)).mut_arg("model", |arg| offering(arg, &values.models))
    };
    let device = |command: Command| command.mut_arg("spec", |arg| offering(arg, &values.devices));
    Cli::command()
        .mut_arg("disable_plugin", |arg| offering(arg, &values.plugins))
        .mut_subcommand("train", |train| device(set_and_model(train)))
        .mut_subcommand("config", |config| config.mut_subcommand("show", set_and_model).mut_subcommand("validate", set_and_model))
        .mut_subcommand("evaluate", |evaluate| device(evaluate.mut_arg("metrics", |arg| offering(arg, &values.metrics))))
        .mut_subcommand("sample", device)
        .mut_subcommand("export", |export| export.mut_arg("format", |arg| offering(arg, &["safetensors".into(), "burnpack".into()])))
        .mut_subcommand("plugins", |plugins| {
            plugins
                .mut_subcommand("info", |info| info.mut_arg("name", |arg| offering(arg, &values.named)))
                .mut_subcommand("unload", |unload| unload.mut_arg("name", |arg| offering(arg, &values.plugins)))
        })
        .mut_subcommand("pipeline", |pipeline| {
            pipeline.mut_subcommand("run", |run| device(set_and_model(run.mut_arg("name", |arg| offering(arg, &values.pipelines)))))
        })
}

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, registry: &Registry) -> Result<()> {
    let mut command = completing(registry);
    clap_complete::generate(shell, &mut command, "frameworm", &mut std::io::stdout());
    Ok(())
}

/// Writes `frameworm.1` and a page per subcommand (`frameworm-train.1`, `frameworm-plugins-list.1`,
/// …) into `out`; returns how many pages.
pub fn manpages(out: &Path) -> Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create the folder", out.display()))?;
    let command = Cli::command();
    let mut written = 0;
    let mut stack = vec![(command, "frameworm".to_string())];
    while let Some((command, name)) = stack.pop() {
        let command = command.name(name.clone());
        for sub in command.get_subcommands() {
            stack.push((sub.clone(), format!("{name}-{}", sub.get_name())));
        }
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page).context("cannot render a man page")?;
        let path = out.join(format!("{name}.1"));
        frameworm_core::write_atomic(&path, &page)?;
        written += 1;
    }
    Ok(written)
}
