//! What can be wrong with a run config, each variant saying what and where.

use std::path::PathBuf;

/// A config could not be loaded or does not fit the registry.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: cannot read config: {source}{}", read_hint(source))]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("{path}:{message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `line:column: what` (or just what).
        message: String,
    },
    /// The top level is not a mapping.
    #[error("{path}: a config must be a mapping of sections (`model:`, `dataset:`, `training:`, …)")]
    NotAMapping {
        /// The file.
        path: PathBuf,
    },
    /// `_base_` is not a string or a list of strings.
    #[error("{path}:{line}: `_base_` must be a path (or a list of paths) relative to this file")]
    BadBase {
        /// The file.
        path: PathBuf,
        /// The line of `_base_`.
        line: usize,
    },
    /// `_base_` names a file that does not exist.
    #[error("{path}:{line}: `_base_` file {base} does not exist; `_base_` paths are relative to the file that names them")]
    MissingBase {
        /// The file with the `_base_` key.
        path: PathBuf,
        /// The line of `_base_`.
        line: usize,
        /// The missing file.
        base: PathBuf,
    },
    /// The `_base_` chains load too many files.
    #[error("{path}:{line}: the `_base_` chains of this config load more than {limit} files (a file counts each time a `_base_` names it)")]
    TooManyBases {
        /// The file whose `_base_` went over the limit.
        path: PathBuf,
        /// The line of `_base_`.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// The `_base_` chain loops.
    #[error("`_base_` cycle: {}; remove the `_base_` key that closes the loop", chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> "))]
    BaseCycle {
        /// The files of the loop, the first repeated at the end.
        chain: Vec<PathBuf>,
    },
    /// A `--set` argument is malformed or does not fit the config's shape.
    #[error("--set {argument}: {reason}")]
    BadOverride {
        /// The argument as given.
        argument: String,
        /// Why it cannot be applied.
        reason: String,
    },
    /// A key or value is wrong: `configs/vae.yaml:4: unknown field `lattent_dim` in model.vae, …`.
    #[error("{location}: {message}")]
    Invalid {
        /// `file:line`, or the `--set` argument that wrote the value.
        location: String,
        /// What is wrong, with a did-you-mean where one helps.
        message: String,
    },
    /// Several problems (config validation reports them all at once).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Many(Vec<ConfigError>),
}

/// What to do when a config file cannot be read.
fn read_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::NotFound => "; check the path (the shipped configs are in configs/)",
        std::io::ErrorKind::IsADirectory => "; pass a YAML file, not a folder",
        std::io::ErrorKind::InvalidData => "; save the file as UTF-8 text",
        _ => "",
    }
}

/// The dotted key a serde_path_to_error error points at, and its message. For an unknown field
/// the key is the enclosing section (the field is named in the message).
pub fn error_key_and_message<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> (String, String) {
    let path = error.path().to_string();
    let mut key = if path == "." { String::new() } else { path.replace('[', ".").replace(']', "") };
    let message = error.into_inner().to_string();
    if let Some(field) = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next())
        && (key == field || key.ends_with(&format!(".{field}")))
    {
        key.truncate(key.len() - field.len());
        key = key.trim_end_matches('.').to_string();
    }
    (key, message)
}

