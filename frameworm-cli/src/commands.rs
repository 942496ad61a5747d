//! Runs each command against the registry and prints the result.

use anyhow::{Context, Result, bail};
use frameworm_core::{ComponentMeta, Kind, PluginInfo, Registry};
use serde::Serialize;

use crate::RegisterFn;
use std::process::ExitCode;

use crate::args::{Cli, Command, ConfigCommand, HooksCommand, PipelineCommand, PluginsCommand};
use crate::table;

/// Runs one parsed command line.
pub fn dispatch(cli: Cli, register: RegisterFn) -> Result<ExitCode> {
    match &cli.command {
        Command::Train(args) => return crate::train::train(args, &cli.disable_plugin, register),
        Command::Config(ConfigCommand::Show { config, overrides, json }) => {
            crate::train::config_show(config, overrides, &cli.disable_plugin, register, *json)?
        }
        Command::Config(ConfigCommand::Validate { config, overrides }) => {
            crate::train::config_validate(config, overrides, &cli.disable_plugin, register)?
        }
        Command::Sample(args) => crate::generate::sample(args, &cli.disable_plugin, register)?,
        Command::Evaluate(args) => crate::generate::evaluate(args, &cli.disable_plugin, register)?,
        Command::Plot(args) => crate::plot::plot(args)?,
        Command::Serve(args) => crate::serve::serve(args)?,
        Command::Predict(args) => crate::generate::predict(args, &cli.disable_plugin, register)?,
        Command::Export(args) => crate::generate::export(args, &cli.disable_plugin, register)?,
        Command::Pipeline(PipelineCommand::Run { name, config, overrides, quiet, device }) => {
            crate::pipeline::run(name, config, overrides, *quiet, device.open()?, &cli.disable_plugin, register)?
        }
        _ => other(&cli, register)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn other(cli: &Cli, register: RegisterFn) -> Result<()> {
    let registry = || Registry::build(register, &cli.disable_plugin).context("cannot build the plugin registry");
    match &cli.command {
        Command::Train(_) | Command::Config(_) | Command::Sample(_) | Command::Evaluate(_) | Command::Plot(_) | Command::Export(_) | Command::Serve(_) | Command::Predict(_) => {
            unreachable!("dispatched above")
        }
        Command::Pipeline(PipelineCommand::Run { .. }) => unreachable!("dispatched above"),
        Command::Pipeline(PipelineCommand::List(flag)) => crate::pipeline::list(&registry()?, flag.json),
        Command::Plugins(PluginsCommand::List { verbose, json }) => plugins_list(&registry()?, *verbose, *json),
        Command::Plugins(PluginsCommand::Info { name, json }) => plugins_info(&registry()?, name, *json),
        Command::Plugins(PluginsCommand::Search { query, json }) => plugins_search(&registry()?, query, *json),
        Command::Plugins(PluginsCommand::Create { name, kind }) => plugins_create(name, kind),
        Command::Plugins(PluginsCommand::Load { target, dry_run }) => crate::load::load(&registry()?, target, *dry_run),
        Command::Plugins(PluginsCommand::Unload { name, dry_run }) => crate::load::unload(&registry()?, name, *dry_run),
        Command::Registry(flag) => registry_summary(&registry()?, flag.json),
        Command::Hooks(HooksCommand::List(flag)) => hooks_list(&registry()?, flag.json),
        Command::Info(flag) => crate::info::info(&registry()?, flag.json),
        Command::Completions { shell } => crate::completions::completions(*shell, &registry()?),
        Command::Manpage { out } => {
            let pages = crate::completions::manpages(out)?;
            println!("wrote {pages} man pages to {}", out.display());
            Ok(())
        }
    }
}

fn print_json(value: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A plugin as `plugins list --json` and `plugins info --json` print it.
#[derive(Serialize)]
struct PluginView<'a> {
    name: &'a str,
    version: &'a str,
    author: &'a str,
    description: &'a str,
    manifest: &'a str,
    package: &'a str,
    origin: frameworm_core::PluginOrigin,
    enabled: bool,
    dependencies: Vec<String>,
    hooks: Vec<&'static str>,
    components: Vec<&'a ComponentMeta>,
}

fn plugin_view<'a>(registry: &'a Registry, plugin: &'a PluginInfo) -> PluginView<'a> {
    PluginView {
        name: plugin.name,
        version: plugin.version,
        author: plugin.author,
        description: plugin.description,
        manifest: plugin.manifest,
        package: plugin.package,
        origin: plugin.origin,
        enabled: registry.plugins().iter().any(|p| p.name == plugin.name),
        dependencies: plugin.dependencies.iter().map(|(name, req)| format!("{name} {req}")).collect(),
        hooks: plugin.hooks.iter().map(|h| h.name()).collect(),
        components: registry.all().into_iter().filter(|m| m.plugin == plugin.name).collect(),
    }
}

fn all_plugins(registry: &Registry) -> impl Iterator<Item = &'static PluginInfo> + '_ {
    registry.plugins().iter().chain(registry.disabled_plugins()).copied()
}

fn plugins_list(registry: &Registry, verbose: bool, json: bool) -> Result<()> {
    let views: Vec<PluginView> = all_plugins(registry).map(|p| plugin_view(registry, p)).collect();
    if json {
        return print_json(&views);
    }
    if verbose {
        println!("{}", components_table(&registry.all()));
        return Ok(());
    }
    let rows = views
        .iter()
        .map(|v| {
            let provides: Vec<String> = v.components.iter().map(|c| format!("{} {}", c.kind, c.name)).collect();
            vec![
                v.name.to_string(),
                v.version.to_string(),
                if v.enabled { "yes" } else { "disabled" }.to_string(),
                if provides.is_empty() { "-".into() } else { provides.join(", ") },
                v.description.to_string(),
            ]
        })
        .collect();
    println!("{}", table::render(&["plugin", "version", "enabled", "provides", "description"], rows));
    println!("\n{} plugins, {} components", views.len(), registry.all().len());
    Ok(())
}

fn components_table(metas: &[&ComponentMeta]) -> String {
    let rows = metas
        .iter()
        .map(|m| vec![m.kind.to_string(), m.qualified_name.clone(), m.type_name.clone(), m.source.clone(), m.description.clone()])
        .collect();
    table::render(&["kind", "name", "type", "source", "description"], rows)
}

/// The fields components declare in plugin.yaml (a dataset's items, what a model reads).
fn print_fields(metas: &[&ComponentMeta]) {
    for meta in metas.iter().filter(|m| !m.fields.is_empty()) {
        let fields: Vec<String> = meta.fields.iter().map(|(name, decl)| format!("`{name}` {decl}")).collect();
        let role = if meta.kind == Kind::Model { "reads" } else { "provides" };
        println!("{} `{}` {role} {}", meta.kind, meta.name, fields.join(", "));
    }
}

fn plugins_info(registry: &Registry, name: &str, json: bool) -> Result<()> {
    if let Some(plugin) = registry.plugin(name) {
        let view = plugin_view(registry, plugin);
        if json {
            return print_json(&view);
        }
        println!("plugin       {} {}{}", view.name, view.version, if view.enabled { "" } else { " (disabled)" });
        println!("author       {}", view.author);
        println!("description  {}", view.description);
        println!("manifest     {}", view.manifest);
        println!("package      {} ({:?})", view.package, view.origin);
        println!("dependencies {}", if view.dependencies.is_empty() { "-".into() } else { view.dependencies.join(", ") });
        println!("hooks        {}", if view.hooks.is_empty() { "-".into() } else { view.hooks.join(", ") });
        if !view.components.is_empty() {
            println!("\n{}", components_table(&view.components));
            print_fields(&view.components);
        }
        return Ok(());
    }
    let matches: Vec<&ComponentMeta> = Kind::ALL.into_iter().filter_map(|kind| registry.metadata(kind, name).ok()).collect();
    if matches.is_empty() {
        let names = all_plugins(registry)
            .map(|p| p.name.to_string())
            .chain(registry.all().into_iter().flat_map(|m| [m.name.clone(), m.qualified_name.clone()]))
            .collect::<Vec<_>>();
        bail!(
            "no plugin or component named `{name}`{}; see `frameworm plugins list -v`",
            frameworm_manifest::suggest::did_you_mean(name, names.iter().map(String::as_str))
        );
    }
    if json {
        return print_json(&matches);
    }
    println!("{}", components_table(&matches));
    print_fields(&matches);
    Ok(())
}

fn plugins_search(registry: &Registry, query: &str, json: bool) -> Result<()> {
    let found = registry.search(query);
    if json {
        return print_json(&found);
    }
    if found.is_empty() {
        println!("no component matches `{query}`");
    } else {
        println!("{}", components_table(&found));
    }
    Ok(())
}

fn plugins_create(name: &str, kind: &str) -> Result<()> {
    let kind = Kind::parse(kind).with_context(|| {
        format!(
            "unknown kind `{kind}`{}; kinds: model, trainer, pipeline, dataset, metric, callback",
            frameworm_manifest::suggest::did_you_mean(kind, Kind::ALL.map(Kind::name))
        )
    })?;
    let cwd = std::env::current_dir()?;
    let root = frameworm_manifest::find_workspace_root(&cwd)
        .context("not inside a Frameworm workspace (no Cargo.toml with [workspace] above the current folder)")?;
    let created = frameworm_manifest::scaffold::new_plugin(&root, name, kind)?;
    println!("created {} ({kind} plugin `{name}`), wired into the workspace", created.display());
    println!("next: cargo build && frameworm plugins list");
    Ok(())
}

fn registry_summary(registry: &Registry, json: bool) -> Result<()> {
    let summary = registry.summary();
    if json {
        return print_json(&summary);
    }
    println!("Frameworm {} registry", frameworm_core::VERSION);
    println!("plugins: {} enabled{}", summary.plugins.len(), match summary.disabled_plugins.len() {
        0 => String::new(),
        n => format!(", {n} disabled ({})", summary.disabled_plugins.join(", ")),
    });
    let rows = summary
        .components
        .iter()
        .map(|(kind, names)| vec![kind.plural().to_string(), names.len().to_string(), names.join(", ")])
        .collect();
    println!("{}", table::render(&["kind", "count", "names"], rows));
    println!("hook subscribers: {}", summary.hook_subscribers);
    Ok(())
}

fn hooks_list(registry: &Registry, json: bool) -> Result<()> {
    let subscribers = registry.hooks().list();
    if json {
        return print_json(&subscribers);
    }
    println!("Hook reference (README: Hooks reference):");
    let reference = frameworm_core::Hook::ALL
        .into_iter()
        .map(|h| vec![h.name().to_string(), h.argument().to_string(), h.when().to_string()])
        .collect();
    println!("{}\n", table::render(&["hook", "argument", "fires"], reference));
    if subscribers.is_empty() {
        println!("no plugin subscribes to a hook (callbacks named in a run config are added per run)");
        return Ok(());
    }
    println!("Subscribers in dispatch order (priority, then registration; plugins after their dependencies):");
    let rows = subscribers
        .iter()
        .map(|s| {
            vec![
                s.order.to_string(),
                s.priority.to_string(),
                format!("{}::{}", s.plugin, s.name),
                s.target.to_string(),
                s.hooks.iter().map(|h| h.name()).collect::<Vec<_>>().join(", "),
                if s.enabled { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    println!("{}", table::render(&["#", "priority", "subscriber", "type", "hooks", "enabled"], rows));
    Ok(())
}
