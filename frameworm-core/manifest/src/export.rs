//! The plugin side of discovering a plugin that is a *dependency* (a published crate, a git or
//! path dependency outside `plugins/`): its build script announces its plugin.yaml through
//! cargo's `links` metadata, and the `frameworm` binary's build script reads it back
//! ([`crate::discover::exported_plugins_from_env`]). Workspace plugins under `plugins/` need none
//! of this: `cargo metadata --no-deps` finds them.
//!
//! A published plugin's whole build script is one line, with `frameworm-manifest` as a
//! build-dependency and `links = "frameworm-plugin-NAME"` in `[package]`:
//!
//! ```no_run
//! fn main() {
//!     frameworm_manifest::export_plugin();
//! }
//! ```

use std::path::Path;

use crate::LINKS_PREFIX;

/// The `links` metadata key that carries the plugin.yaml path (`DEP_<LINKS>_MANIFEST`).
pub const MANIFEST_KEY: &str = "manifest";
/// The `links` metadata key that carries the cargo package name (`DEP_<LINKS>_PACKAGE`).
pub const PACKAGE_KEY: &str = "package";

/// The build script of a plugin crate: exports `$CARGO_MANIFEST_DIR/plugin.yaml` and the package
/// name to the build script of the crate that depends on it (the `frameworm` binary), through
/// cargo's `links` metadata. Fails the plugin's build, saying the fix, when `[package]` has no
/// `links = "frameworm-plugin-…"` (cargo would pass the metadata to no one) or plugin.yaml is
/// missing.
pub fn export_plugin() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name} for build scripts"));
    let links = std::env::var("CARGO_MANIFEST_LINKS").ok();
    let dir = var("CARGO_MANIFEST_DIR");
    match export_lines(Path::new(&dir), &var("CARGO_PKG_NAME"), links.as_deref()) {
        Ok(lines) => print!("{lines}"),
        Err(message) => {
            println!("cargo::error={message}");
            std::process::exit(1);
        }
    }
}

/// What [`export_plugin`] prints for the plugin crate in `dir` named `package` with `links`:
/// the `cargo::metadata=` lines and the rerun trigger, or the problem.
pub fn export_lines(dir: &Path, package: &str, links: Option<&str>) -> Result<String, String> {
    match links {
        Some(links) if links.starts_with(LINKS_PREFIX) && links.len() > LINKS_PREFIX.len() => {}
        Some(links) => {
            return Err(format!(
                "{package}: `links = \"{links}\"` must start with `{LINKS_PREFIX}` for the frameworm build script to find the plugin; \
                 write `links = \"{LINKS_PREFIX}NAME\"` in [package]"
            ));
        }
        None => {
            return Err(format!(
                "{package}: the build script exports plugin.yaml through cargo `links` metadata, but [package] has no `links`; \
                 add `links = \"{LINKS_PREFIX}NAME\"`"
            ));
        }
    }
    let manifest = dir.join("plugin.yaml");
    if !manifest.is_file() {
        return Err(format!("{package}: no plugin.yaml at {}; a plugin crate keeps it beside its Cargo.toml", manifest.display()));
    }
    Ok(format!(
        "cargo::metadata={MANIFEST_KEY}={}\ncargo::metadata={PACKAGE_KEY}={package}\ncargo::rerun-if-changed=plugin.yaml\n",
        manifest.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::exported_plugins;

    /// What cargo does with a dependency's `cargo::metadata=KEY=VALUE` lines: the dependent's
    /// build script sees `DEP_<LINKS>_<KEY>` (upper case, `-` as `_`).
    fn cargo_env(links: &str, lines: &str) -> Vec<(String, String)> {
        lines
            .lines()
            .filter_map(|line| line.strip_prefix("cargo::metadata="))
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| (format!("DEP_{}_{}", links, key).to_uppercase().replace('-', "_"), value.to_string()))
            .collect()
    }

    #[test]
    fn a_dependency_plugin_outside_plugins_is_read_back_from_the_dep_variables() {
        let dir = std::env::temp_dir().join(format!("frameworm-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("plugin.yaml"), "name: outside\nversion: 0.1.0\n").unwrap();
        let lines = export_lines(&dir, "frameworm-plugin-outside", Some("frameworm-plugin-outside")).unwrap();
        assert!(lines.contains("cargo::rerun-if-changed=plugin.yaml\n"), "{lines}");

        let mut env = cargo_env("frameworm-plugin-outside", &lines);
        assert_eq!(env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["DEP_FRAMEWORM_PLUGIN_OUTSIDE_MANIFEST", "DEP_FRAMEWORM_PLUGIN_OUTSIDE_PACKAGE"]);
        // Other build-script variables, and a `links` dependency that is no plugin, are ignored.
        env.push(("DEP_OPENSSL_INCLUDE".into(), "/usr/include".into()));
        env.push(("CARGO_PKG_NAME".into(), "frameworm".into()));
        let found = exported_plugins(env);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].package, "frameworm-plugin-outside");
        assert_eq!(found[0].manifest_path, dir.join("plugin.yaml"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_links_or_plugin_yaml_say_the_fix() {
        let dir = std::env::temp_dir();
        let error = export_lines(&dir, "my-plugin", None).unwrap_err();
        assert!(error.contains("has no `links`") && error.contains("links = \"frameworm-plugin-NAME\""), "{error}");
        let error = export_lines(&dir, "my-plugin", Some("my-plugin")).unwrap_err();
        assert!(error.contains("must start with `frameworm-plugin-`"), "{error}");
        let error = export_lines(&dir.join("no-such-folder"), "my-plugin", Some("frameworm-plugin-my")).unwrap_err();
        assert!(error.contains("no plugin.yaml at"), "{error}");
    }
}
