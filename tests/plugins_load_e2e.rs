//! `frameworm plugins load` / `unload` through the real binary: a compiled-in plugin is
//! confirmed with what it registers; a plugin crate at a path or a published crate becomes the
//! `cargo add` (then `cargo build`) it needs, shown with `--dry-run` and changing nothing; what
//! cannot be loaded or unloaded says why and what to do. And switching plugins off at run time,
//! with `--disable-plugin` or a config's `plugins.disable`: a disabled plugin's components are
//! gone (a config naming one fails at its line), disabling a plugin another depends on fails
//! naming both, and a name that is no plugin fails with a did-you-mean.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use common::{frameworm, text};

fn plugins(args: &[&str]) -> std::process::Output {
    frameworm().arg("plugins").args(args).output().expect("the binary runs")
}

#[test]
fn a_compiled_in_plugin_is_confirmed_with_what_it_registers() {
    let out = plugins(&["load", "char_transformer"]);
    let message = text(&out);
    assert!(out.status.success(), "{message}");
    assert!(message.contains("plugin `char-transformer` 0.1.0 is compiled into this build (plugins/char-transformer/plugin.yaml, enabled)"), "{message}");
    assert!(message.contains("registers model `char-transformer`"), "{message}");
    let disabled = frameworm().args(["--disable-plugin", "vae", "plugins", "load", "vae"]).output().unwrap();
    assert!(text(&disabled).contains("disabled by --disable-plugin"), "{}", text(&disabled));
}

#[test]
fn a_plugin_crate_at_a_path_or_a_crate_name_becomes_cargo_add_without_changing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("ext");
    std::fs::create_dir_all(&crate_dir).unwrap();
    std::fs::write(crate_dir.join("plugin.yaml"), "name: ext\nversion: 0.1.0\n").unwrap();
    std::fs::write(crate_dir.join("Cargo.toml"), "[package]\nname = \"frameworm-plugin-ext\"\nversion = \"0.1.0\"\nlinks = \"frameworm-plugin-ext\"\n").unwrap();
    let manifest = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();

    let out = plugins(&["load", crate_dir.to_str().unwrap(), "--dry-run"]);
    let message = text(&out);
    assert!(out.status.success(), "{message}");
    let absolute = crate_dir.canonicalize().unwrap();
    assert!(message.contains(&format!("cargo add --package frameworm --path {}", absolute.display())) && message.contains("cargo build --release"), "{message}");

    let out = plugins(&["load", "frameworm-plugin-published", "--dry-run"]);
    assert!(text(&out).contains("cargo add --package frameworm frameworm-plugin-published"), "{}", text(&out));
    assert_eq!(std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap(), manifest, "a dry run changed Cargo.toml");

    // Without `links`, the build script would never see its plugin.yaml: refused with the fix.
    std::fs::write(crate_dir.join("Cargo.toml"), "[package]\nname = \"frameworm-plugin-ext\"\nversion = \"0.1.0\"\n").unwrap();
    let out = plugins(&["load", crate_dir.to_str().unwrap(), "--dry-run"]);
    assert!(!out.status.success() && text(&out).contains("has no `links = \"frameworm-plugin-ext\"`") && text(&out).contains("export_plugin()"), "{}", text(&out));
}

#[test]
fn what_cannot_be_loaded_or_unloaded_says_why() {
    let out = plugins(&["load", "Not A Name"]);
    assert!(!out.status.success() && text(&out).contains("neither a plugin of this build, nor a folder, nor a crate name"), "{}", text(&out));
    let out = plugins(&["unload", "vae", "--dry-run"]);
    assert!(!out.status.success() && text(&out).contains("is a workspace member") && text(&out).contains("--disable-plugin vae"), "{}", text(&out));
    let out = plugins(&["unload", "vea"]);
    assert!(!out.status.success() && text(&out).contains("did you mean `vae`?"), "{}", text(&out));
}

/// The most any one `--disable-plugin` command may take: none of them trains.
const LIMIT: Duration = Duration::from_secs(120);

/// A fresh folder under cargo's temp folder for this test target.
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(name).tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

/// `frameworm ARGS…` with its output in files under `dir`, killed past [`LIMIT`].
fn bounded(dir: &Path, args: &[&str]) -> Output {
    let (stdout, stderr) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = frameworm()
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("the binary runs");
    let status = common::wait_bounded(&mut child, LIMIT, &format!("`frameworm {}`", args.join(" ")));
    Output { status, stdout: std::fs::read(&stdout).unwrap(), stderr: std::fs::read(&stderr).unwrap() }
}

/// A config in `dir` that inherits the shipped `configs/BASE` and adds `extra` (YAML lines),
/// writing its runs under `dir`.
fn config(dir: &Path, base: &str, extra: &str) -> PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs").join(base);
    let path = dir.join("run.yaml");
    std::fs::write(&path, format!("_base_: {}\noutput_dir: {}\n{extra}", shipped.display(), dir.join("runs").display())).unwrap();
    path
}

/// `plugins list --json` as (name, enabled, component names) per plugin.
fn listed(out: &Output) -> Vec<(String, bool, Vec<String>)> {
    assert!(out.status.success(), "{}", text(out));
    let plugins: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)));
    plugins
        .iter()
        .map(|p| {
            let components = p["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
            (p["name"].as_str().unwrap().to_string(), p["enabled"].as_bool().unwrap(), components)
        })
        .collect()
}

fn plugin<'a>(list: &'a [(String, bool, Vec<String>)], name: &str) -> &'a (String, bool, Vec<String>) {
    list.iter().find(|(n, ..)| n == name).unwrap_or_else(|| panic!("no plugin `{name}` in {list:?}"))
}

#[test]
fn disable_plugin_removes_its_components_and_a_config_naming_one_fails_at_its_line() {
    let dir = scratch("disable-flag-");
    let all = listed(&bounded(dir.path(), &["plugins", "list", "--json"]));
    assert_eq!(plugin(&all, "vae"), &("vae".to_string(), true, vec!["vae".to_string()]));

    let list = listed(&bounded(dir.path(), &["--disable-plugin", "vae", "plugins", "list", "--json"]));
    assert_eq!(list.len(), all.len(), "a disabled plugin is still listed");
    assert_eq!(plugin(&list, "vae"), &("vae".to_string(), false, Vec::new()), "disabled, with no component");
    assert!(list.iter().filter(|(n, ..)| n != "vae").all(|(_, enabled, _)| *enabled), "{list:?}");

    // The global flag goes before or after the command.
    let run = config(dir.path(), "vae-digits.yaml", "");
    let out = bounded(dir.path(), &["train", "--quiet", "--config", run.to_str().unwrap(), "--disable-plugin", "vae"]);
    let message = text(&out);
    assert!(!out.status.success(), "{message}");
    assert!(message.contains("vae-digits.yaml:") && message.contains("model `vae` belongs to plugin `vae`, which is disabled"), "{message}");
    assert!(!dir.path().join("runs").exists(), "a refused run wrote a run folder");
}

#[test]
fn plugins_disable_in_a_config_does_the_same_and_adds_to_the_flag() {
    let dir = scratch("disable-config-");
    // mlp-digits lists the metrics-logger callback: disabling its plugin refuses the config.
    let run = config(dir.path(), "mlp-digits.yaml", "plugins:\n  disable: [metrics-logger]\n");
    let out = bounded(dir.path(), &["config", "validate", run.to_str().unwrap()]);
    let message = text(&out);
    assert!(!out.status.success(), "{message}");
    assert!(message.contains("mlp-digits.yaml:") && message.contains("callback `metrics-logger` belongs to plugin `metrics-logger`, which is disabled"), "{message}");
    let out = bounded(dir.path(), &["train", "--quiet", "--config", run.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out).contains("which is disabled"), "{}", text(&out));
    assert!(!dir.path().join("runs").exists(), "a refused run wrote a run folder");

    // Without that callback the config is valid; the flag's plugins and the config's add up.
    let run = config(dir.path(), "mlp-digits.yaml", "callbacks: [early-stopping]\nplugins: {disable: [metrics-logger]}\n");
    let out = bounded(dir.path(), &["config", "validate", run.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = bounded(dir.path(), &["--disable-plugin", "vae", "config", "validate", run.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = bounded(dir.path(), &["--disable-plugin", "early-stopping", "config", "validate", run.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out).contains("callback `early-stopping` belongs to plugin `early-stopping`, which is disabled"), "{}", text(&out));
}

#[test]
fn disabling_a_plugin_another_depends_on_fails_naming_both() {
    let dir = scratch("disable-dependency-");
    // gan-trainer's plugin.yaml declares `dcgan: "^0.1"`.
    let expected = "plugin `gan-trainer` depends on plugin `dcgan`, which is disabled; disable `gan-trainer` too or enable `dcgan`";
    let out = bounded(dir.path(), &["--disable-plugin", "dcgan", "plugins", "list"]);
    assert!(!out.status.success() && text(&out).contains(expected), "{}", text(&out));
    let run = config(dir.path(), "mlp-digits.yaml", "plugins: {disable: [dcgan]}\n");
    let out = bounded(dir.path(), &["config", "validate", run.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out).contains(expected), "{}", text(&out));

    // Disabling the dependent too is fine, from the flag, the config or both.
    let list = listed(&bounded(dir.path(), &["--disable-plugin", "dcgan", "--disable-plugin", "gan-trainer", "plugins", "list", "--json"]));
    assert!(!plugin(&list, "dcgan").1 && !plugin(&list, "gan-trainer").1, "{list:?}");
    let out = bounded(dir.path(), &["--disable-plugin", "gan-trainer", "config", "validate", run.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    // Disabling only the dependent leaves its dependency on.
    let list = listed(&bounded(dir.path(), &["--disable-plugin", "gan-trainer", "plugins", "list", "--json"]));
    assert!(plugin(&list, "dcgan").1 && !plugin(&list, "gan-trainer").1, "{list:?}");
}

#[test]
fn disabling_a_name_that_is_no_plugin_fails_with_a_did_you_mean() {
    let dir = scratch("disable-unknown-");
    let out = bounded(dir.path(), &["--disable-plugin", "vea", "plugins", "list"]);
    let message = text(&out);
    assert!(!out.status.success(), "{message}");
    assert!(message.contains("cannot disable plugin `vea`: no such plugin, did you mean `vae`?"), "{message}");
    let out = bounded(dir.path(), &["--disable-plugin", "no-such-thing", "plugins", "list"]);
    assert!(!out.status.success() && text(&out).contains("cannot disable plugin `no-such-thing`: no such plugin; see `frameworm plugins list`"), "{}", text(&out));
    let run = config(dir.path(), "mlp-digits.yaml", "plugins: {disable: [metrics-loger]}\n");
    let out = bounded(dir.path(), &["train", "--quiet", "--config", run.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out).contains("did you mean `metrics-logger`?"), "{}", text(&out));
    assert!(!dir.path().join("runs").exists(), "a refused run wrote a run folder");
}
