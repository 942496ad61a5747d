//! The `frameworm` binary's build script: discovers every plugin (workspace members under
//! `plugins/` via `cargo metadata --no-deps`, dependency crates via their `links` metadata),
//! validates every plugin.yaml and the plugin set, and writes `$OUT_DIR/registry.rs`, the static
//! registry `src/main.rs` includes; then checks the shipped `configs/` pairings of models and
//! datasets that declare their fields. Any problem fails the build with the file and the fix.

use std::path::{Path, PathBuf};

use frameworm_manifest::discover::{PLUGINS_DIR, exported_plugins_from_env, plugin_dirs};
use frameworm_manifest::{FRAMEWORK_VERSION, codegen, configs, discover, validate};

/// The folder of run configs the build checks (relative to the package root).
const CONFIGS_DIR: &str = "configs";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let exported = exported_plugins_from_env();
    watch(&root, exported.iter().map(|e| e.manifest_path.as_path()));

    let framework_version = semver_version(FRAMEWORK_VERSION);
    let validated = discover(&root, &exported).and_then(|plugins| validate(plugins, &framework_version));
    // Shipped run configs pairing a model and a dataset whose declared fields cannot fit.
    let validated = validated.and_then(|plugins| {
        let problems = configs::check_configs(&root.join(CONFIGS_DIR), CONFIGS_DIR, &plugins);
        if problems.is_empty() {
            Ok(plugins)
        } else {
            Err(frameworm_manifest::ValidationErrors(problems.into_iter().map(frameworm_manifest::ManifestError::Config).collect()))
        }
    });
    match validated {
        Ok(plugins) => {
            let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("registry.rs");
            let code = codegen::generate(&plugins);
            // Rewrite only on change, so an unchanged registry does not rebuild the binary.
            if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
                std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
            }
        }
        Err(errors) => {
            for error in &errors.0 {
                println!("cargo::error={error}");
            }
            eprintln!("{errors}");
            std::process::exit(1);
        }
    }
}

/// Precise rerun triggers: the manifests that define the plugin set, never plugin sources.
/// A new plugin folder changes Cargo.lock (a new workspace member) and the root Cargo.toml.
fn watch<'a>(root: &Path, exported: impl Iterator<Item = &'a Path>) {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    println!("cargo::rerun-if-changed=Cargo.lock");
    println!("cargo::rerun-if-changed={}", root.join(CONFIGS_DIR).display());
    for dir in plugin_dirs(&root.join(PLUGINS_DIR)) {
        println!("cargo::rerun-if-changed={}", dir.join("plugin.yaml").display());
        println!("cargo::rerun-if-changed={}", dir.join("Cargo.toml").display());
    }
    for manifest in exported {
        println!("cargo::rerun-if-changed={}", manifest.display());
    }
}

fn semver_version(text: &str) -> frameworm_manifest::schema::Version {
    text.parse().expect("the workspace version is semver")
}
