//! Entry points for the `cargo fuzz` targets in `fuzz/` (and the unit test that replays the
//! inputs they found, `fuzz/regressions/manifest/`). Not part of the stable API.

use std::path::PathBuf;

use crate::discover::{DiscoveredPlugin, PluginOrigin};
use crate::{FRAMEWORK_VERSION, codegen, parse_manifest, validate};

/// Treats `data` as up to eight plugin.yaml files separated by NUL bytes: parses each, then
/// validates the set of those that parse and generates the registry code for a valid set.
/// Returns how many manifests parsed. Must never panic, whatever `data` holds.
pub fn manifests(data: &[u8]) -> usize {
    let version = semver::Version::parse(FRAMEWORK_VERSION).expect("the crate version is semver");
    let mut plugins = Vec::new();
    for (index, chunk) in data.split(|&b| b == 0).take(8).enumerate() {
        let path = PathBuf::from(format!("plugins/p{index}/plugin.yaml"));
        match parse_manifest(chunk, &path) {
            Ok(manifest) => plugins.push(DiscoveredPlugin {
                manifest,
                manifest_path: path.clone(),
                display_path: path.display().to_string(),
                package: format!("frameworm-plugin-p{index}"),
                crate_name: format!("frameworm_plugin_p{index}"),
                origin: PluginOrigin::Workspace,
            }),
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
    let parsed = plugins.len();
    match validate(plugins, &version) {
        Ok(ordered) => {
            let _ = codegen::generate(&ordered);
        }
        Err(errors) => {
            let _ = errors.to_string();
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    /// Every input in `fuzz/regressions/manifest/` (inputs that once crashed the fuzz target)
    /// and the fuzz seed corpus runs through [`super::manifests`] without a panic; both folders
    /// must exist, and the count of inputs run is pinned.
    #[test]
    fn fuzz_regressions_do_not_panic() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut count = 0;
        for folder in ["regressions/manifest", "seeds/manifest"] {
            let dir = root.join(folder);
            let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}; the fuzz corpus must be committed", dir.display()));
            for entry in entries.map(Result::unwrap).filter(|entry| entry.file_name() != "README.md") {
                super::manifests(&std::fs::read(entry.path()).unwrap());
                count += 1;
            }
        }
        // 7 seeds: six shipped plugin.yaml files and a set of five; no regression yet.
        assert_eq!(count, 7);
    }
}
