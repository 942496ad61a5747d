//! `sample-grid`: a callback that draws samples from the model being trained every `every`
//! epochs (and after the last one) and writes them as `runs/<run>/samples/epoch-NNN.png`.
//!
//! The draw uses the same seed every time, so successive grids show the same noise decoded by a
//! better model. It works with any model that has the core's `Sampler` capability, and fails at
//! the start of training, not after the first epoch, when the model has none.

use std::path::PathBuf;

use frameworm_core::write_grid;
use frameworm_core::{Callback, ComponentError, FromConfig, HookContext, HookResult, Metrics};
use serde::{Deserialize, Serialize};

/// The callback's config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SampleGridConfig {
    /// Write a grid every this many epochs (the last epoch always gets one).
    pub every: usize,
    /// Images per grid.
    pub n: usize,
    /// Images per row (default: a near-square grid).
    pub columns: Option<usize>,
    /// The seed of every draw.
    pub seed: u64,
}

impl Default for SampleGridConfig {
    fn default() -> Self {
        SampleGridConfig { every: 1, n: 64, columns: None, seed: 0 }
    }
}

/// The callback.
#[derive(Debug)]
pub struct SampleGrid {
    config: SampleGridConfig,
    /// Grids written by this process.
    pub written: Vec<PathBuf>,
}

impl FromConfig for SampleGrid {
    type Config = SampleGridConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        if config.every == 0 {
            return Err(ComponentError::Config { section: "sample-grid".into(), key: "every".into(), message: "must be at least 1 (epochs between grids)".into() });
        }
        if config.n == 0 {
            return Err(ComponentError::Config { section: "sample-grid".into(), key: "n".into(), message: "must be at least 1 (images per grid)".into() });
        }
        Ok(SampleGrid { config, written: Vec::new() })
    }
}

impl SampleGrid {
    /// The file for (0-based) `epoch`.
    pub fn file_name(epoch: usize) -> String {
        format!("epoch-{:03}.png", epoch + 1)
    }
}

impl Callback for SampleGrid {
    fn on_train_begin(&mut self, ctx: &mut HookContext) -> HookResult {
        match &ctx.model {
            Some(view) if !view.model().can_sample() => Err(format!(
                "the model cannot sample (type {}): sample-grid needs a generative model with the Sampler capability; remove it from `callbacks`",
                view.model().type_name()
            )),
            _ => Ok(()),
        }
    }

    fn on_epoch_end(&mut self, ctx: &mut HookContext, _metrics: &Metrics) -> HookResult {
        let epoch = ctx.epoch;
        let last = epoch + 1 == ctx.max_epochs || ctx.stop_requested().is_some();
        if (epoch + 1) % self.config.every != 0 && !last {
            return Ok(());
        }
        let (Some(view), Some(run_dir)) = (&ctx.model, &ctx.run_dir) else {
            return Err("no model or run folder to sample into (the engine sets both)".into());
        };
        let device = view.device();
        device.seed(self.config.seed);
        let images = view.model().sample(self.config.n, device).ok_or("the model cannot sample")?;
        let folder = run_dir.join("samples");
        std::fs::create_dir_all(&folder).map_err(|error| format!("{}: cannot create folder: {error}", folder.display()))?;
        let path = folder.join(Self::file_name(epoch));
        write_grid(&images, &path, self.config.columns).map_err(|error| format!("{}: {error}", path.display()))?;
        self.written.push(path);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_zero_cadence_or_count_naming_the_key() {
        let error = SampleGrid::from_config(SampleGridConfig { every: 0, ..Default::default() }).unwrap_err().to_string();
        assert!(error.contains("sample-grid.every"), "{error}");
        let error = SampleGrid::from_config(SampleGridConfig { n: 0, ..Default::default() }).unwrap_err().to_string();
        assert!(error.contains("sample-grid.n"), "{error}");
    }

    #[test]
    fn names_files_by_one_based_epoch() {
        assert_eq!(SampleGrid::file_name(0), "epoch-001.png");
        assert_eq!(SampleGrid::file_name(119), "epoch-120.png");
    }

    #[test]
    fn skips_epochs_between_grids_without_a_model() {
        let mut grid = SampleGrid::from_config(SampleGridConfig { every: 5, ..Default::default() }).unwrap();
        let mut ctx = HookContext::default();
        ctx.max_epochs = 10;
        ctx.epoch = 1;
        assert!(grid.on_epoch_end(&mut ctx, &Metrics::new()).is_ok(), "epoch 2 of 10 is not a grid epoch");
        ctx.epoch = 4;
        let error = grid.on_epoch_end(&mut ctx, &Metrics::new()).unwrap_err();
        assert!(error.contains("no model"), "{error}");
    }
}
