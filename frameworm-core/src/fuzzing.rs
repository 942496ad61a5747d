//! Entry points for the `cargo fuzz` targets in `fuzz/` (and the unit tests that replay the
//! inputs they found, `fuzz/regressions/<target>/`, and their seeds, asserting how many ran).
//! Not part of the stable API. Each takes arbitrary bytes and must return (an error is fine)
//! without panicking, hanging or allocating without bound.

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

/// The model a fuzzed `model.bpk` is loaded into ([`model`]): one of each layer kind whose
/// parameters the shipped models save (linear, 2-D convolution, batch norm with its running
/// statistics, embedding, layer norm), small enough that a load takes microseconds.
#[cfg(feature = "flex")]
#[derive(burn::module::Module, Debug)]
pub struct FuzzModel {
    linear: burn::nn::Linear,
    conv: burn::nn::conv::Conv2d,
    norm: burn::nn::BatchNorm,
    embedding: burn::nn::Embedding,
    layer_norm: burn::nn::LayerNorm,
}

#[cfg(feature = "flex")]
impl FuzzModel {
    /// A fresh model on the flex device.
    pub fn new() -> FuzzModel {
        FuzzModel::with_outputs(3)
    }

    /// A fresh model whose linear layer has `outputs` outputs (another value: another model,
    /// whose file [`FuzzModel::new`]'s must refuse).
    pub fn with_outputs(outputs: usize) -> FuzzModel {
        let device = burn::tensor::Device::default();
        FuzzModel {
            linear: burn::nn::LinearConfig::new(4, outputs).init(&device),
            conv: burn::nn::conv::Conv2dConfig::new([1, 2], [3, 3]).init(&device),
            norm: burn::nn::BatchNormConfig::new(2).init(&device),
            embedding: burn::nn::EmbeddingConfig::new(5, 4).init(&device),
            layer_norm: burn::nn::LayerNormConfig::new(4).init(&device),
        }
    }

    /// The model's `model.bpk` bytes, as a checkpoint saves them.
    pub fn burnpack(self) -> Vec<u8> {
        use burn::module::Module;
        self.into_record().into_bytes().expect("a fresh model serialises").to_vec()
    }
}

#[cfg(feature = "flex")]
impl Default for FuzzModel {
    fn default() -> Self {
        FuzzModel::new()
    }
}

/// A `model.bpk` of [`FuzzModel`], fuzzed: loaded through the checkpoint loader
/// ([`crate::DynModel::load`]'s, after its size check), which must return a model or an error.
/// A loaded model then runs its layers once, so a tensor of the wrong shape or dtype that the
/// loader let through shows up as a panic here.
#[cfg(feature = "flex")]
pub fn model(data: &[u8]) {
    use burn::tensor::{Int, Tensor};
    let Ok(model) = crate::contract::load_burnpack(FuzzModel::new(), data.to_vec()) else { return };
    let device = burn::tensor::Device::default();
    let _ = model.linear.forward(Tensor::<2>::ones([2, 4], &device));
    let _ = model.norm.forward(model.conv.forward(Tensor::<4>::ones([2, 1, 4, 4], &device)));
    let _ = model.layer_norm.forward(model.embedding.forward(Tensor::<2, Int>::zeros([1, 3], &device)));
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// `fuzz/` at the repository root.
    fn fuzz_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
    }

    /// Replays `fuzz/regressions/<target>/` (inputs that once crashed or hogged a fuzz target)
    /// and the seed corpus `fuzz/seeds/<target>/` through the target's function; returns how
    /// many inputs ran. Both folders must exist (a README.md in them is not an input).
    pub(super) fn replay(target: &str, run: fn(&[u8])) -> usize {
        let mut count = 0;
        for folder in ["regressions", "seeds"] {
            let dir = fuzz_dir().join(folder).join(target);
            let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}; the fuzz corpus must be committed", dir.display()));
            for entry in entries.map(Result::unwrap) {
                if entry.file_name() == "README.md" {
                    continue;
                }
                run(&std::fs::read(entry.path()).unwrap());
                count += 1;
            }
        }
        count
    }

    #[test]
    fn config_fuzz_regressions_do_not_panic() {
        // 5 seeds (the shipped configs, a base chain) and 1 regression (bases named many times).
        assert_eq!(replay("config", super::config), 6);
    }

    #[test]
    fn checkpoint_fuzz_regressions_do_not_panic() {
        // 3 seeds (a real checkpoint's state.json, scheduler.bpk, optimizer.bpk).
        assert_eq!(replay("checkpoint", super::checkpoint), 3);
    }

    /// The `model` seeds are a file of the model (which must load, so the fuzzer starts from
    /// inputs that reach past the header) and one of another shape (which must be refused).
    /// `FRAMEWORM_WRITE_FUZZ_SEEDS=1` rewrites them after [`super::FuzzModel`] changes.
    #[cfg(feature = "flex")]
    #[test]
    fn model_fuzz_seeds_load_and_regressions_do_not_panic() {
        use super::FuzzModel;
        let seeds = fuzz_dir().join("seeds/model");
        let files = [("fuzz-model.bpk", 3), ("other-shape.bpk", 2)];
        if std::env::var_os("FRAMEWORM_WRITE_FUZZ_SEEDS").is_some() {
            std::fs::create_dir_all(&seeds).unwrap();
            for (file, outputs) in files {
                std::fs::write(seeds.join(file), FuzzModel::with_outputs(outputs).burnpack()).unwrap();
            }
        }
        for (file, outputs) in files {
            let bytes = std::fs::read(seeds.join(file)).unwrap();
            // Values and parameter ids are drawn afresh; the layout is fixed.
            assert_eq!(bytes.len(), FuzzModel::with_outputs(outputs).burnpack().len(), "{file}: rewrite the seeds (see above)");
            let loaded = crate::contract::load_burnpack(FuzzModel::new(), bytes.clone());
            assert_eq!(loaded.is_ok(), outputs == 3, "{file}: {:?}", loaded.err());
            let truncated = bytes[..bytes.len() / 2].to_vec();
            assert!(crate::contract::load_burnpack(FuzzModel::new(), truncated).is_err(), "{file} cut in half loaded");
        }
        assert_eq!(replay("model", super::model), 2);
    }
}
