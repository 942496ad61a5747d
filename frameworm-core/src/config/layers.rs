//! Loading a run config: the `_base_` chain, deep merge, and `--set` / `--model` overrides, with
//! a record of which file (and line) or which argument wrote each key.
//!
//! Precedence, lowest first: component defaults (applied when a section is parsed) < the `_base_`
//! chain (earlier bases first) < the file itself < `--set` / `--model`, in command-line order.
//! Maps merge key by key; lists and scalars are replaced. A section whose `name` changes (a file
//! switching `model.name` from `mlp-classifier` to `vae`, or `--model vae`) is replaced as a
//! whole, so the old component's keys do not leak into the new one.

use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::error::ConfigError;
use super::positions::KeyLines;

/// The key listing the files a config inherits from.
pub const BASE_KEY: &str = "_base_";

/// Where config files are read from: the real file system ([`FileSystem`]) or, for tests and
/// fuzzing, memory ([`MemoryFiles`]).
pub trait ConfigFiles {
    /// A stable identity of the file at `path` (two paths of one file give the same identity;
    /// `_base_` cycles are found with it), or an error when there is no such file.
    fn identity(&self, path: &Path) -> std::io::Result<PathBuf>;
    /// The file's text.
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl ConfigFiles for FileSystem {
    fn identity(&self, path: &Path) -> std::io::Result<PathBuf> {
        path.canonicalize()
    }

    fn read(&self, path: &Path) -> std::io::Result<String> {
        crate::fsio::bounded::read_text_at_most(path, MAX_CONFIG_FILE_BYTES, "a config file")
    }
}

/// Files held in memory, by path; `.` and `..` in paths are resolved lexically.
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemoryFiles {
    /// No files.
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    /// Adds (or replaces) the file at `path`.
    pub fn insert(&mut self, path: impl AsRef<Path>, text: impl Into<String>) {
        self.files.insert(normalize(path.as_ref()), text.into());
    }
}

/// `path` with `.` dropped and `..` applied to the components before it.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

impl ConfigFiles for MemoryFiles {
    fn identity(&self, path: &Path) -> std::io::Result<PathBuf> {
        let key = normalize(path);
        if self.files.contains_key(&key) { Ok(key) } else { Err(std::io::ErrorKind::NotFound.into()) }
    }

    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files.get(&normalize(path)).cloned().ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }
}

/// The largest config file read (16 MiB): far above any real config, and a bound on what a
/// wrong path (a dataset, a checkpoint) makes the loader read before its YAML error.
pub const MAX_CONFIG_FILE_BYTES: u64 = 16 * crate::fsio::bounded::MIB;

/// The most files one config may load, counting a file each time a `_base_` names it: a few
/// files that each name the next several times would otherwise load exponentially many.
pub const MAX_CONFIG_LOADS: usize = 256;

/// One `--set path=value` (or `--model NAME`) override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The argument as the user wrote it, for messages.
    pub argument: String,
    /// The dotted path (`optimizer.lr`, `callbacks.0.patience`).
    pub path: String,
    /// The value, typed as YAML reads it (`3` int, `1e-3` float, `true`, `[1, 2]`, `vae`).
    pub value: Value,
}

impl Override {
    /// Parses `path=value`.
    pub fn parse(argument: &str) -> Result<Override, ConfigError> {
        let bad = |reason: &str| ConfigError::BadOverride { argument: argument.to_string(), reason: reason.to_string() };
        let (path, raw) = argument.split_once('=').ok_or_else(|| bad("expected `path=value`, e.g. `--set training.epochs=3`"))?;
        let path = path.trim();
        let valid_segment = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !path.split('.').all(valid_segment) {
            return Err(bad("the path must be dot-separated keys or list indices, e.g. `optimizer.lr` or `callbacks.0.patience`"));
        }
        // YAML typing: `3` is an int, `1e-3` a float, `[1, 2]` a list; anything unparsable is a string.
        let value = serde_yaml::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
        Ok(Override { argument: format!("--set {argument}"), path: path.to_string(), value })
    }

    /// `--model NAME`: the same as `--set model.name=NAME`.
    pub fn model(name: &str) -> Override {
        Override { argument: format!("--model {name}"), path: "model.name".into(), value: Value::String(name.to_string()) }
    }
}

/// Who wrote a key.
#[derive(Debug, Clone)]
enum Source {
    File { path: PathBuf, keys: KeyLines },
    Argument { argument: String, path: String },
}

/// A merged config and where each of its keys came from.
#[derive(Debug, Clone)]
pub struct LayeredConfig {
    /// The file given on the command line.
    pub path: PathBuf,
    /// The merged tree (a mapping).
    pub value: Value,
    /// Lowest precedence first.
    sources: Vec<Source>,
}

impl LayeredConfig {
    /// Loads `path` with its `_base_` chain, then applies `overrides` in order.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<LayeredConfig, ConfigError> {
        LayeredConfig::load_from(&FileSystem, path, overrides)
    }

    /// [`LayeredConfig::load`] reading the files from `files`.
    pub fn load_from(files: &dyn ConfigFiles, path: &Path, overrides: &[Override]) -> Result<LayeredConfig, ConfigError> {
        let mut sources = Vec::new();
        let value = load_chain(files, path, &mut Vec::new(), &mut sources)?;
        let mut config = LayeredConfig { path: path.to_path_buf(), value, sources };
        for o in overrides {
            config.apply(o)?;
        }
        Ok(config)
    }

    /// A config from an in-memory tree (tests, tools); keys are located at `label`.
    pub fn from_value(label: &Path, value: Value) -> LayeredConfig {
        LayeredConfig { path: label.to_path_buf(), value, sources: Vec::new() }
    }

    /// Applies one override.
    pub fn apply(&mut self, o: &Override) -> Result<(), ConfigError> {
        set_path(&mut self.value, &o.path, o.value.clone())
            .map_err(|reason| ConfigError::BadOverride { argument: o.argument.trim_start_matches("--set ").to_string(), reason })?;
        self.sources.push(Source::Argument { argument: o.argument.clone(), path: o.path.clone() });
        Ok(())
    }

    /// Where the value at dotted `path` was written: `file:line`, or the `--set` argument.
    pub fn locate(&self, path: &str) -> String {
        let is_within = |ancestor: &str| path == ancestor || path.starts_with(&format!("{ancestor}."));
        for source in self.sources.iter().rev() {
            match source {
                Source::Argument { argument, path: set } if is_within(set) || set.starts_with(&format!("{path}.")) => {
                    return argument.clone();
                }
                Source::File { path: file, keys } if keys.contains(path) || writes_list_above(keys, path) => {
                    return format!("{}:{}", file.display(), keys.line_of(path).unwrap_or(1));
                }
                _ => {}
            }
        }
        // Not written anywhere (a missing key): point at the closest written ancestor.
        for source in self.sources.iter().rev() {
            if let Source::File { path: file, keys } = source
                && let Some(line) = keys.line_of(path)
            {
                return format!("{}:{line}", file.display());
            }
        }
        self.path.display().to_string()
    }

    /// The files of the `_base_` chain and the file itself, lowest precedence first.
    pub fn files(&self) -> Vec<&Path> {
        self.sources
            .iter()
            .filter_map(|s| match s {
                Source::File { path, .. } => Some(path.as_path()),
                Source::Argument { .. } => None,
            })
            .collect()
    }
}

/// Whether `keys` wrote a list that holds `path` (`callbacks` for `callbacks.0.name`): lists
/// are replaced, not merged, so that file owns everything below the list, even keys older files
/// wrote and it did not.
fn writes_list_above(keys: &KeyLines, path: &str) -> bool {
    let segments: Vec<&str> = path.split('.').collect();
    (1..segments.len()).any(|i| segments[i].parse::<usize>().is_ok() && keys.contains(&segments[..i].join(".")))
}

/// Loads `path` and, first, the files its `_base_` names; `stack` holds the files being loaded.
fn load_chain(files: &dyn ConfigFiles, path: &Path, stack: &mut Vec<(PathBuf, PathBuf)>, sources: &mut Vec<Source>) -> Result<Value, ConfigError> {
    let identity = files.identity(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    if let Some(start) = stack.iter().position(|(id, _)| *id == identity) {
        let mut chain: Vec<PathBuf> = stack[start..].iter().map(|(_, shown)| shown.clone()).collect();
        chain.push(path.to_path_buf());
        return Err(ConfigError::BaseCycle { chain });
    }
    let text = files.read(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    let mut value: Value = serde_yaml::from_str(&text).map_err(|error| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: match error.location() {
            Some(at) => format!("{}:{}: {}", at.line(), at.column(), frameworm_manifest::schema::clean_yaml_message(&error)),
            None => format!(" {}", frameworm_manifest::schema::clean_yaml_message(&error)),
        },
    })?;
    if value.is_null() {
        value = Value::Mapping(Mapping::new());
    }
    let Value::Mapping(map) = &mut value else { return Err(ConfigError::NotAMapping { path: path.to_path_buf() }) };
    let keys = KeyLines::index(&text);
    let base_line = keys.line_of(BASE_KEY).unwrap_or(1);
    let bases = match map.remove(BASE_KEY) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(base)) => vec![base],
        Some(Value::Sequence(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(base) => Ok(base),
                _ => Err(ConfigError::BadBase { path: path.to_path_buf(), line: base_line }),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ConfigError::BadBase { path: path.to_path_buf(), line: base_line }),
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut merged = Value::Mapping(Mapping::new());
    stack.push((identity, path.to_path_buf()));
    for base in bases {
        let base_path = dir.join(&base);
        if files.identity(&base_path).is_err() {
            return Err(ConfigError::MissingBase { path: path.to_path_buf(), line: base_line, base: base_path });
        }
        if sources.len() + stack.len() >= MAX_CONFIG_LOADS {
            return Err(ConfigError::TooManyBases { path: path.to_path_buf(), line: base_line, limit: MAX_CONFIG_LOADS });
        }
        let base_value = load_chain(files, &base_path, stack, sources)?;
        merge(&mut merged, base_value);
    }
    stack.pop();
    merge(&mut merged, value);
    sources.push(Source::File { path: path.to_path_buf(), keys });
    Ok(merged)
}

/// Deep-merges `overlay` into `base`: maps key by key, everything else replaced; a section
/// (below the top level, where `name` is the run's name) whose `name` differs from the base's
/// replaces it whole.
pub fn merge(base: &mut Value, overlay: Value) {
    merge_at(base, overlay, 0);
}

fn merge_at(base: &mut Value, overlay: Value, depth: usize) {
    match (base, overlay) {
        (Value::Mapping(base), Value::Mapping(overlay)) => {
            let renamed = depth > 0 && match (base.get("name"), overlay.get("name")) {
                (Some(old), Some(new)) => old != new,
                _ => false,
            };
            if renamed {
                *base = overlay;
                return;
            }
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge_at(existing, value, depth + 1),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// Sets dotted `path` in `root`, creating maps on the way; list items are addressed by index.
fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut node = root;
    for (depth, segment) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        let so_far = segments[..=depth].join(".");
        if node.is_null() {
            *node = Value::Mapping(Mapping::new());
        }
        node = match node {
            Value::Mapping(map) => {
                if last {
                    let key = Value::String(segment.to_string());
                    if depth > 0 && *segment == "name" && map.get("name").is_some_and(|old| *old != value) {
                        // A new component: drop the old one's keys (see the module doc).
                        map.clear();
                    }
                    map.insert(key, value);
                    return Ok(());
                }
                map.entry(Value::String(segment.to_string())).or_insert(Value::Null)
            }
            Value::Sequence(items) => {
                let len = items.len();
                let index: usize = segment.parse().map_err(|_| format!("`{}` is a list: address its items by index (`{}.0`)", segments[..depth].join("."), segments[..depth].join(".")))?;
                if index > len || (index == len && !last) {
                    return Err(format!("`{so_far}`: the list has {len} item(s)"));
                }
                if index == len {
                    items.push(value);
                    return Ok(());
                }
                if last {
                    items[index] = value;
                    return Ok(());
                }
                &mut items[index]
            }
            _ => return Err(format!("`{}` is a single value, not a section", segments[..depth].join("."))),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn base_chain_merges_maps_replaces_lists_and_file_wins() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "root.yaml", "training: {epochs: 5, batch: 8}\ncallbacks: [{name: a}, {name: b}]\nseed: 1\n");
        write(dir.path(), "mid.yaml", "_base_: root.yaml\ntraining: {epochs: 7}\nseed: 2\n");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let top = write(dir.path(), "sub/top.yaml", "_base_: ../mid.yaml\ncallbacks: [{name: c}]\n");
        let config = LayeredConfig::load(&top, &[]).unwrap();
        assert_eq!(config.value, yaml("training: {epochs: 7, batch: 8}\ncallbacks: [{name: c}]\nseed: 2\n"));
        assert_eq!(config.files().len(), 3);
        assert!(config.locate("training.batch").ends_with("root.yaml:1"), "{}", config.locate("training.batch"));
        assert!(config.locate("training.epochs").ends_with("mid.yaml:2"));
        assert!(config.locate("callbacks.0.name").ends_with("top.yaml:2"));
    }

    #[test]
    fn overrides_beat_the_file_and_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "c.yaml", "training:\n  epochs: 5\noptimizer: {name: adam, lr: 0.1}\ncallbacks: [{name: a, patience: 1}]\n");
        let overrides = [
            Override::parse("training.epochs=3").unwrap(),
            Override::parse("optimizer.lr=1e-3").unwrap(),
            Override::parse("data.shuffle=false").unwrap(),
            Override::parse("model.hidden=[32, 16]").unwrap(),
            Override::parse("callbacks.0.patience=4").unwrap(),
            Override::parse("name=run one").unwrap(),
            Override::parse("name=run two").unwrap(),
        ];
        let config = LayeredConfig::load(&path, &overrides).unwrap();
        let expected = yaml(
            "training: {epochs: 3}\noptimizer: {name: adam, lr: 0.001}\ncallbacks: [{name: a, patience: 4}]\ndata: {shuffle: false}\nmodel: {hidden: [32, 16]}\nname: run two\n",
        );
        assert_eq!(config.value, expected);
        assert_eq!(config.locate("training.epochs"), "--set training.epochs=3");
        assert_eq!(config.locate("callbacks.0.patience"), "--set callbacks.0.patience=4");
    }

    #[test]
    fn a_new_component_name_replaces_the_section() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "base.yaml", "model: {name: mlp-classifier, hidden: [8]}\n");
        let path = write(dir.path(), "c.yaml", "_base_: base.yaml\nmodel: {name: vae, latent_dim: 4}\n");
        let config = LayeredConfig::load(&path, &[]).unwrap();
        assert_eq!(config.value, yaml("model: {name: vae, latent_dim: 4}"));
        let config = LayeredConfig::load(&path, &[Override::model("mlp-classifier")]).unwrap();
        assert_eq!(config.value, yaml("model: {name: mlp-classifier}"));
        assert_eq!(config.locate("model.name"), "--model mlp-classifier");
        let same = LayeredConfig::load(&path, &[Override::model("vae")]).unwrap();
        assert_eq!(same.value, yaml("model: {name: vae, latent_dim: 4}"));
    }

    #[test]
    fn cycles_missing_bases_and_bad_overrides_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.yaml", "_base_: b.yaml\n");
        write(dir.path(), "b.yaml", "_base_: c.yaml\n");
        write(dir.path(), "c.yaml", "x: 1\n_base_: a.yaml\n");
        let error = LayeredConfig::load(&dir.path().join("a.yaml"), &[]).unwrap_err().to_string();
        assert!(error.starts_with("`_base_` cycle: "), "{error}");
        assert!(error.contains("a.yaml -> ") && error.contains("b.yaml -> ") && error.ends_with("a.yaml; remove the `_base_` key that closes the loop"), "{error}");

        let missing = write(dir.path(), "m.yaml", "seed: 1\n_base_: nope.yaml\n");
        let error = LayeredConfig::load(&missing, &[]).unwrap_err().to_string();
        assert!(error.contains("m.yaml:2: `_base_` file") && error.contains("nope.yaml does not exist"), "{error}");

        assert!(Override::parse("training.epochs").unwrap_err().to_string().contains("expected `path=value`"));
        let plain = write(dir.path(), "p.yaml", "training: {epochs: 1}\ncallbacks: []\n");
        let error = LayeredConfig::load(&plain, &[Override::parse("training.epochs.x=1").unwrap()]).unwrap_err();
        assert_eq!(error.to_string(), "--set training.epochs.x=1: `training.epochs` is a single value, not a section");
        let error = LayeredConfig::load(&plain, &[Override::parse("callbacks.2.name=x").unwrap()]).unwrap_err();
        assert!(error.to_string().contains("the list has 0 item(s)"), "{error}");
    }

    #[test]
    fn files_can_come_from_memory() {
        let mut files = MemoryFiles::new();
        files.insert("base.yaml", "training: {epochs: 5, batch: 8}\nseed: 1\n");
        files.insert("sub/top.yaml", "_base_: ../base.yaml\nseed: 2\n");
        let config = LayeredConfig::load_from(&files, Path::new("sub/top.yaml"), &[]).unwrap();
        assert_eq!(config.value, yaml("training: {epochs: 5, batch: 8}\nseed: 2\n"));
        assert_eq!(config.locate("training.batch"), "sub/../base.yaml:1");
        files.insert("loop.yaml", "_base_: ./sub/../loop.yaml\n");
        let error = LayeredConfig::load_from(&files, Path::new("loop.yaml"), &[]).unwrap_err().to_string();
        assert!(error.starts_with("`_base_` cycle: loop.yaml -> "), "{error}");
        let error = LayeredConfig::load_from(&files, Path::new("nope.yaml"), &[]).unwrap_err().to_string();
        assert!(error.starts_with("nope.yaml: cannot read config"), "{error}");
    }

    #[test]
    fn bases_named_many_times_stop_at_a_limit_instead_of_loading_exponentially() {
        // Each file names the next one eight times: 8^8 loads without the limit.
        let mut files = MemoryFiles::new();
        for level in 0..8 {
            files.insert(format!("f{level}.yaml"), format!("_base_: [{}]\nk{level}: 1\n", vec![format!("f{}.yaml", level + 1); 8].join(", ")));
        }
        files.insert("f8.yaml", "leaf: 1\n");
        let error = LayeredConfig::load_from(&files, Path::new("f0.yaml"), &[]).unwrap_err().to_string();
        assert!(error.contains(&format!("load more than {MAX_CONFIG_LOADS} files")), "{error}");
        // A diamond well under the limit still merges.
        let config = LayeredConfig::load_from(&files, Path::new("f6.yaml"), &[]).unwrap();
        assert_eq!(config.value, yaml("leaf: 1\nk7: 1\nk6: 1\n"));
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "bad.yaml", "model:\n  name: [vae\n");
        let error = LayeredConfig::load(&path, &[]).unwrap_err().to_string();
        assert!(error.starts_with(&format!("{}:", path.display())), "{error}");
        assert!(error.contains(":3:") || error.contains(":2:"), "{error}");
        let list = write(dir.path(), "list.yaml", "- a\n- b\n");
        assert!(LayeredConfig::load(&list, &[]).unwrap_err().to_string().contains("must be a mapping"));
    }
}
