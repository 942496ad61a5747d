//! `frameworm export`: a trained checkpoint written in a format other tools read. safetensors
//! carries the tensors under their module paths (`hidden.0.weight`, `head.bias`; burn's
//! `[in, out]` layout for linear weights, its `gamma`/`beta` for norms) and, in its header,
//! everything needed to run the model without the run folder: the model and its plugin, the
//! resolved config, the data schema with its preprocessing (standardisation, vocabulary, class
//! names). `on_model_export` fires first, so a callback may refuse with its reason.

use std::path::{Path, PathBuf};

use super::error::TrainError;
use super::evaluate::Trained;
use crate::contract::{FireHooks, HookContext, HookEvent};
use crate::fsio::faults::Site;
use crate::fsio::write_atomic_at;
use crate::registry::Registry;

/// Formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A safetensors file with Frameworm's metadata in its header.
    Safetensors,
    /// burn's own burnpack (what checkpoints hold).
    Burnpack,
}

impl ExportFormat {
    /// `safetensors` or `burnpack`; `onnx` (and anything else) is an error that says what to use.
    pub fn parse(text: &str) -> Result<ExportFormat, TrainError> {
        match text.to_ascii_lowercase().as_str() {
            "safetensors" => Ok(ExportFormat::Safetensors),
            "burnpack" | "bpk" => Ok(ExportFormat::Burnpack),
            "onnx" => Err(TrainError::Usage(
                "--format onnx: burn 0.22 cannot write ONNX (its ONNX support imports models into Rust code; it does not export). \
                 Export `--format safetensors` and load the tensors in PyTorch (safetensors.torch.load_file) to export ONNX from there"
                    .into(),
            )),
            other => Err(TrainError::Usage(format!("--format {other}: unknown export format; use safetensors or burnpack"))),
        }
    }

    /// The format's name, as `on_model_export` receives it.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Safetensors => "safetensors",
            ExportFormat::Burnpack => "burnpack",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Safetensors => "safetensors",
            ExportFormat::Burnpack => "bpk",
        }
    }
}

/// Where `export` writes by default: `<run>/export/model-<step>.<ext>` beside the checkpoints.
pub fn default_export_path(trained: &Trained, format: ExportFormat) -> PathBuf {
    let run = trained.dir.parent().and_then(Path::parent).unwrap_or(&trained.dir);
    run.join("export").join(format!("model-{:08}.{}", trained.state.step, format.extension()))
}

/// The safetensors header entries: what a reader needs to rebuild and feed the model.
fn metadata(registry: &Registry, trained: &Trained) -> Result<Vec<(String, String)>, TrainError> {
    let run = &trained.config.run;
    let meta = registry.metadata(frameworm_manifest::Kind::Model, &run.model.name).map_err(|e| TrainError::Usage(e.to_string()))?;
    let config = serde_yaml::to_string(&crate::session::resolved(&trained.config, registry)).map_err(|e| TrainError::Usage(format!("cannot write the config: {e}")))?;
    let schema = serde_json::to_string(&trained.state.data).map_err(|e| TrainError::Usage(format!("cannot write the data schema: {e}")))?;
    Ok(vec![
        ("frameworm.version".into(), env!("CARGO_PKG_VERSION").into()),
        ("frameworm.model".into(), meta.name.clone()),
        ("frameworm.model_type".into(), trained.state.model_type.clone()),
        ("frameworm.plugin".into(), format!("{} {}", meta.plugin, meta.version)),
        ("frameworm.step".into(), trained.state.step.to_string()),
        ("frameworm.config".into(), config),
        ("frameworm.schema".into(), schema),
    ])
}

/// Exports `trained` as `format` to `out` (parent folders created), after firing
/// `on_model_export` on the registry's subscribers; returns the path written. Nothing is
/// written when a subscriber refuses, and the file appears whole or not at all.
pub fn export(registry: &mut Registry, trained: &Trained, format: ExportFormat, out: &Path) -> Result<PathBuf, TrainError> {
    if out.is_dir() {
        return Err(TrainError::Usage(format!(
            "--out {}: is a folder; name the file to write (e.g. {})",
            out.display(),
            out.join(format!("model.{}", format.extension())).display()
        )));
    }
    let mut ctx = HookContext::default();
    ctx.step = trained.state.step;
    ctx.epoch = trained.state.epoch;
    registry.hooks_mut().fire(&HookEvent::ModelExport(format.name()), &mut ctx)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| TrainError::Usage(format!("{}: cannot create the folder: {e}", parent.display())))?;
    }
    match format {
        ExportFormat::Safetensors => {
            let bytes = trained.model.to_safetensors(&metadata(registry, trained)?)?;
            write_atomic_at(Site::Export, out, &bytes).map_err(|e| TrainError::Usage(e.to_string()))?;
        }
        ExportFormat::Burnpack => {
            let bytes = std::fs::read(trained.dir.join("model.bpk")).map_err(|e| TrainError::Usage(format!("{}: {e}", trained.dir.join("model.bpk").display())))?;
            write_atomic_at(Site::Export, out, &bytes).map_err(|e| TrainError::Usage(e.to_string()))?;
        }
    }
    Ok(out.to_path_buf())
}
