//! What a run reports while it trains, as events: the engine says what happened
//! ([`ProgressEvent`]) to a [`ProgressSink`] it is given, and the caller draws it (the CLI's
//! progress bar and epoch lines, a library user's own callback). The core prints nothing.

use std::time::Duration;

use crate::contract::Metrics;

/// Something the run reports.
#[derive(Debug, Clone, Copy)]
pub enum ProgressEvent<'a> {
    /// Epoch `epoch` (0-based) of `epochs` starts: `batches` batches, `done` of them already
    /// behind it (a mid-epoch resume).
    EpochStarted {
        /// The epoch (0-based).
        epoch: usize,
        /// Epochs configured.
        epochs: usize,
        /// Batches in the epoch.
        batches: usize,
        /// Batches already done.
        done: usize,
    },
    /// A training step ended.
    Step {
        /// The global step count after it.
        step: u64,
        /// Its loss.
        loss: f64,
        /// Its throughput.
        samples_per_second: f64,
    },
    /// An epoch ended, validation included.
    EpochFinished {
        /// The epoch (0-based).
        epoch: usize,
        /// Epochs configured.
        epochs: usize,
        /// Its metrics.
        metrics: &'a Metrics,
        /// Its wall time.
        elapsed: Duration,
        /// Its training throughput.
        samples_per_second: f64,
    },
    /// A remark for the user (a seed that differs from the config's, unused callback state).
    Note(&'a str),
    /// The epoch stops early (an error, an interrupt, `max_steps`): drop any bar.
    Abandoned,
}

/// Receives a run's progress events (from the training thread).
pub trait ProgressSink: Send + Sync {
    /// One event.
    fn event(&self, event: &ProgressEvent<'_>);
}

/// A closure is a sink: `TrainOptions { progress: Some(Arc::new(|event: &ProgressEvent| …)), … }`.
impl<F: Fn(&ProgressEvent<'_>) + Send + Sync> ProgressSink for F {
    fn event(&self, event: &ProgressEvent<'_>) {
        self(event)
    }
}

/// Reports to an optional sink.
#[derive(Clone, Default)]
pub(crate) struct Progress(Option<std::sync::Arc<dyn ProgressSink>>);

impl Progress {
    pub(crate) fn new(sink: Option<std::sync::Arc<dyn ProgressSink>>) -> Self {
        Progress(sink)
    }

    pub(crate) fn send(&self, event: ProgressEvent<'_>) {
        if let Some(sink) = &self.0 {
            sink.event(&event);
        }
    }

    pub(crate) fn note(&self, text: &str) {
        self.send(ProgressEvent::Note(text));
    }
}
