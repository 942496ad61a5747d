//! `frameworm plugins load` / `unload` through the real binary: a compiled-in plugin is
//! confirmed with what it registers; a plugin crate at a path or a published crate becomes the
//! `cargo add` (then `cargo build`) it needs, shown with `--dry-run` and changing nothing; what
//! cannot be loaded or unloaded says why and what to do.

mod common;

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
