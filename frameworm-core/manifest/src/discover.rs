//! Finding plugins: workspace members under `plugins/` (via `cargo metadata --no-deps`, which
//! needs no package-cache lock; they need no build script) and dependency crates that export
//! their plugin.yaml path through cargo's `links` metadata (their one-line build script,
//! [`crate::export::export_plugin`]; `DEP_FRAMEWORM_PLUGIN_*_MANIFEST`, read by the binary's
//! build script).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_metadata::{MetadataCommand, Package};

use crate::LINKS_PREFIX;
use crate::error::{ManifestError, ValidationErrors};
use crate::export::{MANIFEST_KEY, PACKAGE_KEY};
use crate::schema::{PluginManifest, read_manifest};

/// The folder, relative to the workspace root, that holds the workspace's plugin crates.
pub const PLUGINS_DIR: &str = "plugins";

/// Where a plugin comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginOrigin {
    /// A workspace member under `plugins/`.
    Workspace,
    /// A dependency (crates.io, git or path) that exports its plugin.yaml.
    Dependency,
}

/// A plugin crate found in the build, with its parsed manifest.
#[derive(Debug, Clone)]
pub struct DiscoveredPlugin {
    /// The parsed plugin.yaml.
    pub manifest: PluginManifest,
    /// Absolute path of the plugin.yaml.
    pub manifest_path: PathBuf,
    /// The path shown in messages: relative to the workspace root when inside it.
    pub display_path: String,
    /// The cargo package name.
    pub package: String,
    /// The crate name the `frameworm` package uses for it (`-` becomes `_`, renames honoured).
    pub crate_name: String,
    /// Workspace member or dependency.
    pub origin: PluginOrigin,
}

/// A plugin crate announced by cargo's `links` metadata: its package name and plugin.yaml.
#[derive(Debug, Clone)]
pub struct ExportedPlugin {
    /// The plugin's cargo package name.
    pub package: String,
    /// The plugin.yaml it exported.
    pub manifest_path: PathBuf,
}

/// Reads the `DEP_FRAMEWORM_PLUGIN_<X>_MANIFEST` / `_PACKAGE` variables cargo gives a build
/// script for each direct dependency whose `links` starts with `frameworm-plugin-` (what
/// [`crate::export::export_plugin`] printed in that dependency's build script).
pub fn exported_plugins_from_env() -> Vec<ExportedPlugin> {
    exported_plugins(std::env::vars())
}

/// [`exported_plugins_from_env`] on the given variables: the pairs of
/// `DEP_FRAMEWORM_PLUGIN_<X>_MANIFEST` and `_PACKAGE`, other variables ignored.
pub fn exported_plugins(vars: impl IntoIterator<Item = (String, String)>) -> Vec<ExportedPlugin> {
    let prefix = format!("DEP_{}", LINKS_PREFIX.to_uppercase().replace('-', "_"));
    let manifest_suffix = format!("_{}", MANIFEST_KEY.to_uppercase());
    let package_suffix = format!("_{}", PACKAGE_KEY.to_uppercase());
    let vars: BTreeMap<String, String> = vars.into_iter().filter(|(key, _)| key.starts_with(&prefix)).collect();
    vars.iter()
        .filter_map(|(key, manifest)| {
            let stem = key.strip_suffix(&manifest_suffix)?;
            let package = vars.get(&format!("{stem}{package_suffix}"))?;
            Some(ExportedPlugin {
                package: package.clone(),
                manifest_path: PathBuf::from(manifest),
            })
        })
        .collect()
}

/// Walks up from `start` to the directory whose Cargo.toml declares `[workspace]`.
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|line| line.trim() == "[workspace]")
            .then(|| dir.to_path_buf())
    })
}

/// Every folder under `plugins_dir` that holds a plugin.yaml (not descending into a plugin, so
/// its test fixtures are not mistaken for plugins; skipping `target` and hidden folders).
pub fn plugin_dirs(plugins_dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![plugins_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join("plugin.yaml").is_file() {
            found.push(dir);
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() && !name.starts_with('.') && name != "target" {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The workspace's packages, read with `cargo metadata --no-deps --offline`.
pub fn workspace_packages(workspace_root: &Path) -> Result<Vec<Package>, ManifestError> {
    let metadata = MetadataCommand::new()
        .manifest_path(workspace_root.join("Cargo.toml"))
        .no_deps()
        .other_options(vec!["--offline".to_string()])
        .exec()
        .map_err(|error| ManifestError::Metadata(error.to_string()))?;
    Ok(metadata
        .workspace_members
        .iter()
        .filter_map(|id| metadata.packages.iter().find(|p| &p.id == id).cloned())
        .collect())
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Finds and parses every plugin of the build rooted at `workspace_root`.
///
/// `exported` are the dependency plugins announced through `links` metadata (empty outside a
/// build script). Problems are collected, not stopped at, so one run reports them all.
pub fn discover(
    workspace_root: &Path,
    exported: &[ExportedPlugin],
) -> Result<Vec<DiscoveredPlugin>, ValidationErrors> {
    let packages = workspace_packages(workspace_root)?;
    let root_manifest = canonical(&workspace_root.join("Cargo.toml"));
    let root_package = packages
        .iter()
        .find(|p| canonical(p.manifest_path.as_std_path()) == root_manifest);
    let display = |path: &Path| -> String {
        path.strip_prefix(workspace_root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    // The crate name the root package knows a dependency by, keyed by path (workspace) and name.
    let linked_crate_name = |package: &str, path: Option<&Path>| -> Option<String> {
        let root = root_package?;
        root.dependencies
            .iter()
            .find(|dep| match (path, &dep.path) {
                (Some(path), Some(dep_path)) => canonical(dep_path.as_std_path()) == canonical(path),
                _ => dep.name == package,
            })
            .map(|dep| dep.rename.clone().unwrap_or_else(|| dep.name.clone()).replace('-', "_"))
    };

    let mut errors = Vec::new();
    let mut plugins = Vec::new();
    // The packages of the plugin folders under `plugins/`, found or failed; their exports are skipped.
    let mut in_plugins_dir: Vec<String> = Vec::new();
    let plugins_dir = workspace_root.join(PLUGINS_DIR);
    for dir in plugin_dirs(&plugins_dir) {
        let manifest_path = dir.join("plugin.yaml");
        let member = packages
            .iter()
            .find(|p| p.manifest_path.parent().map(|d| canonical(d.as_std_path())) == Some(canonical(&dir)));
        let Some(member) = member else {
            let has_cargo_toml = dir.join("Cargo.toml").is_file();
            errors.push(ManifestError::NotLinked {
                path: PathBuf::from(display(&manifest_path)),
                package: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                what: if has_cargo_toml { "not a workspace member" } else { "has no Cargo.toml" },
            });
            continue;
        };
        in_plugins_dir.push(member.name.to_string());
        let Some(crate_name) = linked_crate_name(&member.name, Some(&dir)) else {
            errors.push(ManifestError::NotLinked {
                path: PathBuf::from(display(&manifest_path)),
                package: member.name.to_string(),
                what: "not a dependency of the `frameworm` package",
            });
            continue;
        };
        let parsed = parse_plugin(&manifest_path, display(&manifest_path), member.name.to_string(), crate_name, PluginOrigin::Workspace);
        match parsed {
            Ok(plugin) => plugins.push(plugin),
            Err(error) => errors.push(error),
        }
    }
    for export in exported {
        // Plugins under `plugins/` were found above. Compare package names, not paths: cargo
        // keeps a build script's output when the workspace moves, so an exported path can be
        // stale. A path dependency elsewhere in the workspace folder is a workspace member too
        // (cargo makes it one), but only its export finds it.
        if in_plugins_dir.contains(&export.package) {
            continue;
        }
        let manifest_path = canonical(&export.manifest_path);
        let crate_name = linked_crate_name(&export.package, None)
            .unwrap_or_else(|| export.package.replace('-', "_"));
        let parsed = parse_plugin(&manifest_path, display(&manifest_path), export.package.clone(), crate_name, PluginOrigin::Dependency);
        match parsed {
            Ok(plugin) => plugins.push(plugin),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() { Ok(plugins) } else { Err(ValidationErrors(errors)) }
}

/// Parses one plugin.yaml; errors are labelled with `display_path`.
fn parse_plugin(
    manifest_path: &Path,
    display_path: String,
    package: String,
    crate_name: String,
    origin: PluginOrigin,
) -> Result<DiscoveredPlugin, ManifestError> {
    match read_manifest(manifest_path) {
        Ok(manifest) => Ok(DiscoveredPlugin {
            manifest,
            manifest_path: manifest_path.to_path_buf(),
            display_path,
            package,
            crate_name,
            origin,
        }),
        Err(ManifestError::Invalid { location, message, .. }) => Err(ManifestError::Invalid {
            path: PathBuf::from(display_path),
            location,
            message,
        }),
        Err(other) => Err(other),
    }
}

/// A workspace plugin parsed from `yaml`, as `plugins/<name>/` of a workspace at `/ws`: the
/// fixture of this crate's unit tests.
#[cfg(test)]
pub(crate) fn test_plugin(yaml: &str) -> DiscoveredPlugin {
    let manifest = crate::schema::parse_manifest(yaml.as_bytes(), Path::new("x")).unwrap();
    let name = manifest.name.to_string();
    DiscoveredPlugin {
        manifest,
        manifest_path: PathBuf::from(format!("/ws/plugins/{name}/plugin.yaml")),
        display_path: format!("plugins/{name}/plugin.yaml"),
        package: format!("frameworm-plugin-{name}"),
        crate_name: format!("frameworm_plugin_{name}"),
        origin: PluginOrigin::Workspace,
    }
}
