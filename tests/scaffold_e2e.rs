//! End to end: in a temporary copy of the workspace, `cargo xtask new-plugin` scaffolds a
//! plugin of every kind, `cargo build` picks them up with no manual edit, their own tests pass
//! (so no template falls behind the API), and `frameworm plugins list --json` shows them. Then
//! the plugin cases of the bad-input corpus that a real build must refuse (a duplicate name, bad
//! YAML) are added to the copy as plugin crates, and `cargo build` must fail with their
//! `expect.txt` fragments. The copy builds with its own target dir (its binary) but the outer
//! build's `build-dir` (cargo's intermediate artifacts), so burn and every other registry crate
//! compiled for the outer `cargo test` are reused, not built cold a second time (provided the
//! copy's commands resolve features as the outer build does: [`BUILD_BINARY`]). Cargo names a
//! workspace crate's artifacts by its path inside the workspace, so the copy's crates would land
//! on the outer ones' names and replace them (the outer build would then rebuild, and its
//! doctests could meet a crate built twice): [`separate_workspace_artifacts`] gives each of the
//! copy's members a profile setting of no effect that changes those names.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The target dir this test was built in (`target/release/deps/<test>` → `target`).
fn outer_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Copies the workspace's files git knows of (tracked or not ignored): no build outputs, no
/// local virtual environments.
fn copy_checkout(from: &Path, to: &Path) {
    let listed = Command::new("git").args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).current_dir(from).output().unwrap();
    assert!(listed.status.success(), "git ls-files: {}", text(&listed));
    for file in listed.stdout.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let relative = Path::new(std::str::from_utf8(file).unwrap());
        // Listed but deleted in the working tree: not part of the copy.
        let Ok(meta) = std::fs::symlink_metadata(from.join(relative)) else { continue };
        if meta.is_dir() {
            continue; // a nested repository
        }
        let dest = to.join(relative);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(relative), &dest).unwrap();
        // The same modification time as the original: the patched burn-flex
        // (`[patch.crates-io]`, patches/burn-flex) is not a workspace member, so the copy's
        // build shares the outer one's artifact for it, and a newer source would rebuild it
        // and all of burn above it.
        let copied = std::fs::File::options().write(true).open(&dest).unwrap();
        copied.set_modified(meta.modified().unwrap()).unwrap();
    }
}

fn copy_workspace(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if [".git", "target", "runs"].contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        let (source, dest) = (entry.path(), to.join(&name));
        if source.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_workspace(&source, &dest);
        } else {
            std::fs::copy(&source, &dest).unwrap();
        }
    }
}

/// Appends to the copy's Cargo.toml a `[profile.release.package.NAME]` table for the root
/// package and every member: `codegen-units = 16`, release's default, so nothing compiles
/// differently, but cargo hashes the profile as written (16 is not "unset") into the artifact
/// names. Registry crates keep their names and are shared. Plugins scaffolded later exist only
/// in the copy and need no table.
fn separate_workspace_artifacts(workspace: &Path) {
    let manifest_path = workspace.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    let members = manifest.lines().find_map(|line| line.strip_prefix("members = [")).expect("a one-line members array");
    let mut packages = vec!["frameworm".to_string()];
    for member in members.trim_end_matches(']').split(',').map(|m| m.trim().trim_matches('"')) {
        let text = std::fs::read_to_string(workspace.join(member).join("Cargo.toml")).unwrap();
        let name = text.lines().find_map(|line| line.strip_prefix("name = ")).unwrap_or_else(|| panic!("{member}: no package name"));
        packages.push(name.trim_matches('"').to_string());
    }
    let tables: String = packages.iter().map(|name| format!("\n[profile.release.package.{name}]\ncodegen-units = 16\n")).collect();
    std::fs::write(&manifest_path, manifest + &tables).unwrap();
}

/// The copy's binary, with the features the outer `cargo test` builds it with (its
/// dev-dependency on this package turns on `failpoints`): registry crates then resolve to the
/// same features as the outer build and are reused.
const BUILD_BINARY: [&str; 6] = ["build", "--release", "--bin", "frameworm", "--features", "failpoints"];

/// The variables `cargo test` set for this test (`OUT_DIR`, `CARGO_MANIFEST_DIR`,
/// `CARGO_PKG_NAME`, …), which the outer build did not see. A build script that watches one
/// (ring's watches `OUT_DIR` and `CARGO_MANIFEST_DIR`) would rerun, and everything above it
/// would be rebuilt: rustls, reqwest, burn-std and so all of burn.
fn set_by_cargo_test(name: &str) -> bool {
    name == "OUT_DIR"
        || name == "CARGO"
        || ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "CARGO_RUSTC_CURRENT_DIR"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

fn cargo(workspace: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        if set_by_cargo_test(&name.to_string_lossy()) {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .current_dir(workspace)
        .env("CARGO_BUILD_BUILD_DIR", outer_target_dir())
        .env("CARGO_TARGET_DIR", workspace.join("target"))
        .output()
        .unwrap()
}

/// The crates a cargo command in the copy compiled, printed (`--nocapture`) so a slow run shows
/// what the copy did not reuse from the outer build.
fn report_compiled(what: &str, output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let crates: Vec<&str> = stderr.lines().filter_map(|line| line.trim_start().strip_prefix("Compiling ")).collect();
    eprintln!("{what}: compiled {} crates: {}", crates.len(), crates.join(", "));
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn scaffolded_plugin_is_built_and_listed_with_no_manual_edit() {
    let temp = tempfile::tempdir().unwrap();
    let workspace = temp.path();
    copy_checkout(Path::new(env!("CARGO_MANIFEST_DIR")), workspace);
    separate_workspace_artifacts(workspace);

    let created = cargo(workspace, &["xtask", "new-plugin", "foo-metric", "--kind", "metric"]);
    assert!(created.status.success(), "{}", text(&created));
    assert!(workspace.join("plugins/foo-metric/plugin.yaml").is_file());

    // Refusals write nothing.
    let manifest_before = std::fs::read_to_string(workspace.join("Cargo.toml")).unwrap();
    let again = cargo(workspace, &["xtask", "new-plugin", "foo-metric", "--kind", "metric"]);
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let invalid = cargo(workspace, &["xtask", "new-plugin", "../Bad", "--kind", "model"]);
    assert!(!invalid.status.success());
    assert!(text(&invalid).contains("invalid name `../Bad`"), "{}", text(&invalid));
    assert_eq!(std::fs::read_to_string(workspace.join("Cargo.toml")).unwrap(), manifest_before);
    assert!(!workspace.join("Bad").exists() && !workspace.join("plugins/../Bad").exists());

    let others = ["model", "trainer", "pipeline", "dataset", "callback"];
    for kind in others {
        let created = cargo(workspace, &["xtask", "new-plugin", &format!("foo-{kind}"), "--kind", kind]);
        assert!(created.status.success(), "{kind}: {}", text(&created));
    }

    // The plugin guide's first model, as the README shows it, wired in by `sync-plugins`.
    copy_workspace(&workspace.join("docs/guide/linear"), &{
        let dir = workspace.join("plugins/linear");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    });
    let synced = cargo(workspace, &["xtask", "sync-plugins"]);
    assert!(synced.status.success() && text(&synced).contains("added   plugins/linear"), "{}", text(&synced));

    let built = cargo(workspace, &BUILD_BINARY);
    report_compiled(&format!("cargo {}", BUILD_BINARY.join(" ")), &built);
    assert!(built.status.success(), "{}", text(&built));
    // With the root package's library in the selection (its default backend, its dev-dependencies),
    // so features resolve as in the outer `cargo test --workspace` and burn is not built again.
    let mut test_args: Vec<String> = ["test", "--release", "-p", "frameworm", "--lib"].map(String::from).to_vec();
    for kind in ["metric"].into_iter().chain(others) {
        test_args.extend(["-p".to_string(), format!("frameworm-plugin-foo-{kind}")]);
    }
    let tested = cargo(workspace, &test_args.iter().map(String::as_str).collect::<Vec<_>>());
    report_compiled("the scaffolded plugins' tests", &tested);
    assert!(tested.status.success(), "the scaffolded plugins' tests: {}", text(&tested));

    let listed = Command::new(workspace.join("target/release/frameworm"))
        .args(["plugins", "list", "--json"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", text(&listed));
    let plugins: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let foo = plugins
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "foo-metric")
        .unwrap_or_else(|| panic!("foo-metric not listed: {plugins:#}"));
    assert_eq!(foo["components"][0]["kind"], "metric");
    assert_eq!(foo["components"][0]["qualified_name"], "foo-metric::foo-metric");
    assert_eq!(foo["manifest"], "plugins/foo-metric/plugin.yaml");
    for kind in others {
        let name = format!("foo-{kind}");
        let plugin = plugins.as_array().unwrap().iter().find(|p| p["name"] == name.as_str());
        let plugin = plugin.unwrap_or_else(|| panic!("{name} not listed: {plugins:#}"));
        assert_eq!(plugin["components"][0]["kind"], kind, "{plugin:#}");
    }

    // The guide's model and the scaffolded model train on a shipped table with no edit.
    for model in ["linear", "foo-model"] {
        let trained = Command::new(workspace.join("target/release/frameworm"))
            .args(["train", "--quiet", "--config", "docs/guide/linear/linear.yaml", "--set", &format!("model.name={model}")])
            .current_dir(workspace)
            .output()
            .unwrap();
        assert!(trained.status.success(), "{model}: {}", text(&trained));
        let loss = text(&trained)
            .lines()
            .find_map(|line| line.strip_prefix("best val_loss ").and_then(|rest| rest.split_whitespace().next()).map(str::to_string))
            .unwrap_or_else(|| panic!("{model}: no best val_loss in {}", text(&trained)));
        // Standardised targets: predicting their mean scores 1; a fit near the noise floor is far below.
        assert!(loss.parse::<f64>().unwrap() < 0.1, "{model}: best val_loss {loss}");
    }

    corpus_plugins_fail_the_build(workspace);
}

/// The corpus cases (`tests/bad_inputs/plugin/<case>`) a real `cargo build` must refuse.
const BUILD_REFUSES: [&str; 3] = ["duplicate-plugin-name", "tab-indentation", "unknown-key"];

/// Adds each of [`BUILD_REFUSES`]'s plugin folders to `workspace` as plugin crates, checks that
/// `cargo build` fails with the case's fragments, and takes them out again.
fn corpus_plugins_fail_the_build(workspace: &Path) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs/plugin");
    // Cargo cannot load a workspace whose member folder is gone, so `cargo xtask sync-plugins`
    // cannot run after the case's folders are deleted: the manifest and lock file are put back.
    let wiring = ["Cargo.toml", "Cargo.lock"].map(|file| (workspace.join(file), std::fs::read(workspace.join(file)).unwrap()));
    for case in BUILD_REFUSES {
        let plugins = corpus.join(case).join("plugins");
        let mut added = Vec::new();
        for entry in std::fs::read_dir(&plugins).unwrap().flatten() {
            let folder = entry.file_name().to_string_lossy().into_owned();
            let dir = workspace.join("plugins").join(&folder);
            assert!(!dir.exists(), "{case}: plugins/{folder} exists in the workspace");
            std::fs::create_dir_all(dir.join("src")).unwrap();
            std::fs::copy(entry.path().join("plugin.yaml"), dir.join("plugin.yaml")).unwrap();
            let manifest = format!(
                "[package]\nname = \"frameworm-plugin-case-{folder}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nframeworm-core.workspace = true\n"
            );
            std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
            std::fs::write(dir.join("src/lib.rs"), "//! A bad-input corpus plugin.\n").unwrap();
            added.push(dir);
        }
        let synced = cargo(workspace, &["xtask", "sync-plugins"]);
        assert!(synced.status.success(), "{case}: sync-plugins: {}", text(&synced));
        let built = cargo(workspace, &BUILD_BINARY);
        let message = text(&built);
        assert!(!built.status.success(), "{case}: the build accepted it:\n{message}");
        let expect = std::fs::read_to_string(corpus.join(case).join("expect.txt")).unwrap();
        for fragment in expect.lines().map(str::trim_end).filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            match fragment.strip_prefix('!') {
                Some(absent) => assert!(!message.contains(absent), "{case}: the build's message contains `{absent}`:\n{message}"),
                None => assert!(message.contains(fragment), "{case}: the build's message lacks `{fragment}`:\n{message}"),
            }
        }
        for dir in added {
            std::fs::remove_dir_all(dir).unwrap();
        }
        for (path, bytes) in &wiring {
            std::fs::write(path, bytes).unwrap();
        }
        let synced = cargo(workspace, &["xtask", "sync-plugins"]);
        assert!(synced.status.success() && text(&synced).contains("plugins already in sync"), "{case}: sync-plugins after removing: {}", text(&synced));
    }
}

/// The README's plugin guide shows the guide plugin's code exactly as the test above builds it.
#[test]
fn the_readme_guide_shows_the_tested_plugin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for file in ["src/lib.rs", "plugin.yaml"] {
        let code = std::fs::read_to_string(root.join("docs/guide/linear").join(file)).unwrap();
        assert!(readme.contains(code.trim_end()), "README.md does not show docs/guide/linear/{file} as it is");
    }
    assert!(std::fs::read_to_string(root.join("docs/guide/linear/src/lib.rs")).unwrap().lines().count() <= 40);
}
