//! The tasks on scratch workspaces (a root package, a non-plugin member, plugin crates under
//! `plugins/`) under the target folder's `tmp/`: `sync-plugins` after adding, moving and deleting
//! plugin folders, `check` on synced and unsynced plugin sets, `new-plugin`, and the command line.
//! `check` runs `cargo metadata --no-deps --offline` on the scratch workspace, as it does on the
//! real one; nothing is compiled.

use std::path::{Path, PathBuf};

use clap::Parser;
use toml_edit::DocumentMut;

use super::{Task, Xtask, check, new_plugin, run, sync_plugins};

/// A scratch workspace folder, deleted when dropped.
struct Scratch(PathBuf);

impl Scratch {
    /// `<target>/tmp/xtask-NAME-PID` (cargo's `CARGO_TARGET_TMPDIR`, which unit tests are not
    /// given): the test binary is `<target>/<profile>/deps/xtask-HASH`.
    fn new(name: &str) -> Scratch {
        let exe = std::env::current_exe().unwrap();
        let tmp = exe.ancestors().nth(3).map_or_else(std::env::temp_dir, |target| target.join("tmp"));
        let dir = tmp.join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn root(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A plugin crate `frameworm-plugin-NAME` in `root/dir`, its plugin.yaml `name: NAME` plus `extra`.
fn plugin(root: &Path, dir: &str, name: &str, extra: &str) {
    let dir = root.join(dir);
    write(
        &dir.join("Cargo.toml"),
        &format!("[package]\nname = \"frameworm-plugin-{name}\"\nversion.workspace = true\nedition.workspace = true\n"),
    );
    write(&dir.join("plugin.yaml"), &format!("name: {name}\nversion: 0.1.0\n{extra}"));
    write(&dir.join("src/lib.rs"), "//! A fixture plugin.\n");
}

/// A workspace with a non-plugin member `helper` (also a dependency of the root package) and the
/// plugins `names` under `plugins/`, wired in by hand as `sync-plugins` would.
fn workspace(name: &str, plugins: &[&str]) -> Scratch {
    let scratch = Scratch::new(name);
    let root = scratch.root();
    let members: Vec<String> = plugins.iter().map(|p| format!(", \"plugins/{p}\"")).collect();
    let dependencies: Vec<String> = plugins.iter().map(|p| format!("frameworm-plugin-{p} = {{ path = \"plugins/{p}\" }}\n")).collect();
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[workspace]\nmembers = [\"helper\"{}]\nresolver = \"3\"\n\n\
             [workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\nrust-version = \"1.85\"\nlicense = \"MIT\"\n\n\
             # What `new-plugin`'s Cargo.toml inherits (never resolved: `check` reads with --no-deps).\n\
             [workspace.dependencies]\nburn = \"0.22\"\nframeworm-core = \"0.1\"\nserde = \"1\"\n\n\
             [workspace.lints.rust]\nunsafe_code = \"deny\"\n\n\
             [package]\nname = \"frameworm\"\nversion.workspace = true\nedition.workspace = true\n\n\
             [dependencies]\nhelper = {{ path = \"helper\" }}\n{}",
            members.concat(),
            dependencies.concat()
        ),
    );
    write(&root.join("src/lib.rs"), "//! The fixture's root package.\n");
    write(&root.join("helper/Cargo.toml"), "[package]\nname = \"helper\"\nversion.workspace = true\nedition.workspace = true\n");
    write(&root.join("helper/src/lib.rs"), "//! Not a plugin.\n");
    for name in plugins {
        plugin(root, &format!("plugins/{name}"), name, "");
    }
    scratch
}

/// The root Cargo.toml's workspace members and its dependencies as (name, path).
fn wiring(root: &Path) -> (Vec<String>, Vec<(String, String)>) {
    let doc: DocumentMut = std::fs::read_to_string(root.join("Cargo.toml")).unwrap().parse().unwrap();
    let members = doc["workspace"]["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
    let dependencies = doc["dependencies"]
        .as_table_like()
        .unwrap()
        .iter()
        .map(|(name, item)| (name.to_string(), item.get("path").and_then(|p| p.as_str()).unwrap_or_default().to_string()))
        .collect();
    (members, dependencies)
}

fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn error(result: anyhow::Result<Vec<String>>) -> String {
    format!("{:#}", result.expect_err("the task should fail"))
}

#[test]
fn sync_plugins_follows_added_moved_and_deleted_plugin_folders() {
    let ws = workspace("sync", &["a"]);
    let root = ws.root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert_eq!(sync_plugins(root).unwrap(), ["plugins already in sync"]);
    assert_eq!(std::fs::read_to_string(root.join("Cargo.toml")).unwrap(), manifest, "an in-sync workspace is left byte for byte");
    assert_eq!(check(root).unwrap(), ["1 plugins valid:", "  a 0.1.0 (plugins/a/plugin.yaml, 0 components)"]);

    // Added: a folder cargo does not know yet; `check` names it and the fix.
    plugin(root, "plugins/b", "b", "dependencies: {a: \"^0.1\"}\n");
    let message = error(check(root));
    assert!(
        message.contains("plugins/b/plugin.yaml: plugin crate `b` is under plugins/ but not a workspace member; run `cargo xtask sync-plugins`"),
        "{message}"
    );
    assert_eq!(sync_plugins(root).unwrap(), ["added   plugins/b"]);
    let (members, dependencies) = wiring(root);
    assert_eq!(members, ["helper", "plugins/a", "plugins/b"]);
    assert_eq!(dependencies, owned(&[("helper", "helper"), ("frameworm-plugin-a", "plugins/a"), ("frameworm-plugin-b", "plugins/b")]));
    // Registration order: `b` after `a`, which it depends on.
    let lines = check(root).unwrap();
    assert_eq!(lines[0], "2 plugins valid:");
    assert!(lines[1].starts_with("  a 0.1.0") && lines[2].starts_with("  b 0.1.0 (plugins/b/plugin.yaml"), "{lines:?}");

    // Moved into a nested folder: the old path goes, the new one comes.
    std::fs::create_dir_all(root.join("plugins/models")).unwrap();
    std::fs::rename(root.join("plugins/b"), root.join("plugins/models/b")).unwrap();
    assert_eq!(sync_plugins(root).unwrap(), ["added   plugins/models/b", "removed plugins/b"]);
    let (members, dependencies) = wiring(root);
    assert_eq!(members, ["helper", "plugins/a", "plugins/models/b"]);
    assert_eq!(dependencies, owned(&[("helper", "helper"), ("frameworm-plugin-a", "plugins/a"), ("frameworm-plugin-b", "plugins/models/b")]));
    assert_eq!(check(root).unwrap()[0], "2 plugins valid:");

    // Deleted: until it is synced, cargo cannot load the workspace (a member is gone).
    std::fs::remove_dir_all(root.join("plugins/a")).unwrap();
    assert!(error(check(root)).contains("cannot read the workspace with cargo metadata"));
    assert_eq!(sync_plugins(root).unwrap(), ["removed plugins/a"]);
    let (members, dependencies) = wiring(root);
    assert_eq!(members, ["helper", "plugins/models/b"]);
    assert_eq!(dependencies, owned(&[("helper", "helper"), ("frameworm-plugin-b", "plugins/models/b")]));
    // Now the plugin set is wired but `b` misses its dependency: `check` says which and how.
    let message = error(check(root));
    assert!(
        message.contains("plugins/models/b/plugin.yaml: plugin `b` depends on plugin `a` ^0.1, which is not in this build")
            && message.contains("or remove the dependency"),
        "{message}"
    );
    plugin(root, "plugins/models/b", "b", "");
    assert_eq!(check(root).unwrap(), ["1 plugins valid:", "  b 0.1.0 (plugins/models/b/plugin.yaml, 0 components)"]);
    assert_eq!(sync_plugins(root).unwrap(), ["plugins already in sync"]);
}

#[test]
fn sync_plugins_refuses_a_broken_manifest_writing_nothing() {
    let ws = workspace("sync-broken", &["a"]);
    let root = ws.root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    write(&root.join("plugins/c/plugin.yaml"), "name: c\nversion: 0.1.0\n");
    write(&root.join("plugins/c/Cargo.toml"), "[package\n");
    let message = error(sync_plugins(root));
    assert!(message.contains("plugins/c/Cargo.toml: TOML parse error at line 1"), "{message}");
    assert_eq!(std::fs::read_to_string(root.join("Cargo.toml")).unwrap(), manifest, "a refused sync wrote Cargo.toml");
    // A folder with a plugin.yaml but no Cargo.toml is no crate: sync skips it, check names it.
    std::fs::remove_file(root.join("plugins/c/Cargo.toml")).unwrap();
    assert_eq!(sync_plugins(root).unwrap(), ["plugins already in sync"]);
    assert!(error(check(root)).contains("plugins/c/plugin.yaml: plugin crate `c` is under plugins/ but has no Cargo.toml"));

    write(&root.join("Cargo.toml"), "[workspace]\nmembers = \"plugins/a\"\n");
    assert!(error(sync_plugins(root)).contains("no [workspace] members array"));
}

#[test]
fn check_reports_every_problem_of_the_plugin_set_at_once() {
    let ws = workspace("check", &["a", "b", "c"]);
    let root = ws.root();
    plugin(root, "plugins/a", "a", "provides:\n  metrics:\n    score: Score\n");
    plugin(root, "plugins/b", "b", "provides:\n  metrics:\n    score: Other\n");
    plugin(root, "plugins/c", "c", "dependencies: {frameworm: \">=9\"}\n");
    let message = error(check(root));
    assert!(message.starts_with("2 plugin problems found:"), "{message}");
    assert!(message.contains("duplicate metric name `score`: declared by plugin `a`") && message.contains("plugin `b`"), "{message}");
    assert!(message.contains("plugins/c/plugin.yaml: plugin `c` needs `frameworm` >=9"), "{message}");

    // An invalid plugin.yaml is reported at its line.
    plugin(root, "plugins/b", "b", "hooks: [on_epoch_ned]\n");
    plugin(root, "plugins/c", "c", "");
    let message = error(check(root));
    assert!(message.contains("plugins/b/plugin.yaml:3:") && message.contains("on_epoch_end"), "{message}");
}

#[test]
fn new_plugin_scaffolds_a_plugin_that_check_accepts() {
    let ws = workspace("new", &[]);
    let root = ws.root();
    let lines = new_plugin(root, "my-metric", "metric").unwrap();
    assert!(lines[0].starts_with("created ") && lines[0].ends_with("(metric plugin `my-metric`) and wired it into Cargo.toml"), "{lines:?}");
    assert_eq!(wiring(root).0, ["helper", "plugins/my-metric"]);
    assert_eq!(check(root).unwrap()[1], "  my-metric 0.1.0 (plugins/my-metric/plugin.yaml, 1 components)");
    assert!(error(new_plugin(root, "other", "metirc")).contains("unknown kind `metirc`, did you mean `metric`?"));
    assert!(error(new_plugin(root, "my-metric", "metric")).contains("already exists"));
    assert!(error(new_plugin(root, "Bad Name", "model")).contains("Bad Name"));
    assert!(!root.join("plugins/other").exists() && !root.join("plugins/Bad Name").exists());
}

#[test]
fn the_command_line_names_one_task_and_takes_no_stray_arguments() {
    let parse = |args: &[&str]| Xtask::try_parse_from([&["xtask"], args].concat()).map(|x| x.command);
    assert!(matches!(parse(&["check"]), Ok(Task::Check)));
    assert!(matches!(parse(&["sync-plugins"]), Ok(Task::SyncPlugins)));
    assert!(matches!(parse(&["new-plugin", "x"]), Ok(Task::NewPlugin { name, kind }) if name == "x" && kind == "model"));
    assert!(matches!(parse(&["new-plugin", "x", "--kind", "dataset"]), Ok(Task::NewPlugin { kind, .. }) if kind == "dataset"));
    assert!(matches!(parse(&["man"]), Ok(Task::Man { out }) if out == Path::new("target/man")));
    assert!(matches!(parse(&["man", "--out", "docs/man"]), Ok(Task::Man { out }) if out == Path::new("docs/man")));
    for bad in [&[][..], &["chek"], &["check", "extra"], &["sync-plugins", "--all"], &["new-plugin"], &["man", "extra"]] {
        assert!(parse(bad).is_err(), "{bad:?} parsed");
    }
    let suggestion = parse(&["sync-plugin"]).err().unwrap().to_string();
    assert!(suggestion.contains("sync-plugins"), "{suggestion}");

    // `run` dispatches on the root it is given.
    let ws = workspace("run", &["a"]);
    assert_eq!(run(Task::Check, ws.root()).unwrap()[0], "1 plugins valid:");
    assert_eq!(run(Task::SyncPlugins, ws.root()).unwrap(), ["plugins already in sync"]);
}
