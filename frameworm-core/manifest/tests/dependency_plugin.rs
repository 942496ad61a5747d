//! End to end through cargo: a plugin that is a *dependency* (outside `plugins/`, as a published
//! crate is) with the one-line build script `frameworm_manifest::export_plugin()` is found by a
//! binary's build script through the `DEP_FRAMEWORM_PLUGIN_*` variables, and a
//! workspace plugin under `plugins/` with no build script at all is found by `cargo metadata`.
//!
//! The fixture's build script runs the same `exported_plugins_from_env` + `discover` as the root
//! build.rs and writes what it found, which the fixture binary prints. It builds offline in the
//! persistent build dir the scaffold test uses (`<target>/e2e-build`), so only the fixture's own
//! crates compile after the first run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target dir this test was built in (`target/release/deps/<test>` → `target`).
fn outer_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A plugin crate: Cargo.toml (plus `extra`), plugin.yaml, an empty lib.
fn plugin_crate(dir: &Path, package: &str, yaml: &str, extra: &str) {
    write(
        &dir.join("Cargo.toml"),
        &format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n{extra}"),
    );
    write(&dir.join("plugin.yaml"), yaml);
    write(&dir.join("src/lib.rs"), "//! A fixture plugin.\n");
}

#[test]
fn a_dependency_plugin_with_the_one_line_build_script_is_discovered() {
    let manifest_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    let real_root = manifest_crate.ancestors().nth(2).unwrap();
    let temp = tempfile::tempdir().unwrap();
    let ws = temp.path().join("ws");
    let build_dep = format!("frameworm-manifest = {{ path = {:?} }}\n", manifest_crate.display().to_string());
    // The published-crate form: `links` plus the one-line build script.
    let published = format!("links = \"frameworm-plugin-{{name}}\"\nbuild = \"build.rs\"\n\n[build-dependencies]\n{build_dep}");
    let one_line = "fn main() {\n    frameworm_manifest::export_plugin();\n}\n";

    // Outside the workspace folder (a crates.io or git dependency is too).
    let outside = temp.path().join("outside");
    plugin_crate(&outside, "frameworm-plugin-outside", "name: outside\nversion: 0.1.0\n", &published.replace("{name}", "outside"));
    write(&outside.join("build.rs"), one_line);
    // Inside the workspace folder but not under plugins/ (cargo makes it a workspace member).
    let vendored = ws.join("vendor/inside");
    plugin_crate(&vendored, "frameworm-plugin-inside", "name: inside\nversion: 0.2.0\n", &published.replace("{name}", "inside"));
    write(&vendored.join("build.rs"), one_line);
    // A workspace plugin: no build script, no `links`.
    plugin_crate(&ws.join("plugins/local"), "frameworm-plugin-local", "name: local\nversion: 0.3.0\n", "");

    write(
        &ws.join("Cargo.toml"),
        &format!(
            "[workspace]\nmembers = [\"plugins/local\"]\n\n[package]\nname = \"dependency-plugin-fixture\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nrenamed_outside = {{ package = \"frameworm-plugin-outside\", path = {:?} }}\n\
             frameworm-plugin-inside = {{ path = \"vendor/inside\" }}\nframeworm-plugin-local = {{ path = \"plugins/local\" }}\n\n\
             [build-dependencies]\n{build_dep}\n[profile.release]\ndebug = \"line-tables-only\"\n",
            outside.display().to_string()
        ),
    );
    write(
        &ws.join("build.rs"),
        r#"fn main() {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let exported = frameworm_manifest::discover::exported_plugins_from_env();
    let plugins = frameworm_manifest::discover(&root, &exported).unwrap_or_else(|errors| panic!("{errors}"));
    let found: String = plugins
        .iter()
        .map(|p| format!("{} {} {} {:?} {}\n", p.manifest.name, p.package, p.crate_name, p.origin, p.manifest_path.canonicalize().unwrap().display()))
        .collect();
    std::fs::write(std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("found.txt"), found).unwrap();
}
"#,
    );
    write(&ws.join("src/main.rs"), "fn main() {\n    print!(\"{}\", include_str!(concat!(env!(\"OUT_DIR\"), \"/found.txt\")));\n}\n");
    // The real workspace's lock file pins the versions, so the offline build resolves the same crates.
    std::fs::copy(real_root.join("Cargo.lock"), ws.join("Cargo.lock")).unwrap();

    let output = Command::new(env!("CARGO"))
        .args(["run", "--release", "--offline", "--quiet", "--bin", "dependency-plugin-fixture"])
        .current_dir(&ws)
        .env("CARGO_BUILD_BUILD_DIR", outer_target_dir())
        .env("CARGO_TARGET_DIR", ws.join("target"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let found = String::from_utf8_lossy(&output.stdout);
    let canonical = |path: &Path| path.canonicalize().unwrap().display().to_string();
    let mut lines: Vec<&str> = found.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("inside frameworm-plugin-inside frameworm_plugin_inside Dependency {}", canonical(&vendored.join("plugin.yaml"))),
            format!("local frameworm-plugin-local frameworm_plugin_local Workspace {}", canonical(&ws.join("plugins/local/plugin.yaml"))),
            format!("outside frameworm-plugin-outside renamed_outside Dependency {}", canonical(&outside.join("plugin.yaml"))),
        ],
        "{found}"
    );
}
