//! Checks over the whole plugin set: unique names, satisfied dependencies, no cycles; and the
//! order plugins register in (dependencies first).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use semver::Version;

use crate::discover::DiscoveredPlugin;
use crate::error::{ManifestError, ValidationErrors};
use crate::suggest;
use crate::FRAMEWORK_DEPENDENCY;

/// Validates the set and returns it in registration order: every plugin after the plugins it
/// depends on, ties broken by name, so hook order follows declared dependencies.
pub fn validate(
    plugins: Vec<DiscoveredPlugin>,
    framework_version: &Version,
) -> Result<Vec<DiscoveredPlugin>, ValidationErrors> {
    let mut errors = Vec::new();
    let path_of = |plugin: &DiscoveredPlugin| PathBuf::from(&plugin.display_path);

    // Keyed by the canonical name: `my_model` and `my-model` are one name.
    let mut by_name: BTreeMap<String, &DiscoveredPlugin> = BTreeMap::new();
    for plugin in &plugins {
        let name = plugin.manifest.name.as_str();
        if let Some(first) = by_name.get(&plugin.manifest.name.canonical()) {
            errors.push(ManifestError::DuplicatePlugin {
                name: same_name(first.manifest.name.as_str(), name),
                first_crate: first.package.clone(),
                first: path_of(first),
                second_crate: plugin.package.clone(),
                second: path_of(plugin),
            });
        } else {
            by_name.insert(plugin.manifest.name.canonical(), plugin);
        }
    }

    for plugin in &plugins {
        for (dependency, requirement) in &plugin.manifest.dependencies.0 {
            let found = if dependency.as_str() == FRAMEWORK_DEPENDENCY {
                Some(framework_version.clone())
            } else {
                by_name.get(&dependency.canonical()).map(|d| d.manifest.version.clone())
            };
            match found {
                None => errors.push(ManifestError::MissingDependency {
                    path: path_of(plugin),
                    plugin: plugin.manifest.name.to_string(),
                    dependency: dependency.to_string(),
                    requirement: requirement.to_string(),
                    hint: suggest::did_you_mean(dependency.as_str(), by_name.values().map(|p| p.manifest.name.as_str())),
                }),
                Some(version) if !requirement.matches(&version) => {
                    errors.push(ManifestError::IncompatibleDependency {
                        path: path_of(plugin),
                        plugin: plugin.manifest.name.to_string(),
                        dependency: dependency.to_string(),
                        requirement: requirement.to_string(),
                        found: version.to_string(),
                    })
                }
                Some(_) => {}
            }
        }
    }

    // `fields:` describes a dataset's items or what a model reads; nothing else has fields.
    for plugin in &plugins {
        for (kind, name, decl) in plugin.manifest.provides.iter() {
            if !decl.fields.is_empty() && !matches!(kind, crate::Kind::Dataset | crate::Kind::Model) {
                errors.push(ManifestError::Invalid {
                    path: path_of(plugin),
                    location: None,
                    message: format!(
                        "{} `{name}` declares `fields:`, which only datasets (the fields of their items) and models (the fields they read) have: remove it",
                        kind.name()
                    ),
                });
            }
        }
    }

    let mut declared: BTreeMap<(&'static str, String), (&DiscoveredPlugin, &str)> = BTreeMap::new();
    for plugin in &plugins {
        for (kind, name, _) in plugin.manifest.provides.iter() {
            match declared.get(&(kind.name(), name.canonical())) {
                Some((first, first_name)) if first.manifest.name != plugin.manifest.name || *first_name != name.as_str() => {
                    errors.push(ManifestError::DuplicateComponent {
                        kind: kind.name(),
                        name: same_name(first_name, name.as_str()),
                        first_plugin: first.manifest.name.to_string(),
                        first_crate: first.package.clone(),
                        first: path_of(first),
                        second_plugin: plugin.manifest.name.to_string(),
                        second_crate: plugin.package.clone(),
                        second: path_of(plugin),
                    })
                }
                _ => {
                    declared.insert((kind.name(), name.canonical()), (plugin, name.as_str()));
                }
            }
        }
    }

    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }
    order_by_dependencies(plugins).map_err(ValidationErrors::from)
}

/// A clashing name as the error shows it, inside the error's backticks: `vae`, or
/// ``my_model` / `my-model` (`-` and `_` count as one, as on crates.io`` (one name).
fn same_name(first: &str, second: &str) -> String {
    if first == second { first.to_string() } else { format!("{second}` / `{first}` (`-` and `_` count as one, as on crates.io") }
}

/// Kahn's algorithm over plugin dependencies; a leftover means a cycle, reported as a chain.
fn order_by_dependencies(plugins: Vec<DiscoveredPlugin>) -> Result<Vec<DiscoveredPlugin>, ManifestError> {
    // Dependencies name plugins by their canonical name (`my_base` is `my-base`).
    let by_canonical: BTreeMap<String, String> = plugins.iter().map(|p| (p.manifest.name.canonical(), p.manifest.name.to_string())).collect();
    let depends_on = |plugin: &DiscoveredPlugin| -> BTreeSet<String> {
        plugin.manifest.dependencies.0.keys().filter_map(|name| by_canonical.get(&name.canonical()).cloned()).collect()
    };
    let mut pending: BTreeMap<String, DiscoveredPlugin> = plugins
        .into_iter()
        .map(|plugin| (plugin.manifest.name.to_string(), plugin))
        .collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::new();
    loop {
        let ready: Option<String> = pending
            .iter()
            .find(|(_, plugin)| depends_on(plugin).is_subset(&done))
            .map(|(name, _)| name.clone());
        match ready {
            Some(name) => {
                let plugin = pending.remove(&name).expect("ready plugin is pending");
                done.insert(name);
                ordered.push(plugin);
            }
            None if pending.is_empty() => return Ok(ordered),
            None => return Err(cycle_error(&pending, &depends_on)),
        }
    }
}

fn cycle_error(
    pending: &BTreeMap<String, DiscoveredPlugin>,
    depends_on: &dyn Fn(&DiscoveredPlugin) -> BTreeSet<String>,
) -> ManifestError {
    // Follow pending dependencies from the first pending plugin until a name repeats.
    let mut chain: Vec<String> = Vec::new();
    let mut current = pending.keys().next().cloned().unwrap_or_default();
    while !chain.contains(&current) {
        chain.push(current.clone());
        let next = pending
            .get(&current)
            .and_then(|plugin| depends_on(plugin).into_iter().find(|d| pending.contains_key(d)));
        match next {
            Some(next) => current = next,
            None => break,
        }
    }
    let start = chain.iter().position(|name| name == &current).unwrap_or(0);
    let mut cycle: Vec<String> = chain[start..].to_vec();
    cycle.push(current);
    let paths = cycle[..cycle.len() - 1]
        .iter()
        .filter_map(|name| pending.get(name))
        .map(|plugin| PathBuf::from(&plugin.display_path))
        .collect();
    ManifestError::DependencyCycle { chain: cycle, paths }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse_manifest;
    use std::path::Path;

    fn plugin(yaml: &str) -> DiscoveredPlugin {
        crate::discover::test_plugin(yaml)
    }

    fn errors(plugins: Vec<DiscoveredPlugin>) -> String {
        validate(plugins, &Version::new(0, 1, 0)).unwrap_err().to_string()
    }

    #[test]
    fn orders_dependencies_first() {
        let ordered = validate(
            vec![
                plugin("name: a\nversion: 1.0.0\ndependencies: { b: '^1', frameworm: '>=0.1' }\n"),
                plugin("name: b\nversion: 1.2.0\ndependencies: { c: '1' }\n"),
                plugin("name: c\nversion: 1.0.0\n"),
                plugin("name: aa\nversion: 1.0.0\n"),
            ],
            &Version::new(0, 1, 0),
        )
        .unwrap();
        let names: Vec<_> = ordered.iter().map(|p| p.manifest.name.to_string()).collect();
        assert_eq!(names, ["aa", "c", "b", "a"]);
    }

    #[test]
    fn reports_missing_and_incompatible_dependencies() {
        let text = errors(vec![
            plugin("name: a\nversion: 1.0.0\ndependencies: { bb: '^1' }\n"),
            plugin("name: b\nversion: 2.0.0\n"),
            plugin("name: c\nversion: 1.0.0\ndependencies: { b: '^1', frameworm: '>=0.2' }\n"),
        ]);
        assert!(text.contains("plugins/a/plugin.yaml: plugin `a` depends on plugin `bb` ^1, which is not in this build, did you mean `b`?"), "{text}");
        assert!(text.contains("plugin `c` needs `b` ^1, but this build has b 2.0.0"), "{text}");
        assert!(text.contains("plugin `c` needs `frameworm` >=0.2, but this build has frameworm 0.1.0"), "{text}");
        assert!(text.starts_with("3 plugin problems found:"), "{text}");
    }

    #[test]
    fn reports_duplicates_naming_both_plugins_and_files() {
        let mut second = plugin("name: a\nversion: 1.0.0\n");
        second.display_path = "plugins/other/plugin.yaml".into();
        second.package = "other".into();
        let text = errors(vec![plugin("name: a\nversion: 1.0.0\n"), second]);
        assert!(text.contains("duplicate plugin name `a`: declared by crate `frameworm-plugin-a` (plugins/a/plugin.yaml) and crate `other` (plugins/other/plugin.yaml)"), "{text}");

        let text = errors(vec![
            plugin("name: a\nversion: 1.0.0\nprovides: { models: { vae: Vae } }\n"),
            plugin("name: b\nversion: 1.0.0\nprovides: { models: { vae: Vae } }\n"),
        ]);
        assert!(text.contains("duplicate model name `vae`: declared by plugin `a` (crate `frameworm-plugin-a`, plugins/a/plugin.yaml) and plugin `b` (crate `frameworm-plugin-b`, plugins/b/plugin.yaml)"), "{text}");
    }

    #[test]
    fn fields_belong_to_datasets_and_models_only() {
        let text = errors(vec![plugin("name: a\nversion: 1.0.0\nprovides: { metrics: { m: { type: M, fields: { x: 'f32[*]' } } } }\n")]);
        assert!(text.contains("plugins/a/plugin.yaml: metric `m` declares `fields:`, which only datasets (the fields of their items) and models (the fields they read) have: remove it"), "{text}");
        let fine = "name: a\nversion: 1.0.0\nprovides: { models: { m: { type: M, fields: { x: 'f32[*]' } } }, datasets: { d: { type: D, fields: { x: 'f32[3]' } } } }\n";
        validate(vec![plugin(fine)], &Version::new(0, 1, 0)).unwrap();
        let bad = parse_manifest(b"name: a\nversion: 1.0.0\nprovides: { datasets: { d: { type: D, fields: { x: 'f32[three]' } } } }\n", Path::new("p.yaml")).unwrap_err();
        assert!(bad.to_string().contains("`f32[three]` is not a field type; write `f32[DIMS]`"), "{bad}");
    }

    #[test]
    fn names_differing_only_by_dash_or_underscore_are_one_name() {
        let text = errors(vec![plugin("name: my-model\nversion: 1.0.0\n"), plugin("name: my_model\nversion: 1.0.0\n")]);
        assert!(text.contains("duplicate plugin name `my_model` / `my-model` (`-` and `_` count as one, as on crates.io`"), "{text}");
        let text = errors(vec![
            plugin("name: a\nversion: 1.0.0\nprovides: { models: { my-model: X } }\n"),
            plugin("name: b\nversion: 1.0.0\nprovides: { models: { my_model: Y } }\n"),
        ]);
        assert!(text.contains("duplicate model name `my_model` / `my-model`") && text.contains("plugin `a`") && text.contains("plugin `b`"), "{text}");
        let text = errors(vec![plugin("name: a\nversion: 1.0.0\nprovides: { models: { my-model: X, my_model: Y } }\n")]);
        assert!(text.contains("duplicate model name"), "{text}");
        // A dependency written with the other separator is the same plugin.
        validate(vec![plugin("name: my-base\nversion: 1.0.0\n"), plugin("name: c\nversion: 1.0.0\ndependencies: { my_base: '1' }\n")], &Version::new(0, 1, 0)).unwrap();
    }

    #[test]
    fn same_name_in_two_kinds_is_fine() {
        validate(
            vec![plugin("name: a\nversion: 1.0.0\nprovides: { models: { x: X }, metrics: { x: Y } }\n")],
            &Version::new(0, 1, 0),
        )
        .unwrap();
    }

    #[test]
    fn reports_cycles_as_a_chain() {
        let text = errors(vec![
            plugin("name: a\nversion: 1.0.0\ndependencies: { b: '1' }\n"),
            plugin("name: b\nversion: 1.0.0\ndependencies: { c: '1' }\n"),
            plugin("name: c\nversion: 1.0.0\ndependencies: { a: '1' }\n"),
            plugin("name: d\nversion: 1.0.0\n"),
        ]);
        assert!(text.contains("plugin dependency cycle: a -> b -> c -> a; remove one of these dependencies (plugins/a/plugin.yaml, plugins/b/plugin.yaml, plugins/c/plugin.yaml)"), "{text}");
    }
}
