//! What a run shows while it trains: an indicatif bar (epoch, step, loss, samples/s) on a
//! terminal, one line per epoch otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::hooks::Metrics;

/// The run's console output.
pub struct Progress {
    quiet: bool,
    interactive: bool,
    epochs: usize,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Output for a run of `epochs` epochs.
    pub fn new(quiet: bool, epochs: usize) -> Progress {
        Progress { quiet, interactive: !quiet && std::io::stderr().is_terminal(), epochs, bar: None }
    }

    /// Starts epoch `epoch` (0-based) of `batches` batches, `done` of them already behind.
    pub fn start_epoch(&mut self, epoch: usize, batches: usize, done: usize) {
        if !self.interactive {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(batches as u64), ProgressDrawTarget::stderr_with_hz(8));
        bar.set_style(
            ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("{}/{}", epoch + 1, self.epochs));
        bar.set_position(done as u64);
        self.bar = Some(bar);
    }

    /// After a step.
    pub fn step(&self, step: u64, loss: f64, samples_per_second: f64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("step {step} loss {loss:.4} {samples_per_second:.0} samples/s"));
            bar.inc(1);
        }
    }

    /// After an epoch: a summary line.
    pub fn finish_epoch(&mut self, epoch: usize, metrics: &Metrics, elapsed: Duration, samples_per_second: f64) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.quiet {
            return;
        }
        let shown: Vec<String> = metrics.iter().map(|(name, value)| format!("{name} {}", format_value(*value))).collect();
        eprintln!(
            "epoch {}/{}: {} ({:.1} s, {samples_per_second:.0} samples/s)",
            epoch + 1,
            self.epochs,
            shown.join(", "),
            elapsed.as_secs_f64()
        );
    }

    /// A line of text, above the bar.
    pub fn note(&self, text: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bar (on errors and interruptions).
    pub fn abandon(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }
}

fn format_value(value: f64) -> String {
    if value != 0.0 && (value.abs() < 1e-3 || value.abs() >= 1e5) { format!("{value:.3e}") } else { format!("{value:.4}") }
}
