//! `train-eval-sample`: a pipeline plugin that trains the configured model, scores metric plugins
//! on the held-out split with the best (or latest) checkpoint, writes a grid of samples when the
//! model can sample, and writes `report.md` (training summary, metrics table, image paths) into
//! the run folder. Run it with `frameworm pipeline run train-eval-sample --config CONFIG`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use frameworm_core::{Evaluation, HostError, cannot_sample, Outcome, TrainReport, write_atomic, write_grid};
use frameworm_core::{ComponentError, FromConfig, Pipeline, PipelineContext, PipelineReport};
use serde::{Deserialize, Serialize};

/// Which checkpoint to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    /// `checkpoints/best` (the monitored metric's best epoch), else `latest`.
    Best,
    /// `checkpoints/latest`.
    Latest,
}

/// The pipeline's config section (`pipeline: {name: train-eval-sample, …}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainEvalSampleConfig {
    /// Metric plugins to score (default: the run's `metrics:`).
    pub metrics: Option<Vec<String>>,
    /// Held-out items to score.
    pub n: usize,
    /// Images in the sample grid (0: none).
    pub samples: usize,
    /// The seed of the sample grid.
    pub seed: u64,
    /// The checkpoint evaluated and sampled.
    pub checkpoint: Which,
}

impl Default for TrainEvalSampleConfig {
    fn default() -> Self {
        TrainEvalSampleConfig { metrics: None, n: 500, samples: 64, seed: 0, checkpoint: Which::Best }
    }
}

/// The pipeline.
#[derive(Debug)]
pub struct TrainEvalSample {
    config: TrainEvalSampleConfig,
}

impl FromConfig for TrainEvalSample {
    type Config = TrainEvalSampleConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        if config.n == 0 {
            return Err(ComponentError::Config { section: "pipeline.train-eval-sample".into(), key: "n".into(), message: "must be at least 1 (held-out items to score)".into() });
        }
        Ok(TrainEvalSample { config })
    }
}

fn failed(stage: &str) -> impl Fn(HostError) -> ComponentError + '_ {
    move |error| ComponentError::Invalid(format!("{stage}: {error}"))
}

impl Pipeline for TrainEvalSample {
    fn run(&mut self, ctx: &mut PipelineContext<'_>) -> Result<PipelineReport, ComponentError> {
        let mut report = PipelineReport::default();
        let config = ctx.config;

        let trained = ctx.host.train().map_err(failed("train"))?;
        if trained.outcome == Outcome::Interrupted {
            return Err(ComponentError::Invalid(format!(
                "train: interrupted at step {}; resume with `frameworm train --config {} --resume {}`, then run the pipeline again",
                trained.steps,
                config.layers.path.display(),
                trained.run_dir.display()
            )));
        }
        report.stages.push(format!("train: {} epochs, {} steps in {:.1} s ({:.0} samples/s)", trained.epochs, trained.steps, trained.seconds, trained.samples_per_second));

        let checkpoint = self.pick_checkpoint(&trained)?;

        let names = self.config.metrics.clone().unwrap_or_else(|| config.run.metrics.iter().map(|m| m.name.clone()).collect());
        let evaluation = if names.is_empty() {
            report.stages.push("evaluate: no metrics configured (set `pipeline.metrics` or `metrics:`)".into());
            None
        } else {
            let evaluation = ctx.host.evaluate(&checkpoint, &names, self.config.n).map_err(failed("evaluate"))?;
            let shown: Vec<String> = evaluation.scores.iter().map(|s| format!("{} {:.4}", s.metric, s.value)).collect();
            report.stages.push(format!("evaluate ({} held-out items): {}", evaluation.items, shown.join(", ")));
            Some(evaluation)
        };

        let grid = if self.config.samples == 0 {
            report.stages.push("sample: skipped (samples: 0)".into());
            None
        } else if let Some(images) = ctx.host.sample(&checkpoint, self.config.samples, self.config.seed).map_err(failed("sample"))? {
            let path = trained.run_dir.join("samples.png");
            write_grid(&images, &path, None).map_err(|error| ComponentError::Invalid(format!("sample: {}: {error}", path.display())))?;
            report.stages.push(format!("sample: {} images → {}", self.config.samples, path.display()));
            report.outputs.push(path.clone());
            Some(path)
        } else {
            report.stages.push(format!("sample: skipped ({})", cannot_sample(&config.run.model.name)));
            None
        };

        let markdown = render_report(config.run_name().as_str(), &trained, &checkpoint, evaluation.as_ref(), grid.as_deref());
        let path = trained.run_dir.join("report.md");
        write_atomic(&path, markdown.as_bytes()).map_err(|error| ComponentError::Invalid(format!("report: {error}")))?;
        report.stages.push(format!("report: {}", path.display()));
        report.outputs.push(path);
        Ok(report)
    }
}

impl TrainEvalSample {
    fn pick_checkpoint(&self, trained: &TrainReport) -> Result<PathBuf, ComponentError> {
        let best = trained.run_dir.join("checkpoints").join("best");
        if self.config.checkpoint == Which::Best && best.exists() {
            return Ok(best);
        }
        trained
            .checkpoint
            .clone()
            .ok_or_else(|| ComponentError::Invalid("evaluate: the run wrote no checkpoint (is `checkpoint.enabled` false?)".into()))
    }
}

/// The markdown report: training summary, metrics table, images (paths relative to the run folder).
pub fn render_report(name: &str, trained: &TrainReport, checkpoint: &Path, evaluation: Option<&Evaluation>, grid: Option<&Path>) -> String {
    let relative = |path: &Path| path.strip_prefix(&trained.run_dir).unwrap_or(path).display().to_string();
    let mut md = String::new();
    let _ = writeln!(md, "# {name}\n");
    let _ = writeln!(md, "## Training\n");
    let _ = writeln!(md, "- {} epochs, {} steps, {:.1} s, {:.0} samples/s", trained.epochs, trained.steps, trained.seconds, trained.samples_per_second);
    if let Some(best) = &trained.best {
        let _ = writeln!(md, "- best {} {:.4} at epoch {}", best.metric, best.value, best.epoch);
    }
    let last: Vec<String> = trained.metrics.iter().map(|(k, v)| format!("{k} {v:.4}")).collect();
    let _ = writeln!(md, "- last epoch: {}", last.join(", "));
    let _ = writeln!(md, "- checkpoint evaluated: `{}`", relative(checkpoint));
    let _ = writeln!(md, "- curves: `metrics.csv` (draw them with `frameworm plot {}`)\n", trained.run_dir.display());
    if let Some(evaluation) = evaluation {
        let _ = writeln!(md, "## Metrics\n\n{} held-out items (the run's validation split), sample seed {}.\n", evaluation.items, evaluation.seed);
        let _ = writeln!(md, "| metric | value | better | compares |\n|---|---:|---|---|");
        for score in &evaluation.scores {
            let better = if score.higher_is_better { "higher" } else { "lower" };
            let _ = writeln!(md, "| {} | {:.4} | {better} | {} |", score.metric, score.value, score.source.name());
        }
        md.push('\n');
    }
    if let Some(grid) = grid {
        let _ = writeln!(md, "## Samples\n\n![samples]({})\n", relative(grid));
    }
    let per_epoch = epoch_grids(&trained.run_dir);
    if !per_epoch.is_empty() {
        let _ = writeln!(md, "Grids written during training (sample-grid, the same noise each time):\n");
        for path in per_epoch {
            let _ = writeln!(md, "- [{0}]({0})", relative(&path));
        }
    }
    md
}

/// The `sample-grid` callback's `samples/*.png` in `run_dir`, in order.
fn epoch_grids(run_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(run_dir.join("samples")) else { return Vec::new() };
    let mut grids: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "png")).collect();
    grids.sort();
    grids
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::MetricSource;
    use frameworm_core::Score;

    fn trained(run_dir: &Path) -> TrainReport {
        TrainReport {
            run_dir: run_dir.to_path_buf(),
            outcome: Outcome::Completed,
            epochs: 3,
            steps: 69,
            metrics: [("loss".to_string(), 1.5), ("val_loss".to_string(), 1.75)].into_iter().collect(),
            best: None,
            checkpoint: Some(run_dir.join("checkpoints/step-00000069")),
            resumed_from: None,
            seconds: 2.0,
            samples_per_second: 1000.0,
        }
    }

    #[test]
    fn the_report_has_the_metrics_table_and_relative_image_paths() {
        let run = Path::new("runs/x-1");
        let evaluation = Evaluation {
            checkpoint: run.join("checkpoints/best"),
            model: "vae".into(),
            items: 360,
            seed: 7,
            scores: vec![Score { metric: "psnr".into(), value: 18.25, source: MetricSource::Reconstructions, higher_is_better: true }],
        };
        let md = render_report("x", &trained(run), &run.join("checkpoints/best"), Some(&evaluation), Some(&run.join("samples.png")));
        assert!(md.contains("| psnr | 18.2500 | higher | reconstructions |"), "{md}");
        assert!(md.contains("![samples](samples.png)"), "{md}");
        assert!(md.contains("checkpoint evaluated: `checkpoints/best`"), "{md}");
        assert!(md.contains("3 epochs, 69 steps"), "{md}");
    }

    #[test]
    fn refuses_zero_items() {
        let error = TrainEvalSample::from_config(TrainEvalSampleConfig { n: 0, ..Default::default() }).unwrap_err().to_string();
        assert!(error.contains("pipeline.train-eval-sample.n"), "{error}");
    }
}
