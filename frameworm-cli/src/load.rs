//! `frameworm plugins load NAME|PATH|CRATE` and `plugins unload NAME`: the plugin guide's
//! "load a plugin", done the compile-time way. A plugin compiled into this build is confirmed
//! with what it registers; a plugin crate at a path, or one published on crates.io, is added to
//! the root package as a dependency (`cargo add`, which is how its plugin.yaml reaches the
//! build script) and the binary rebuilt; `unload` removes such a dependency again. `--dry-run`
//! prints the commands and changes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use frameworm_core::Registry;

/// The package the plugins are added to: the root package, whose build script generates the
/// registry.
const ROOT_PACKAGE: &str = "frameworm";

/// The workspace root above the current folder.
fn workspace_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    frameworm_manifest::find_workspace_root(&cwd).context("not inside a Frameworm workspace (no Cargo.toml with [workspace] above the current folder)")
}

/// Runs (or, with `dry_run`, prints) `cargo ARGS` in `root`.
fn cargo(root: &Path, args: &[String], dry_run: bool) -> Result<()> {
    let shown = format!("cargo {}", args.join(" "));
    if dry_run {
        println!("would run (in {}): {shown}", root.display());
        return Ok(());
    }
    println!("running: {shown}");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo).args(args).current_dir(root).status().with_context(|| format!("cannot run `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status}); nothing else was changed after it");
    }
    Ok(())
}

/// `cargo add --package frameworm SOURCE…`, then the rebuild that registers what it added.
fn add_and_build(source: &[String], dry_run: bool) -> Result<()> {
    let root = workspace_root()?;
    let add: Vec<String> = ["add", "--package", ROOT_PACKAGE].into_iter().map(String::from).chain(source.iter().cloned()).collect();
    cargo(&root, &add, dry_run)?;
    cargo(&root, &["build".into(), "--release".into()], dry_run)
}

/// What a compiled-in plugin registers, its hooks in dispatch order, and whether it is enabled.
fn describe_compiled(registry: &Registry, name: &str) -> bool {
    let Some(plugin) = registry.plugin(name) else { return false };
    let enabled = !registry.disabled_plugins().iter().any(|p| p.name == plugin.name);
    println!(
        "plugin `{}` {} is compiled into this build ({}, {}); nothing to load",
        plugin.name,
        plugin.version,
        plugin.manifest,
        if enabled { "enabled" } else { "disabled by --disable-plugin or plugins.disable" }
    );
    if plugin.provides.is_empty() {
        println!("registers no component");
    }
    for (kind, component) in plugin.provides {
        println!("registers {kind} `{component}`");
    }
    let subscribers: Vec<String> = registry
        .hooks()
        .list()
        .into_iter()
        .filter(|s| s.plugin == plugin.name)
        .map(|s| format!("#{} {} (priority {}) on {}", s.order, s.name, s.priority, s.hooks.iter().map(|h| h.name()).collect::<Vec<_>>().join(", ")))
        .collect();
    match subscribers.is_empty() {
        true => println!("subscribes to no hook"),
        false => subscribers.iter().for_each(|s| println!("hook subscriber {s}")),
    }
    true
}

/// `frameworm plugins load TARGET [--dry-run]`.
pub fn load(registry: &Registry, target: &str, dry_run: bool) -> Result<()> {
    if describe_compiled(registry, target) {
        return Ok(());
    }
    let path = Path::new(target);
    if path.exists() {
        let manifest_path = path.join("plugin.yaml");
        let manifest = frameworm_manifest::read_manifest(&manifest_path).with_context(|| format!("{} is not a plugin crate", path.display()))?;
        if describe_compiled(registry, manifest.name.as_str()) {
            return Ok(());
        }
        let cargo_toml = std::fs::read_to_string(path.join("Cargo.toml")).with_context(|| format!("{}: no Cargo.toml", path.display()))?;
        let linked = cargo_toml.lines().any(|line| line.trim_start().starts_with("links") && line.contains(frameworm_manifest::LINKS_PREFIX));
        if !linked {
            bail!(
                "{}: its Cargo.toml has no `links = \"{}{}\"`, so the build script would not see its plugin.yaml; add it and the one-line build script `frameworm_manifest::export_plugin()` (README: Publishing a plugin as a crate), or move the folder under plugins/ and run `cargo xtask sync-plugins`",
                path.display(),
                frameworm_manifest::LINKS_PREFIX,
                manifest.name
            );
        }
        let absolute = path.canonicalize()?;
        add_and_build(&["--path".into(), absolute.display().to_string()], dry_run)?;
        if !dry_run {
            println!("loaded plugin `{}` from {}: `frameworm plugins info {}` shows it", manifest.name, path.display(), manifest.name);
        }
        return Ok(());
    }
    if frameworm_manifest::schema::Name::parse(target).is_err() {
        bail!("`{target}` is neither a plugin of this build, nor a folder, nor a crate name{}", frameworm_core::suggest::did_you_mean(target, registry.plugins().iter().map(|p| p.name)));
    }
    // A published crate: cargo resolves it on crates.io (and says so when it does not exist).
    add_and_build(&[target.into()], dry_run)?;
    if !dry_run {
        println!("loaded crate `{target}`: `frameworm plugins list` shows the plugins it carries");
    }
    Ok(())
}

/// `frameworm plugins unload NAME [--dry-run]`: removes a plugin added by `load`.
pub fn unload(registry: &Registry, name: &str, dry_run: bool) -> Result<()> {
    let Some(plugin) = registry.plugin(name) else {
        bail!("no plugin named `{name}` in this build{}; see `frameworm plugins list`", frameworm_core::suggest::did_you_mean(name, registry.plugins().iter().map(|p| p.name)));
    };
    if plugin.origin == frameworm_core::PluginOrigin::Workspace {
        bail!(
            "plugin `{}` is a workspace member ({}), not a dependency `plugins load` added: skip it with `--disable-plugin {}` (or `plugins.disable` in a config), or delete its folder and run `cargo xtask sync-plugins`",
            plugin.name,
            plugin.manifest,
            plugin.name
        );
    }
    let root = workspace_root()?;
    cargo(&root, &["remove".into(), "--package".into(), ROOT_PACKAGE.into(), plugin.package.into()], dry_run)?;
    cargo(&root, &["build".into(), "--release".into()], dry_run)?;
    if !dry_run {
        println!("unloaded plugin `{}` (crate `{}`)", plugin.name, plugin.package);
    }
    Ok(())
}
