//! Errors about plugin manifests and the plugin set, each naming the file and the fix.

use std::fmt;
use std::path::PathBuf;

/// One problem with one plugin (or a pair of plugins). The display form starts with the file
/// (and line:column where known) and ends with what to do.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{}: cannot read plugin.yaml: {source}", path.display())]
    Io {
        /// The plugin.yaml path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's bytes or YAML are invalid, or a key or value does not fit the schema.
    #[error("{}{}: {message}", path.display(), location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Invalid {
        /// The plugin.yaml path.
        path: PathBuf,
        /// 1-based line and column, where known.
        location: Option<(usize, usize)>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A shipped run config pairs a model and a dataset whose declared fields cannot fit
    /// ([`crate::configs::check_configs`]); the message names the config, both plugin.yaml
    /// files and the fix.
    #[error("{0}")]
    Config(String),
    /// Two plugins share a name.
    #[error("duplicate plugin name `{name}`: declared by crate `{first_crate}` ({}) and crate `{second_crate}` ({}); rename one of them in its plugin.yaml", first.display(), second.display())]
    DuplicatePlugin {
        /// The shared name.
        name: String,
        /// The first crate.
        first_crate: String,
        /// Its plugin.yaml.
        first: PathBuf,
        /// The second crate.
        second_crate: String,
        /// Its plugin.yaml.
        second: PathBuf,
    },
    /// Two plugins declare a component of one kind under one name.
    #[error("duplicate {kind} name `{name}`: declared by plugin `{first_plugin}` (crate `{first_crate}`, {}) and plugin `{second_plugin}` (crate `{second_crate}`, {}); rename one under `provides.{kind}s` (both stay reachable as `plugin::name` once the bare names differ)", first.display(), second.display())]
    DuplicateComponent {
        /// The kind (singular).
        kind: &'static str,
        /// The shared name.
        name: String,
        /// First plugin.
        first_plugin: String,
        /// First crate.
        first_crate: String,
        /// First plugin.yaml.
        first: PathBuf,
        /// Second plugin.
        second_plugin: String,
        /// Second crate.
        second_crate: String,
        /// Second plugin.yaml.
        second: PathBuf,
    },
    /// A plugin depends on a plugin that is not part of the build.
    #[error("{}: plugin `{plugin}` depends on plugin `{dependency}` {requirement}, which is not in this build{hint}; add it (cargo xtask new-plugin, or `cargo add` its crate) or remove the dependency", path.display())]
    MissingDependency {
        /// The dependent's plugin.yaml.
        path: PathBuf,
        /// The dependent.
        plugin: String,
        /// The missing plugin.
        dependency: String,
        /// The version requirement.
        requirement: String,
        /// A did-you-mean, possibly empty.
        hint: String,
    },
    /// A dependency is present with an incompatible version.
    #[error("{}: plugin `{plugin}` needs `{dependency}` {requirement}, but this build has {dependency} {found}; change the requirement or the dependency's version", path.display())]
    IncompatibleDependency {
        /// The dependent's plugin.yaml.
        path: PathBuf,
        /// The dependent.
        plugin: String,
        /// The dependency (`frameworm` for the framework).
        dependency: String,
        /// The requirement.
        requirement: String,
        /// The version found.
        found: String,
    },
    /// Plugins depend on each other in a cycle.
    #[error("plugin dependency cycle: {}; remove one of these dependencies ({})", chain.join(" -> "), paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    DependencyCycle {
        /// The plugin names around the cycle, first repeated last.
        chain: Vec<String>,
        /// The plugin.yaml files involved.
        paths: Vec<PathBuf>,
    },
    /// A plugin folder under `plugins/` is not wired into the workspace or the binary.
    #[error("{}: plugin crate `{package}` is under plugins/ but {what}; run `cargo xtask sync-plugins`", path.display())]
    NotLinked {
        /// Its plugin.yaml.
        path: PathBuf,
        /// Its package name (or folder, when it has no Cargo.toml).
        package: String,
        /// What is missing.
        what: &'static str,
    },
    /// `cargo metadata` failed.
    #[error("cannot read the workspace with cargo metadata: {0}")]
    Metadata(String),
}

/// Every problem found in one validation pass, so one build shows them all.
#[derive(Debug, Default)]
pub struct ValidationErrors(pub Vec<ManifestError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(f, "{count} plugin problem{} found:", if count == 1 { "" } else { "s" })?;
        for error in &self.0 {
            writeln!(f, "  error: {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl From<ManifestError> for ValidationErrors {
    fn from(error: ManifestError) -> Self {
        ValidationErrors(vec![error])
    }
}
