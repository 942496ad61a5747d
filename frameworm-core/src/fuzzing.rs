//! Entry points for the `cargo fuzz` targets in `fuzz/` (and the unit tests that replay the
//! inputs they found, `fuzz/regressions/<target>/`). Not part of the stable API. Each takes
//! arbitrary bytes and must return (an error is fine) without panicking, hanging or allocating
//! without bound.

use std::path::Path;

use crate::config::{Config, LayeredConfig, MemoryFiles, Override};
use crate::engine::checkpoint;

/// The names the files of a [`config`] input get, in order; `_base_` paths between them work
/// (`base.yaml`, `../main.yaml` from `sub/`, …).
pub const CONFIG_FILES: [&str; 5] = ["main.yaml", "base.yaml", "sub/a.yaml", "sub/b.yaml", "c.yaml"];

/// A config and its bases in memory: `data` is split at NUL bytes; the first part holds
/// `--set` arguments (one a line), the others are the files [`CONFIG_FILES`] in order. Loads
/// `main.yaml` with the overrides, parses the engine's sections, then asks where a few keys
/// were written and prints the result.
pub fn config(data: &[u8]) {
    let mut parts = data.split(|&b| b == 0);
    let overrides: Vec<Override> = parts
        .next()
        .map(|first| String::from_utf8_lossy(first).lines().filter_map(|line| Override::parse(line).ok()).collect())
        .unwrap_or_default();
    let mut files = MemoryFiles::new();
    for (name, text) in CONFIG_FILES.iter().zip(parts) {
        files.insert(name, String::from_utf8_lossy(text).into_owned());
    }
    let main = Path::new(CONFIG_FILES[0]);
    match LayeredConfig::load_from(&files, main, &overrides) {
        Ok(layers) => {
            for key in ["model.name", "training.epochs", "callbacks.0.name", "nowhere.at.all"] {
                let _ = layers.locate(key);
            }
            match Config::from_layers(layers) {
                Ok(config) => {
                    let _ = config.run_name();
                    let _ = serde_yaml::to_string(&config.run);
                }
                Err(error) => {
                    let _ = error.to_string();
                }
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
}

/// What a checkpoint reader reads before any tensor reaches a device: the first byte picks the
/// file, the rest is its content: `0` (and any other value) `state.json`, `1` `scheduler.bpk`,
/// `2` `optimizer.bpk`.
pub fn checkpoint(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else { return };
    let path = Path::new("checkpoints/step-00000001");
    match which {
        1 => {
            let _ = checkpoint::parse_scheduler(bytes.to_vec(), &path.join("scheduler.bpk")).map_err(|e| e.to_string());
        }
        2 => {
            let _ = checkpoint::parse_optimizer(bytes.to_vec(), &path.join("optimizer.bpk")).map_err(|e| e.to_string());
        }
        _ => {
            if let Ok(state) = checkpoint::parse_state(bytes, &path.join("state.json")) {
                let _ = serde_json::to_vec(&state);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Replays `fuzz/regressions/<target>/` (inputs that once crashed a fuzz target) and the
    /// seed corpus `fuzz/seeds/<target>/` through the target's function.
    fn replay(target: &str, run: fn(&[u8])) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        for folder in ["regressions", "seeds"] {
            let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else { continue };
            for entry in entries.flatten() {
                let bytes = std::fs::read(entry.path()).unwrap();
                run(&bytes);
            }
        }
    }

    #[test]
    fn config_fuzz_regressions_do_not_panic() {
        replay("config", super::config);
    }

    #[test]
    fn checkpoint_fuzz_regressions_do_not_panic() {
        replay("checkpoint", super::checkpoint);
    }
}
