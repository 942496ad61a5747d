//! Using a trained checkpoint: load it with the config it was trained with ([`load`]), draw
//! samples from it ([`sample`]), and score metric plugins on the held-out split ([`evaluate`]),
//! for `frameworm sample`, `frameworm evaluate` and pipelines.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use serde_yaml::Value;

use super::error::TrainError;
use super::checkpoint::{self, CONFIG_FILE, CheckpointError, CheckpointState};
use super::scoring::MetricScores;
use super::seed::{EVALUATE_SALT, mix};
use crate::config::Config;
use crate::contract::{cannot_sample, DynModel, Schema, Evaluation, NamedMetric, Score, unsupported};
use crate::data::{self, Subset};
use crate::registry::Registry;
use crate::session::{locate, prepare_data};

/// A trained model loaded from a checkpoint.
pub struct Trained {
    /// The checkpoint folder.
    pub dir: PathBuf,
    /// The config it was trained with.
    pub config: Config,
    /// Its state (epoch, step, metrics).
    pub state: CheckpointState,
    /// The model, on the device it was loaded to, without autodiff.
    pub model: Box<dyn DynModel>,
}

/// Loads the checkpoint at `path` (a checkpoint folder, a run folder or its `checkpoints`
/// folder: the `latest` one) with the config stored beside it.
pub fn load(registry: &Registry, path: &Path, device: &Device) -> Result<Trained, TrainError> {
    let dir = checkpoint::resolve(path)?;
    let config_path = [dir.join(CONFIG_FILE), dir.join("../..").join(CONFIG_FILE)]
        .into_iter()
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            TrainError::Checkpoint(CheckpointError::Io {
                path: dir.join(CONFIG_FILE),
                action: "cannot find the config the checkpoint was trained with",
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            })
        })?;
    let config = Config::load(&config_path, &[])?;
    let state = checkpoint::read_state(&dir)?;
    let info = match &state.data {
        Some(schema) => schema.clone(),
        None => prepare_data(registry, &config)?.schema,
    };
    let run = &config.run;
    let mut model = registry
        .build_model(&run.model.name, &run.model.section, &info, device)
        .map_err(|error| locate(&config, "model", error))?;
    if state.model_type != model.type_name() {
        return Err(CheckpointError::OtherModel {
            path: dir.clone(),
            found: state.model.clone(),
            found_type: state.model_type.clone(),
            expected: run.model.name.clone(),
            expected_type: model.type_name().to_string(),
        }
        .into());
    }
    let model_path = dir.join(checkpoint::MODEL_FILE);
    model
        .load(&model_path)
        .map_err(|error| CheckpointError::Corrupt { path: model_path, reason: error.to_string() })?;
    Ok(Trained { dir, config, state, model })
}

/// Draws `count` images from `trained` with `seed` on `device`.
pub fn sample(trained: &Trained, count: usize, seed: u64, device: &Device) -> Result<Tensor<4>, TrainError> {
    let refused = || TrainError::Usage(format!("{}: {}", trained.dir.display(), cannot_sample(&trained.config.run.model.name)));
    if !trained.model.can_sample() {
        return Err(refused());
    }
    device.seed(seed);
    trained.model.sample(count, device).ok_or_else(refused)
}

/// The text `trained` writes after `prompt`: `tokens` new tokens drawn at `temperature` with
/// `seed` on `device`. The prompt is encoded, and the new tokens decoded, with the vocabulary the
/// run saved in its `tokens` field: one symbol per id (a character-level vocabulary), or bytes
/// when the field has 256 classes and no symbols (byte-level text).
pub fn generate(trained: &Trained, prompt: &str, tokens: usize, temperature: f64, seed: u64, device: &Device) -> Result<String, TrainError> {
    let model_name = &trained.config.run.model.name;
    let schema = trained.state.data.as_ref().ok_or_else(|| TrainError::Usage(format!("the checkpoint in {} records no data fields; it predates text support", trained.dir.display())))?;
    let field = schema.field(crate::contract::fields::TOKENS).ok_or_else(|| {
        TrainError::Usage(format!("model `{model_name}` was trained on {}, not on text (no `tokens` field): `--prompt` is for language models", schema.describe()))
    })?;
    let vocabulary = Vocabulary::of(field.names.as_deref(), field.classes);
    let ids = vocabulary.encode(prompt).map_err(TrainError::Usage)?;
    if !(temperature.is_finite() && temperature >= 0.0) {
        return Err(TrainError::Usage(format!("--temperature must be a finite number ≥ 0, not {temperature}")));
    }
    device.seed(seed);
    let generated = trained
        .model
        .generate(&ids, tokens, temperature, device)
        .ok_or_else(|| TrainError::Usage(crate::contract::cannot_generate(model_name)))??;
    Ok(vocabulary.decode(&generated))
}

/// How token ids map to text.
enum Vocabulary<'a> {
    /// One symbol per id.
    Symbols(&'a [String]),
    /// Ids are bytes.
    Bytes,
}

impl<'a> Vocabulary<'a> {
    fn of(names: Option<&'a [String]>, classes: Option<usize>) -> Vocabulary<'a> {
        match names {
            Some(symbols) if classes != Some(256) || !symbols.is_empty() => Vocabulary::Symbols(symbols),
            _ => Vocabulary::Bytes,
        }
    }

    fn encode(&self, text: &str) -> Result<Vec<i64>, String> {
        match self {
            Vocabulary::Bytes => Ok(text.bytes().map(i64::from).collect()),
            Vocabulary::Symbols(symbols) => text
                .chars()
                .map(|c| {
                    let mut buffer = [0; 4];
                    let symbol: &str = c.encode_utf8(&mut buffer);
                    symbols.iter().position(|s| s == symbol).map(|i| i as i64).ok_or_else(|| {
                        format!("the prompt's character {c:?} is not in the model's vocabulary of {} characters (the characters of its training text)", symbols.len())
                    })
                })
                .collect(),
        }
    }

    fn decode(&self, ids: &[i64]) -> String {
        match self {
            Vocabulary::Bytes => String::from_utf8_lossy(&ids.iter().map(|&id| id.clamp(0, 255) as u8).collect::<Vec<u8>>()).into_owned(),
            Vocabulary::Symbols(symbols) => ids.iter().filter_map(|&id| symbols.get(id as usize)).map(String::as_str).collect(),
        }
    }
}

/// Builds the metric plugins `names`, each with the settings the run config gives it (if it
/// lists it under `metrics:`), else its defaults.
pub fn build_metrics(registry: &Registry, config: &Config, names: &[String]) -> Result<Vec<NamedMetric>, TrainError> {
    let mut metrics = Vec::new();
    for name in names {
        let section = config.run.metrics.iter().find(|m| &m.name == name).map_or(Value::Null, |m| m.section.clone());
        let metric = registry.build_metric(name, &section).map_err(|error| TrainError::Usage(format!("--metrics: {error}")))?;
        metrics.push((name.clone(), metric));
    }
    Ok(metrics)
}

/// Scores `metrics` on the first `count` held-out items of the run `trained` came from (the same
/// split training used), drawing samples for sample metrics with `seed`.
pub fn evaluate(registry: &Registry, trained: &Trained, metrics: &[NamedMetric], count: usize, seed: Option<u64>, device: &Device) -> Result<Evaluation, TrainError> {
    let config = &trained.config;
    let run = &config.run;
    let held_out = prepare_data(registry, config)?.validation.ok_or_else(|| {
        TrainError::Usage(format!(
            "the run has no held-out data (data.val_split is 0 and there is no val_dataset in {}); nothing to evaluate on",
            config.layers.path.display()
        ))
    })?;
    let subset = first(&held_out, count);
    let items = subset.indices.len();
    let batch_size = run.data.val_batch_size.unwrap_or(run.data.batch_size);
    let loader = data::epoch_loader(&subset, batch_size, None, 0, 0, device);
    let model = &*trained.model;
    let mut scores = MetricScores::new(metrics);
    let mut checked = false;
    for batch in loader.iter() {
        let batch = batch.map_err(|error| TrainError::Data(error.to_string()))?;
        if !checked {
            for (name, metric) in metrics {
                if let Some(problem) = unsupported(name, metric.source(), model, &run.model.name, &batch) {
                    return Err(TrainError::Usage(problem));
                }
            }
            checked = true;
        }
        scores.add_batch(model, &batch)?;
    }
    let seed = seed.unwrap_or_else(|| mix(trained.state.seed, EVALUATE_SALT));
    let values = scores.finish(model, device, seed)?;
    let scores = metrics
        .iter()
        .map(|(name, metric)| Score {
            metric: name.clone(),
            value: values.get(name).copied().unwrap_or(f64::NAN),
            source: metric.source(),
            higher_is_better: metric.higher_is_better(),
        })
        .collect();
    Ok(Evaluation { checkpoint: trained.dir.clone(), model: run.model.name.clone(), items, seed, scores })
}

/// The first `count` items of `subset`.
fn first(subset: &Subset, count: usize) -> Subset {
    let count = count.min(subset.indices.len());
    Subset::from_indices_unchecked(subset.wrapped.clone(), subset.indices[..count].to_vec())
}

/// The fields a trained model was built for, with the preprocessing it was trained with.
pub fn data_info(registry: &Registry, trained: &Trained) -> Result<Schema, TrainError> {
    match &trained.state.data {
        Some(schema) => Ok(schema.clone()),
        None => Ok(prepare_data(registry, &trained.config)?.schema),
    }
}
