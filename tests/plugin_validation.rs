//! Validator tests on fixture plugin folders: each builds a small workspace in a temporary
//! folder, runs the same discovery and validation as `build.rs`, and checks the message.

use std::fs;
use std::path::Path;

use frameworm_manifest::{FRAMEWORK_VERSION, discover, validate};

/// One plugin folder of a fixture workspace.
struct Fixture<'a> {
    dir: &'a str,
    package: &'a str,
    yaml: &'a str,
    member: bool,
    linked: bool,
}

fn plugin<'a>(dir: &'a str, package: &'a str, yaml: &'a str) -> Fixture<'a> {
    Fixture { dir, package, yaml, member: true, linked: true }
}

fn workspace(plugins: &[Fixture]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let members: Vec<String> = plugins.iter().filter(|p| p.member).map(|p| format!("\"{}\"", p.dir)).collect();
    let deps: Vec<String> = plugins
        .iter()
        .filter(|p| p.linked)
        .map(|p| format!("{} = {{ path = \"{}\" }}", p.package, p.dir))
        .collect();
    write(root.path(), "Cargo.toml", &format!(
        "[workspace]\nmembers = [{}]\n\n[package]\nname = \"frameworm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{}\n",
        members.join(", "),
        deps.join("\n")
    ));
    write(root.path(), "src/main.rs", "fn main() {}\n");
    for p in plugins {
        let dir = root.path().join(p.dir);
        write(&dir, "Cargo.toml", &format!("[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n", p.package));
        write(&dir, "src/lib.rs", "");
        write(&dir, "plugin.yaml", p.yaml);
    }
    root
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn check(plugins: &[Fixture]) -> Result<Vec<String>, String> {
    let root = workspace(plugins);
    let version = FRAMEWORK_VERSION.parse().unwrap();
    discover(root.path(), &[])
        .and_then(|found| validate(found, &version))
        .map(|ok| ok.iter().map(|p| format!("{}={}", p.manifest.name, p.crate_name)).collect())
        .map_err(|e| e.to_string())
}

fn error(plugins: &[Fixture]) -> String {
    check(plugins).expect_err("validation should fail")
}

#[test]
fn valid_nested_plugins_are_found_in_dependency_order() {
    let found = check(&[
        plugin("plugins/models/gans/dcgan", "frameworm-plugin-dcgan", "name: dcgan\nversion: 0.1.0\ndependencies: { digits: '^0.1', frameworm: '>=0.1' }\n"),
        plugin("plugins/digits", "frameworm-plugin-digits", "name: digits\nversion: 0.1.2\n"),
    ])
    .unwrap();
    assert_eq!(found, ["digits=frameworm_plugin_digits", "dcgan=frameworm_plugin_dcgan"]);
}

#[test]
fn malformed_yaml_reports_file_line_and_column() {
    let text = error(&[plugin("plugins/a", "a", "name: a\nversion: 0.1.0\nauthor: x\n  bad: indent\n")]);
    assert!(text.contains("plugins/a/plugin.yaml:4:"), "{text}");
    assert!(text.contains("mapping values are not allowed"), "{text}");
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let text = error(&[plugin("plugins/a", "a", "name: a\nversion: 0.1.0\ndescripton: typo\n")]);
    assert!(text.contains("plugins/a/plugin.yaml:3:1: unknown field `descripton`, did you mean `description`?"), "{text}");
}

#[test]
fn bad_semver_is_located() {
    let text = error(&[plugin("plugins/a", "a", "name: a\nversion: 1.0\n")]);
    assert!(text.contains("plugins/a/plugin.yaml:2:10: version: unexpected end of input while parsing minor version number"), "{text}");
}

#[test]
fn duplicate_plugin_names_name_both_crates_and_files() {
    let text = error(&[
        plugin("plugins/a", "crate-a", "name: same\nversion: 0.1.0\n"),
        plugin("plugins/b", "crate-b", "name: same\nversion: 0.1.0\n"),
    ]);
    assert!(text.contains("duplicate plugin name `same`: declared by crate `crate-a` (plugins/a/plugin.yaml) and crate `crate-b` (plugins/b/plugin.yaml)"), "{text}");
}

#[test]
fn duplicate_component_names_across_plugins_name_both() {
    let text = error(&[
        plugin("plugins/a", "crate-a", "name: a\nversion: 0.1.0\nprovides: { datasets: { digits: Digits } }\n"),
        plugin("plugins/b", "crate-b", "name: b\nversion: 0.1.0\nprovides: { datasets: { digits: MyDigits } }\n"),
    ]);
    assert!(text.contains("duplicate dataset name `digits`: declared by plugin `a` (crate `crate-a`, plugins/a/plugin.yaml) and plugin `b` (crate `crate-b`, plugins/b/plugin.yaml)"), "{text}");
}

#[test]
fn missing_plugin_dependency_is_named() {
    let text = error(&[plugin("plugins/a", "a", "name: a\nversion: 0.1.0\ndependencies: { digits: '^0.1' }\n")]);
    assert!(text.contains("plugins/a/plugin.yaml: plugin `a` depends on plugin `digits` ^0.1, which is not in this build"), "{text}");
}

#[test]
fn framework_version_mismatch_is_named() {
    let text = error(&[plugin("plugins/a", "a", "name: a\nversion: 0.1.0\ndependencies: { frameworm: '>=9' }\n")]);
    assert!(text.contains(&format!("plugin `a` needs `frameworm` >=9, but this build has frameworm {FRAMEWORK_VERSION}")), "{text}");
}

#[test]
fn unlinked_plugins_point_to_sync_plugins() {
    let mut not_member = plugin("plugins/a", "crate-a", "name: a\nversion: 0.1.0\n");
    not_member.member = false;
    not_member.linked = false;
    let text = error(&[not_member]);
    assert!(text.contains("plugins/a/plugin.yaml: plugin crate `a` is under plugins/ but not a workspace member; run `cargo xtask sync-plugins`"), "{text}");

    let mut not_linked = plugin("plugins/b", "crate-b", "name: b\nversion: 0.1.0\n");
    not_linked.linked = false;
    let text = error(&[not_linked]);
    assert!(text.contains("plugin crate `crate-b` is under plugins/ but not a dependency of the `frameworm` package; run `cargo xtask sync-plugins`"), "{text}");
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let text = error(&[
        plugin("plugins/a", "a", "name: a\nversion: x\n"),
        plugin("plugins/b", "b", "name: b\nversion: 0.1.0\nhooks: [on_epoc_end]\n"),
    ]);
    assert!(text.starts_with("2 plugin problems found:"), "{text}");
    assert!(text.contains("did you mean `on_epoch_end`?"), "{text}");
}
