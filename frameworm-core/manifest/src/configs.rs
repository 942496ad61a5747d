//! The build's look at the run configs shipped beside the binary (`configs/*.yaml`): where the
//! model and the dataset a config names both declare their fields in plugin.yaml, a pairing
//! that cannot fit fails `cargo build` with the config, both plugins and the field, the same
//! words `frameworm config validate` would print at run time.
//!
//! Only `model.name` and `dataset.name` are read, following `_base_` files (later bases and
//! then the file itself win, as the run-time loader merges them). A file this reader cannot
//! make sense of is skipped: the run-time loader is the authority on configs and reports it
//! with its line.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::discover::DiscoveredPlugin;
use crate::fields::{Fields, check_pair};
use crate::kind::Kind;

/// `_base_` files followed at most (the run-time loader has its own limit and error).
const MAX_BASES: usize = 32;

/// The `name` of section `key` (`model: {name: vae}` or `model: vae`), if the value sets one.
fn section_name(config: &Value, key: &str) -> Option<String> {
    match config.get(key)? {
        Value::String(name) => Some(name.clone()),
        section => section.get("name")?.as_str().map(str::to_string),
    }
}

/// `(model, dataset)` names of the config at `path`, through its `_base_` chain.
fn names(path: &Path, depth: &mut usize) -> (Option<String>, Option<String>) {
    *depth += 1;
    let Some(config) = std::fs::read_to_string(path).ok().and_then(|text| serde_yaml::from_str::<Value>(&text).ok()) else {
        return (None, None);
    };
    let mut found = (None, None);
    let bases: Vec<String> = match config.get("_base_") {
        Some(Value::String(base)) => vec![base.clone()],
        Some(Value::Sequence(list)) => list.iter().filter_map(|b| b.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    for base in bases {
        if *depth >= MAX_BASES {
            break;
        }
        let (model, dataset) = names(&path.parent().unwrap_or(Path::new(".")).join(base), depth);
        found = (model.or(found.0), dataset.or(found.1));
    }
    (section_name(&config, "model").or(found.0), section_name(&config, "dataset").or(found.1))
}

/// The fields plugin.yaml declares for component `name` (bare or `plugin::name`) of `kind`,
/// with the file that declares them; `None` when no plugin declares any.
fn declared<'a>(plugins: &'a [DiscoveredPlugin], kind: Kind, name: &str) -> Option<(&'a Fields, &'a str)> {
    let (plugin, bare) = match name.split_once("::") {
        Some((plugin, bare)) => (Some(plugin), bare),
        None => (None, name),
    };
    plugins.iter().filter(|p| plugin.is_none_or(|want| p.manifest.name.as_str() == want)).find_map(|p| {
        let decl = p.manifest.provides.of(kind).0.get(&crate::schema::Name(bare.to_string()))?;
        (!decl.fields.is_empty()).then_some((&decl.fields, p.display_path.as_str()))
    })
}

/// The `*.yaml` files of `dir`, in name order (none when it does not exist).
pub fn config_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml")).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Every config in `dir` whose model and dataset both declare fields that do not fit, as an
/// error line naming the config (as `shown` relative to the package), both plugin.yaml files
/// and the fix.
pub fn check_configs(dir: &Path, shown: &str, plugins: &[DiscoveredPlugin]) -> Vec<String> {
    let mut problems = Vec::new();
    for file in config_files(dir) {
        let (Some(model), Some(dataset)) = names(&file, &mut 0) else { continue };
        let (Some((reads, model_yaml)), Some((provides, dataset_yaml))) = (declared(plugins, Kind::Model, &model), declared(plugins, Kind::Dataset, &dataset)) else {
            continue;
        };
        let bare = |name: &str| name.rsplit("::").next().unwrap_or(name).to_string();
        if let Some(problem) = check_pair(&bare(&model), reads, &bare(&dataset), provides) {
            let name = file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            problems.push(format!(
                "{shown}/{name}: {problem} (fields declared in {model_yaml} and {dataset_yaml}); pick a dataset this model can read, or another model"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(yaml: &str) -> DiscoveredPlugin {
        crate::discover::test_plugin(yaml)
    }

    fn plugins() -> Vec<DiscoveredPlugin> {
        vec![
            plugin("name: lm\nversion: 0.1.0\nprovides: { models: { lm: { type: Lm, fields: { tokens: 'int[*] classes', next_tokens: 'int[*]' } } } }\n"),
            plugin("name: digits\nversion: 0.1.0\nprovides: { datasets: { digits: { type: D, fields: { image: 'f32[1, 8, 8]', label: 'int[] classes' } } } }\n"),
            plugin("name: text\nversion: 0.1.0\nprovides: { datasets: { text: { type: T, fields: { tokens: 'int[*] classes', next_tokens: 'int[*] classes' } } } }\n"),
            plugin("name: csv\nversion: 0.1.0\nprovides: { datasets: { csv: C } }\n"),
        ]
    }

    #[test]
    fn a_shipped_config_pairing_fields_that_cannot_fit_is_named_with_both_plugins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.yaml"), "model: {name: lm}\n").unwrap();
        std::fs::write(dir.path().join("bad.yaml"), "_base_: base.yaml\ndataset: {name: digits}\n").unwrap();
        std::fs::write(dir.path().join("good.yaml"), "_base_: [base.yaml]\ndataset: text\n").unwrap();
        std::fs::write(dir.path().join("undeclared.yaml"), "model: lm\ndataset: {name: csv}\n").unwrap();
        std::fs::write(dir.path().join("qualified.yaml"), "model: {name: 'lm::lm'}\ndataset: {name: 'digits::digits'}\n").unwrap();
        std::fs::write(dir.path().join("broken.yaml"), "model: [\n").unwrap();
        let problems = check_configs(dir.path(), "configs", &plugins());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            problems[0],
            "configs/bad.yaml: model `lm` reads `next_tokens` int[*], and dataset `digits` has no field `next_tokens`; it provides `image` f32[1, 8, 8], `label` int[] classes \
             (fields declared in plugins/lm/plugin.yaml and plugins/digits/plugin.yaml); pick a dataset this model can read, or another model"
        );
        assert!(problems[1].starts_with("configs/qualified.yaml: model `lm` reads"), "{problems:?}");
    }

    #[test]
    fn a_missing_folder_has_nothing_to_check() {
        assert!(check_configs(Path::new("/no/such/folder"), "configs", &plugins()).is_empty());
    }
}
