//! Creating plugin crates (`cargo xtask new-plugin`, `frameworm plugins create`) and wiring
//! every plugin folder into the workspace (`cargo xtask sync-plugins`).

use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Value};

use crate::discover::{PLUGINS_DIR, plugin_dirs};
use crate::kind::Kind;
use crate::schema::{Name, read_manifest};

/// Scaffolding or syncing failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name breaks the naming rules.
    #[error("{0}")]
    InvalidName(String),
    /// The folder or the plugin name is taken.
    #[error("{0}; choose another name")]
    Exists(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The workspace Cargo.toml or a plugin's Cargo.toml is not as expected.
    #[error("{}: {message}", path.display())]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |source| ScaffoldError::Io { path: path.to_path_buf(), source }
}

/// `my-plugin` → `MyPlugin`.
pub fn type_name(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

fn render(template: &str, name: &str, kind: Kind) -> String {
    let hooks = if kind == Kind::Callback { "hooks: [on_epoch_end]\n" } else { "" };
    template
        .replace("{{name}}", name)
        .replace("{{Type}}", &type_name(name))
        .replace("{{kind_plural}}", kind.plural())
        .replace("{{description}}", &format!("A {} plugin", kind.name()))
        .replace("{{hooks}}", hooks)
}

fn lib_template(kind: Kind) -> &'static str {
    match kind {
        Kind::Model => include_str!("../templates/model.rs.tmpl"),
        Kind::Trainer => include_str!("../templates/trainer.rs.tmpl"),
        Kind::Pipeline => include_str!("../templates/pipeline.rs.tmpl"),
        Kind::Dataset => include_str!("../templates/dataset.rs.tmpl"),
        Kind::Metric => include_str!("../templates/metric.rs.tmpl"),
        Kind::Callback => include_str!("../templates/callback.rs.tmpl"),
    }
}

/// Creates `plugins/NAME` (Cargo.toml, plugin.yaml, src/lib.rs with a working component of
/// `kind` and a unit test) and wires it into the workspace. No build script: the binary's build
/// script finds workspace plugins with `cargo metadata` (publishing one as a crate adds the
/// one-line build script of [`crate::export`]). Refuses, writing nothing, when the name is
/// invalid or taken by a folder or another plugin.
pub fn new_plugin(workspace_root: &Path, name: &str, kind: Kind) -> Result<PathBuf, ScaffoldError> {
    Name::parse(name).map_err(ScaffoldError::InvalidName)?;
    let plugins = workspace_root.join(PLUGINS_DIR);
    let target = plugins.join(name);
    if target.exists() {
        return Err(ScaffoldError::Exists(format!("{} already exists", target.display())));
    }
    for dir in plugin_dirs(&plugins) {
        if let Ok(manifest) = read_manifest(&dir.join("plugin.yaml"))
            && manifest.name.as_str() == name
        {
            return Err(ScaffoldError::Exists(format!("a plugin named `{name}` already exists in {}", dir.display())));
        }
    }
    // Write into a hidden staging folder, then rename: a failure leaves no half plugin behind.
    let staging = plugins.join(format!(".{name}.staging"));
    let _ = std::fs::remove_dir_all(&staging);
    let files = [
        ("Cargo.toml", render(include_str!("../templates/Cargo.toml.tmpl"), name, kind)),
        ("plugin.yaml", render(include_str!("../templates/plugin.yaml.tmpl"), name, kind)),
        ("src/lib.rs", render(lib_template(kind), name, kind)),
    ];
    let written = (|| {
        std::fs::create_dir_all(staging.join("src")).map_err(io(&staging))?;
        for (file, content) in &files {
            let path = staging.join(file);
            std::fs::write(&path, content).map_err(io(&path))?;
        }
        std::fs::rename(&staging, &target).map_err(io(&target))
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    if let Err(error) = sync_plugins(workspace_root) {
        let _ = std::fs::remove_dir_all(&target);
        return Err(error);
    }
    Ok(target)
}

/// What `sync_plugins` changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Plugin paths added to the workspace and the root package.
    pub added: Vec<String>,
    /// Plugin paths removed (their folder is gone).
    pub removed: Vec<String>,
}

/// Re-derives the workspace's plugin members and the root package's plugin dependencies from
/// the folders under `plugins/` that hold a plugin.yaml and a Cargo.toml.
pub fn sync_plugins(workspace_root: &Path) -> Result<SyncReport, ScaffoldError> {
    let manifest_path = workspace_root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| ScaffoldError::Manifest {
        path: manifest_path.clone(),
        message: e.to_string(),
    })?;
    let bad = |message: &str| ScaffoldError::Manifest { path: manifest_path.clone(), message: message.to_string() };

    // (relative path, package name) for every plugin crate on disk.
    let mut wanted: Vec<(String, String)> = Vec::new();
    for dir in plugin_dirs(&workspace_root.join(PLUGINS_DIR)) {
        let cargo_toml = dir.join("Cargo.toml");
        if !cargo_toml.is_file() {
            continue;
        }
        let package_text = std::fs::read_to_string(&cargo_toml).map_err(io(&cargo_toml))?;
        let package: DocumentMut = package_text.parse().map_err(|e: toml_edit::TomlError| ScaffoldError::Manifest {
            path: cargo_toml.clone(),
            message: e.to_string(),
        })?;
        let name = package["package"]["name"].as_str().ok_or_else(|| ScaffoldError::Manifest {
            path: cargo_toml.clone(),
            message: "no package.name".into(),
        })?;
        let relative = dir.strip_prefix(workspace_root).unwrap_or(&dir).to_string_lossy().replace('\\', "/");
        wanted.push((relative, name.to_string()));
    }
    let is_plugin_path = |path: &str| path == PLUGINS_DIR || path.starts_with(&format!("{PLUGINS_DIR}/"));

    let members = doc["workspace"]["members"].as_array_mut().ok_or_else(|| bad("no [workspace] members array"))?;
    let existing: Vec<String> = members.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
    let mut report = SyncReport::default();
    for (path, _) in &wanted {
        if !existing.contains(path) {
            report.added.push(path.clone());
        }
    }
    for path in existing.iter().filter(|p| is_plugin_path(p)) {
        if !wanted.iter().any(|(w, _)| w == path) {
            report.removed.push(path.clone());
        }
    }
    let mut new_members = Array::new();
    for member in existing.iter().filter(|p| !is_plugin_path(p)) {
        new_members.push(member.as_str());
    }
    for (path, _) in &wanted {
        new_members.push(path.as_str());
    }
    *members = new_members;

    let dependencies = doc["dependencies"].as_table_like_mut().ok_or_else(|| bad("no [dependencies] table"))?;
    let stale: Vec<String> = dependencies
        .iter()
        .filter(|(_, item)| item.get("path").and_then(Item::as_str).is_some_and(is_plugin_path))
        .map(|(key, _)| key.to_string())
        .collect();
    for key in stale {
        dependencies.remove(&key);
    }
    for (path, package) in &wanted {
        let mut table = InlineTable::new();
        table.insert("path", Value::from(path.as_str()));
        dependencies.insert(package, Item::Value(Value::InlineTable(table)));
    }

    let updated = doc.to_string();
    if updated != text {
        std::fs::write(&manifest_path, updated).map_err(io(&manifest_path))?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_camel_case() {
        assert_eq!(type_name("my-plugin"), "MyPlugin");
        assert_eq!(type_name("fd_digits2"), "FdDigits2");
    }

    #[test]
    fn every_template_renders_a_valid_manifest() {
        for kind in Kind::ALL {
            let yaml = render(include_str!("../templates/plugin.yaml.tmpl"), "my-thing", kind);
            let manifest = crate::schema::parse_manifest(yaml.as_bytes(), Path::new("t")).unwrap();
            let declared: Vec<_> = manifest.provides.iter().map(|(k, n, d)| (k, n.to_string(), d.type_path.0.clone())).collect();
            assert_eq!(declared, vec![(kind, "my-thing".to_string(), "MyThing".to_string())]);
            // What `provides:` declares is registered with no code: no entry point to write.
            assert_eq!(manifest.entry_point, None);
            let lib = render(lib_template(kind), "my-thing", kind);
            assert!(!lib.contains("{{"));
            assert!(!lib.contains("fn register") && !lib.contains("PluginRegistrar"), "{kind}: {lib}");
        }
    }

    #[test]
    fn a_new_plugin_is_three_files_with_no_build_script_and_is_wired_in() {
        let root = tempfile::tempdir().unwrap();
        let manifest = "[workspace]\nmembers = [\"xtask\"]\n\n[package]\nname = \"frameworm\"\nversion = \"0.1.0\"\n\n[dependencies]\nanyhow = \"1\"\n";
        std::fs::write(root.path().join("Cargo.toml"), manifest).unwrap();
        let dir = new_plugin(root.path(), "my-thing", Kind::Metric).unwrap();
        let mut files: Vec<String> = ["Cargo.toml", "build.rs", "plugin.yaml", "src/lib.rs"]
            .into_iter()
            .filter(|file| dir.join(file).is_file())
            .map(str::to_string)
            .collect();
        files.sort();
        assert_eq!(files, ["Cargo.toml", "plugin.yaml", "src/lib.rs"]);
        let cargo_toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(!cargo_toml.contains("links") && !cargo_toml.contains("build"), "{cargo_toml}");
        assert!(!std::fs::read_to_string(dir.join("src/lib.rs")).unwrap().contains("fn register"));
        let workspace = std::fs::read_to_string(root.path().join("Cargo.toml")).unwrap();
        assert!(workspace.contains("members = [\"xtask\", \"plugins/my-thing\"]"), "{workspace}");
        assert!(workspace.contains("frameworm-plugin-my-thing = { path = \"plugins/my-thing\" }"), "{workspace}");
    }
}
