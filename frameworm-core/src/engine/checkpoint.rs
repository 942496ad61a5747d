//! Checkpoints: the model (burnpack via burn-store), the optimizer's and the scheduler's
//! records (burnpack), the trainer's own state (if it keeps any, e.g. a GAN's second optimizer),
//! the resolved `config.yaml` (so a checkpoint moved out of its run folder still loads), and
//! `state.json` (epoch, step, position in the epoch, seed, running epoch sums, best metric,
//! callback states).
//!
//! Each checkpoint is a folder `checkpoints/step-<N>/`, written complete under a temporary name,
//! fsynced, then renamed into place; `checkpoints/latest` and `checkpoints/best` are links to
//! such folders, swapped atomically by renaming a new link over the old. A write interrupted at
//! any point leaves the previous checkpoint and links intact. Folders no link points to are
//! removed after the links move.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::optim::lr_scheduler::LrSchedulerRecord;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};

use crate::contract::{Best, DynModel, Metrics, Schema, Trainer};
use crate::fsio::bounded::{MIB, per_parameter_limit, read_at_most};
use crate::fsio::faults::{Site, Step, inject};
use crate::fsio::{FileError, io_hint, rename_at, sync_dir, sync_file_at, write_synced_at};

const STATE_FILE: &str = "state.json";
/// The model parameters (burnpack).
pub const MODEL_FILE: &str = "model.bpk";
/// The resolved run config the checkpoint was trained with (so a moved checkpoint still loads).
pub const CONFIG_FILE: &str = "config.yaml";
const OPTIMIZER_FILE: &str = "optimizer.bpk";
const SCHEDULER_FILE: &str = "scheduler.bpk";
const FORMAT: u32 = 1;

/// A checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A file system operation failed.
    #[error("{path}: {action}: {source}{}", io_hint(action))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Nothing that looks like a checkpoint at the given path.
    #[error("{0}: no checkpoint here (expected a checkpoint folder with state.json, a run folder, or its checkpoints folder)")]
    NotFound(PathBuf),
    /// The checkpoint is damaged or not a Frameworm checkpoint.
    #[error("{path}: corrupt checkpoint: {reason}; pick another checkpoint (an earlier `checkpoints/step-*` folder or `checkpoints/best`) or train again")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The checkpoint holds this model type with other settings (tensor shapes differ).
    #[error("{path}: the checkpoint does not fit this run's model `{model}`: {reason}; resume with the settings it was trained with (its config.yaml), or start without --resume")]
    Mismatch {
        /// The model file.
        path: PathBuf,
        /// This run's model name.
        model: String,
        /// What does not fit.
        reason: String,
    },
    /// The checkpoint holds another model.
    #[error("{path}: the checkpoint holds model `{found}` ({found_type}), but this run trains `{expected}` ({expected_type}); resume from a checkpoint of `{expected}`, or use the config the checkpoint was trained with (its config.yaml)")]
    OtherModel {
        /// The checkpoint folder.
        path: PathBuf,
        /// The checkpoint's model name.
        found: String,
        /// Its Rust type.
        found_type: String,
        /// This run's model name.
        expected: String,
        /// Its Rust type.
        expected_type: String,
    },
}

fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(std::io::Error) -> CheckpointError + 'a {
    move |source| CheckpointError::Io { path: path.to_path_buf(), action, source }
}

impl From<FileError> for CheckpointError {
    fn from(error: FileError) -> Self {
        CheckpointError::Io { path: error.path, action: error.action, source: error.source }
    }
}

/// Everything but the tensors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointState {
    /// The checkpoint format version.
    pub format: u32,
    /// The Frameworm version that wrote it.
    pub frameworm_version: String,
    /// The model's component name.
    pub model: String,
    /// The model's Rust type.
    pub model_type: String,
    /// The epoch (0-based) training resumes in.
    pub epoch: usize,
    /// The batch of that epoch training resumes at (0: the epoch's start).
    pub next_batch: usize,
    /// Steps taken so far.
    pub step: u64,
    /// The run's seed (shuffles and noise are derived from it, the epoch and the step).
    pub seed: u64,
    /// Running sums of the current epoch's training metrics: (sum × items, items).
    pub epoch_sums: BTreeMap<String, (f64, f64)>,
    /// The last finished epoch's metrics.
    pub metrics: Metrics,
    /// The best monitored value so far.
    pub best: Option<Best>,
    /// Callback states, keyed `plugin::name`.
    pub callbacks: BTreeMap<String, serde_json::Value>,
    /// The fields the model was built for, with the preprocessing fitted on the training items
    /// (class names, vocabulary, standardisation): sampling and prediction need no dataset.
    #[serde(default, deserialize_with = "schema_or_image_shape")]
    pub data: Option<Schema>,
}

/// Reads `data` as a [`Schema`], or as the image shape checkpoints held before fields existed
/// (`{channels, height, width, num_classes}`), which becomes [`Schema::image`].
fn schema_or_image_shape<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Schema>, D::Error> {
    #[derive(serde::Deserialize)]
    struct ImageShape {
        channels: usize,
        height: usize,
        width: usize,
        num_classes: Option<usize>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Schema(Schema),
        Image(ImageShape),
    }
    Ok(match <Option<Stored> as serde::Deserialize>::deserialize(deserializer)? {
        Some(Stored::Schema(schema)) => Some(schema),
        Some(Stored::Image(shape)) => Some(Schema::image(shape.channels, shape.height, shape.width, shape.num_classes)),
        None => None,
    })
}

impl CheckpointState {
    /// A state for the current format and version.
    pub fn new(model: &str, model_type: &str, seed: u64) -> CheckpointState {
        CheckpointState {
            format: FORMAT,
            frameworm_version: env!("CARGO_PKG_VERSION").to_string(),
            model: model.to_string(),
            model_type: model_type.to_string(),
            epoch: 0,
            next_batch: 0,
            step: 0,
            seed,
            epoch_sums: BTreeMap::new(),
            metrics: Metrics::new(),
            best: None,
            callbacks: BTreeMap::new(),
            data: None,
        }
    }
}

/// What a checkpoint holds: the model, its optimizer and schedule, the trainer's own state, the
/// run state and the resolved config.
pub struct Snapshot<'a> {
    /// The model.
    pub model: &'a dyn DynModel,
    /// Its optimizer.
    pub optimizer: &'a ModuleOptimizer,
    /// Its learning-rate schedule.
    pub scheduler: &'a ModuleLrScheduler,
    /// The trainer, for state of its own (a GAN's second optimizer).
    pub trainer: Option<&'a dyn Trainer>,
    /// Epoch, step, metrics, best, callback states.
    pub state: &'a CheckpointState,
    /// The resolved config, as YAML.
    pub config_yaml: &'a str,
}

/// Writes `snapshot` as a checkpoint folder `checkpoints/<name>` (`<name>-2`, … if that name
/// is taken) atomically and returns its path; point the links at the folder name of that path.
pub fn write(checkpoints: &Path, name: &str, snapshot: &Snapshot<'_>) -> Result<PathBuf, CheckpointError> {
    fs::create_dir_all(checkpoints).map_err(io(checkpoints, "cannot create folder"))?;
    let temporary = checkpoints.join(format!(".tmp-{name}-{}", std::process::id()));
    if temporary.exists() {
        fs::remove_dir_all(&temporary).map_err(io(&temporary, "cannot remove stale temporary folder"))?;
    }
    fs::create_dir(&temporary).map_err(io(&temporary, "cannot create folder"))?;
    // A failed write (a full disk, a read-only folder) leaves nothing half-written behind.
    let written = fill(&temporary, snapshot);
    if let Err(error) = written {
        let _ = fs::remove_dir_all(&temporary);
        return Err(error);
    }

    // The same step is written again when a run paused at an epoch's last batch resumes and
    // finishes the epoch. The old folder may be what `latest` points to, so it is not replaced
    // (moving it aside and renaming the new one in is two steps: a kill between them would leave
    // `latest` dangling); the new folder takes the next free `-2`, `-3`, … suffix instead, and
    // the old one is pruned once no link points to it.
    let mut target = checkpoints.join(name);
    for suffix in 2.. {
        if fs::symlink_metadata(&target).is_err() {
            break;
        }
        target = checkpoints.join(format!("{name}-{suffix}"));
    }
    if let Err(error) = rename_at(Site::Checkpoint, &temporary, &target) {
        let _ = fs::remove_dir_all(&temporary);
        return Err(io(&target, "cannot rename into place")(error));
    }
    sync_dir(checkpoints);
    Ok(target)
}

/// Writes every file of a checkpoint into the (temporary) folder `temporary`.
fn fill(temporary: &Path, snapshot: &Snapshot<'_>) -> Result<(), CheckpointError> {
    let Snapshot { model, optimizer, scheduler, trainer, state, config_yaml } = *snapshot;
    let model_path = temporary.join(MODEL_FILE);
    inject(Site::Checkpoint, Step::Write).map_err(io(&model_path, "cannot save model"))?;
    model.save(&model_path).map_err(|error| CheckpointError::Io {
        path: model_path.clone(),
        action: "cannot save model",
        source: std::io::Error::other(error.to_string()),
    })?;
    File::open(&model_path).and_then(|f| sync_file_at(Site::Checkpoint, &f)).map_err(io(&model_path, "cannot flush to disk"))?;
    let record_error = |path: PathBuf| move |error: burn::store::RecordError| CheckpointError::Io {
        path,
        action: "cannot serialise",
        source: std::io::Error::other(error.to_string()),
    };
    let optimizer_path = temporary.join(OPTIMIZER_FILE);
    let bytes = optimizer.into_bytes().map_err(record_error(optimizer_path.clone()))?;
    write_synced_at(Site::Checkpoint, &optimizer_path, &bytes)?;
    let scheduler_path = temporary.join(SCHEDULER_FILE);
    let bytes = scheduler.to_record().into_bytes().map_err(record_error(scheduler_path.clone()))?;
    write_synced_at(Site::Checkpoint, &scheduler_path, &bytes)?;
    if let Some(trainer) = trainer {
        trainer.save_state(&temporary).map_err(|error| CheckpointError::Io {
            path: temporary.to_path_buf(),
            action: "cannot save the trainer's state",
            source: std::io::Error::other(error.to_string()),
        })?;
    }
    write_synced_at(Site::Checkpoint, &temporary.join(CONFIG_FILE), config_yaml.as_bytes())?;
    let state_path = temporary.join(STATE_FILE);
    let json = serde_json::to_vec_pretty(state).expect("checkpoint state serialises");
    write_synced_at(Site::Checkpoint, &state_path, &json)?;
    sync_dir(temporary);
    Ok(())
}

/// Points `checkpoints/<link>` (`latest`, `best`) at checkpoint folder `name`, atomically.
pub fn set_link(checkpoints: &Path, link: &str, name: &str) -> Result<(), CheckpointError> {
    let temporary = checkpoints.join(format!(".tmp-{link}-{}", std::process::id()));
    let _ = fs::remove_file(&temporary);
    #[cfg(unix)]
    std::os::unix::fs::symlink(name, &temporary).map_err(io(&temporary, "cannot create link"))?;
    #[cfg(not(unix))]
    write_synced_at(Site::Checkpoint, &temporary, name.as_bytes())?;
    let path = checkpoints.join(link);
    if let Err(error) = rename_at(Site::Checkpoint, &temporary, &path) {
        let _ = fs::remove_file(&temporary);
        return Err(io(&path, "cannot replace link")(error));
    }
    sync_dir(checkpoints);
    Ok(())
}

/// The folder `checkpoints/<link>` points to, if any.
pub fn follow_link(checkpoints: &Path, link: &str) -> Option<PathBuf> {
    let path = checkpoints.join(link);
    let target = fs::read_link(&path).ok().or_else(|| fs::read_to_string(&path).ok().map(|s| PathBuf::from(s.trim())))?;
    let full = checkpoints.join(target);
    full.join(STATE_FILE).is_file().then_some(full)
}

/// Removes checkpoint folders no link points to, and stale temporaries.
pub fn prune(checkpoints: &Path) {
    let keep: Vec<PathBuf> = ["latest", "best"].iter().filter_map(|link| follow_link(checkpoints, link)).collect();
    let Ok(entries) = fs::read_dir(checkpoints) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = name.starts_with("step-") && path.is_dir() && !keep.iter().any(|k| k.file_name() == path.file_name());
        let own_temporary = name.starts_with(".tmp-") && name.ends_with(&format!("-{}", std::process::id()));
        if stale || (own_temporary && path.is_dir()) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// The checkpoint folder `path` designates: a checkpoint folder, a `checkpoints` folder (its
/// `latest`), or a run folder (its `checkpoints/latest`).
pub fn resolve(path: &Path) -> Result<PathBuf, CheckpointError> {
    if path.join(STATE_FILE).is_file() {
        return Ok(path.to_path_buf());
    }
    if let Some(found) = follow_link(path, "latest") {
        return Ok(found);
    }
    if let Some(found) = follow_link(&path.join("checkpoints"), "latest") {
        return Ok(found);
    }
    Err(CheckpointError::NotFound(path.to_path_buf()))
}

/// The largest `state.json` or `scheduler.bpk` read (16 MiB): both hold a few counters and
/// settings (and the callbacks' small states).
pub const MAX_SMALL_FILE_BYTES: u64 = 16 * MIB;

/// The largest `optimizer.bpk` read for a model of `params` parameters: up to four values of 8
/// bytes a parameter (Adam keeps two moments; f64 at most) plus the metadata allowance.
fn optimizer_file_limit(params: usize) -> u64 {
    per_parameter_limit(params, 32)
}

/// Reads `state.json` of checkpoint folder `dir`.
pub fn read_state(dir: &Path) -> Result<CheckpointState, CheckpointError> {
    let path = dir.join(STATE_FILE);
    let text = read_at_most(&path, MAX_SMALL_FILE_BYTES, "a checkpoint's state.json").map_err(io(&path, "cannot read"))?;
    parse_state(&text, &path)
}

/// Parses the bytes of a `state.json` (`path` only labels errors) and checks its format.
pub fn parse_state(bytes: &[u8], path: &Path) -> Result<CheckpointState, CheckpointError> {
    let state: CheckpointState =
        serde_json::from_slice(bytes).map_err(|error| CheckpointError::Corrupt { path: path.to_path_buf(), reason: error.to_string() })?;
    if state.format != FORMAT {
        return Err(CheckpointError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("format {} is not the supported format {FORMAT}", state.format),
        });
    }
    Ok(state)
}

/// Parses the bytes of a checkpoint's `optimizer.bpk` (`path` only labels errors).
pub fn parse_optimizer(bytes: Vec<u8>, path: &Path) -> Result<OptimizerRecord, CheckpointError> {
    OptimizerRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|error| CheckpointError::Corrupt { path: path.to_path_buf(), reason: error.to_string() })
}

/// Parses the bytes of a checkpoint's `scheduler.bpk` (`path` only labels errors).
pub fn parse_scheduler(bytes: Vec<u8>, path: &Path) -> Result<LrSchedulerRecord, CheckpointError> {
    LrSchedulerRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|error| CheckpointError::Corrupt { path: path.to_path_buf(), reason: error.to_string() })
}

/// Restores model, optimizer and scheduler from checkpoint folder `dir` whose state is `state`.
/// On error nothing is changed.
pub fn restore(
    dir: &Path,
    state: &CheckpointState,
    model_name: &str,
    model: &mut dyn DynModel,
    optimizer: &mut ModuleOptimizer,
    scheduler: &mut ModuleLrScheduler,
    trainer: Option<&mut dyn Trainer>,
) -> Result<(), CheckpointError> {
    if state.model_type != model.type_name() {
        return Err(CheckpointError::OtherModel {
            path: dir.to_path_buf(),
            found: state.model.clone(),
            found_type: state.model_type.clone(),
            expected: model_name.to_string(),
            expected_type: model.type_name().to_string(),
        });
    }
    let read = |file: &str, limit: u64, what: &str| {
        let path = dir.join(file);
        read_at_most(&path, limit, what).map_err(io(&path, "cannot read")).map(|bytes| (path, bytes))
    };
    let corrupt = |path: &Path, error: &dyn std::fmt::Display| CheckpointError::Corrupt { path: path.to_path_buf(), reason: error.to_string() };
    let params = model.num_params();
    let (optimizer_path, optimizer_bytes) = read(OPTIMIZER_FILE, optimizer_file_limit(params), &format!("the optimizer state of a model of {params} parameters"))?;
    let (scheduler_path, scheduler_bytes) = read(SCHEDULER_FILE, MAX_SMALL_FILE_BYTES, "a checkpoint's scheduler.bpk")?;
    let new_optimizer = optimizer.clone().load_record(parse_optimizer(optimizer_bytes, &optimizer_path)?);
    let record = parse_scheduler(scheduler_bytes, &scheduler_path)?;
    let model_path = dir.join(MODEL_FILE);
    if !model_path.is_file() {
        return Err(CheckpointError::Io {
            path: model_path,
            action: "cannot read",
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    }
    model.load(&model_path).map_err(|error| {
        let reason = error.to_string();
        if reason.contains("validation error") {
            CheckpointError::Mismatch { path: model_path.clone(), model: model_name.to_string(), reason }
        } else {
            corrupt(&model_path, &reason)
        }
    })?;
    if let Some(trainer) = trainer {
        trainer.load_state(dir).map_err(|e| corrupt(dir, &e))?;
    }
    *optimizer = new_optimizer;
    *scheduler = scheduler.clone().load_record(record);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Batch, ComponentError, FieldNeed, LossOutput, Model, erase};
    use burn::module::Module;
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::AdamConfig;
    use burn::optim::lr_scheduler::constant::ConstantLr;
    use burn::tensor::{Device, Tensor};

    #[derive(Module, Debug)]
    struct Small {
        layer: Linear,
    }

    #[derive(Module, Debug)]
    struct Other {
        layer: Linear,
    }

    macro_rules! model {
        ($t:ident) => {
            impl Model for $t {
                type Config = ();
                type Output = Tensor<2>;
                fn reads(_: &()) -> Vec<FieldNeed> {
                    vec![FieldNeed::float("image")]
                }
                fn new(_: &(), _: &Schema, device: &Device) -> Result<Self, ComponentError> {
                    Ok($t { layer: LinearConfig::new(3, 2).init(device) })
                }
                fn forward(&self, batch: &Batch) -> Result<Tensor<2>, ComponentError> {
                    Ok(self.layer.forward(batch.image()?.flatten(1, 3)))
                }
                fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
                    Ok(LossOutput::new(self.forward(batch)?.mean().reshape([1])))
                }
            }
        };
    }
    model!(Small);
    model!(Other);

    fn parts<M: Model<Config = ()>>() -> (Box<dyn DynModel>, ModuleOptimizer, ModuleLrScheduler) {
        let info = Schema::image(1, 1, 3, None);
        let model = erase(M::new(&(), &info, &Device::default().autodiff()).unwrap());
        (model, AdamConfig::new().init(), ModuleLrScheduler::new(ConstantLr::from(0.01)))
    }

    fn state_at(step: u64, model: &dyn DynModel) -> CheckpointState {
        let mut state = CheckpointState::new("small", model.type_name(), 1);
        state.step = step;
        state
    }

    #[test]
    fn an_interrupted_write_leaves_the_previous_checkpoint_intact() {
        let dir = tempfile::tempdir().unwrap();
        let checkpoints = dir.path().join("checkpoints");
        let (model, optimizer, scheduler) = parts::<Small>();
        write(&checkpoints, "step-00000001", &Snapshot { model: &*model, optimizer: &optimizer, scheduler: &scheduler, trainer: None, state: &state_at(1, &*model), config_yaml: "" }).unwrap();
        set_link(&checkpoints, "latest", "step-00000001").unwrap();
        // A writer killed mid-way leaves a half-written temporary folder and no rename.
        let crashed = checkpoints.join(".tmp-step-00000002-1");
        fs::create_dir(&crashed).unwrap();
        fs::write(crashed.join(MODEL_FILE), b"half a mod").unwrap();
        let found = resolve(dir.path()).unwrap();
        assert_eq!(found, checkpoints.join("step-00000001"));
        assert_eq!(read_state(&found).unwrap().step, 1);
        // The next complete write moves `latest`; the old folder is pruned, `best` kept.
        set_link(&checkpoints, "best", "step-00000001").unwrap();
        write(&checkpoints, "step-00000003", &Snapshot { model: &*model, optimizer: &optimizer, scheduler: &scheduler, trainer: None, state: &state_at(3, &*model), config_yaml: "" }).unwrap();
        set_link(&checkpoints, "latest", "step-00000003").unwrap();
        prune(&checkpoints);
        assert_eq!(read_state(&resolve(&checkpoints).unwrap()).unwrap().step, 3);
        assert!(follow_link(&checkpoints, "best").is_some());
        set_link(&checkpoints, "best", "step-00000003").unwrap();
        prune(&checkpoints);
        assert!(!checkpoints.join("step-00000001").exists());
    }

    #[test]
    fn the_same_step_written_again_gets_a_new_folder_and_latest_never_dangles() {
        let dir = tempfile::tempdir().unwrap();
        let checkpoints = dir.path().join("checkpoints");
        let (model, optimizer, scheduler) = parts::<Small>();
        let first = write(&checkpoints, "step-00000007", &Snapshot { model: &*model, optimizer: &optimizer, scheduler: &scheduler, trainer: None, state: &state_at(7, &*model), config_yaml: "" }).unwrap();
        set_link(&checkpoints, "latest", "step-00000007").unwrap();
        // A run paused at an epoch's last batch, resumed: the epoch's end is the same step.
        let second = write(&checkpoints, "step-00000007", &Snapshot { model: &*model, optimizer: &optimizer, scheduler: &scheduler, trainer: None, state: &state_at(7, &*model), config_yaml: "" }).unwrap();
        assert_eq!(second, checkpoints.join("step-00000007-2"));
        // Until the link moves, `latest` still points at the complete first folder.
        assert_eq!(resolve(&checkpoints).unwrap(), first);
        set_link(&checkpoints, "latest", "step-00000007-2").unwrap();
        prune(&checkpoints);
        assert_eq!(resolve(&checkpoints).unwrap(), second);
        assert!(!first.exists());
    }

    #[test]
    fn corrupt_files_and_other_models_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (mut model, mut optimizer, mut scheduler) = parts::<Small>();
        let path = write(dir.path(), "step-00000001", &Snapshot { model: &*model, optimizer: &optimizer, scheduler: &scheduler, trainer: None, state: &state_at(1, &*model), config_yaml: "" }).unwrap();
        let state = read_state(&path).unwrap();
        restore(&path, &state, "small", &mut *model, &mut optimizer, &mut scheduler, None).unwrap();

        let (mut other, mut other_optimizer, mut other_scheduler) = parts::<Other>();
        let error = restore(&path, &state, "other", &mut *other, &mut other_optimizer, &mut other_scheduler, None).unwrap_err();
        assert!(error.to_string().contains("holds model `small`"), "{error}");

        let model_file = path.join(MODEL_FILE);
        let bytes = fs::read(&model_file).unwrap();
        fs::write(&model_file, &bytes[..bytes.len() / 2]).unwrap();
        let error = restore(&path, &state, "small", &mut *model, &mut optimizer, &mut scheduler, None).unwrap_err();
        assert!(matches!(error, CheckpointError::Corrupt { .. }), "{error}");
        assert!(error.to_string().contains("model.bpk: corrupt checkpoint"), "{error}");

        fs::write(path.join(STATE_FILE), b"{ not json").unwrap();
        let error = read_state(&path).unwrap_err().to_string();
        assert!(error.contains("state.json: corrupt checkpoint"), "{error}");
        assert!(matches!(resolve(&dir.path().join("nowhere")), Err(CheckpointError::NotFound(_))));
    }
}
