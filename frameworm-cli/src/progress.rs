//! How `train` and `pipeline run` draw a run's progress events: an indicatif bar (epoch, step,
//! loss, samples/s) on a terminal, one line per epoch otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;

use frameworm_core::{Metrics, ProgressEvent, ProgressSink};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The run's console output.
pub struct Console {
    interactive: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Console {
    /// Output on stderr: a bar when it is a terminal, epoch lines otherwise.
    pub fn new() -> Console {
        Console { interactive: std::io::stderr().is_terminal(), bar: Mutex::new(None) }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ProgressSink for Console {
    fn event(&self, event: &ProgressEvent<'_>) {
        match *event {
            ProgressEvent::EpochStarted { epoch, epochs, batches, done } => {
                if !self.interactive {
                    return;
                }
                let bar = ProgressBar::with_draw_target(Some(batches as u64), ProgressDrawTarget::stderr_with_hz(8));
                bar.set_style(
                    ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                        .expect("the template is valid")
                        .progress_chars("=> "),
                );
                bar.set_prefix(format!("{}/{epochs}", epoch + 1));
                bar.set_position(done as u64);
                *self.bar() = Some(bar);
            }
            ProgressEvent::Step { step, loss, samples_per_second } => {
                if let Some(bar) = &*self.bar() {
                    bar.set_message(format!("step {step} loss {loss:.4} {samples_per_second:.0} samples/s"));
                    bar.inc(1);
                }
            }
            ProgressEvent::EpochFinished { epoch, epochs, metrics, elapsed, samples_per_second } => {
                if let Some(bar) = self.bar().take() {
                    bar.finish_and_clear();
                }
                eprintln!("epoch {}/{epochs}: {} ({:.1} s, {samples_per_second:.0} samples/s)", epoch + 1, shown(metrics), elapsed.as_secs_f64());
            }
            ProgressEvent::Note(text) => match &*self.bar() {
                Some(bar) => bar.println(text),
                None => eprintln!("{text}"),
            },
            ProgressEvent::Abandoned => {
                if let Some(bar) = self.bar().take() {
                    bar.abandon();
                }
            }
        }
    }
}

fn shown(metrics: &Metrics) -> String {
    metrics.iter().map(|(name, value)| format!("{name} {}", format_value(*value))).collect::<Vec<_>>().join(", ")
}

fn format_value(value: f64) -> String {
    if value != 0.0 && (value.abs() < 1e-3 || value.abs() >= 1e5) { format!("{value:.3e}") } else { format!("{value:.4}") }
}
