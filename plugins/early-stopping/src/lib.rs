//! `early-stopping`: stops training when a monitored epoch metric stops improving.
//!
//! At every epoch end the callback reads `metrics[monitor]` (default `val_loss`). A value is an
//! improvement when it beats the best so far by more than `min_delta` (lower for `min`, higher
//! for `max`; `auto` picks `max` for names ending in `accuracy`, `acc`, `f1`, `r2`, `precision`,
//! `recall` or `auc`, else `min`). A NaN or infinite value is never an improvement. After
//! `patience` epochs in a row without one, it asks the engine to stop through
//! [`HookContext::request_stop`] and prints the reason to stderr, e.g.
//!
//! ```text
//! early-stopping: no improvement in `val_loss` for 5 epochs (best 0.1234 at epoch 3)
//! ```
//!
//! Epochs in messages are 1-based, like the other epoch logs. The best value, its epoch and the
//! count of epochs without improvement are kept in checkpoints ([`Callback::save_state`]), so a
//! resumed run keeps counting where it stopped.

use frameworm_core::{Callback, ComponentError, FromConfig, HookContext, HookResult, Metrics};
use serde::{Deserialize, Serialize};

/// Whether the monitored metric should go down or up (`mode` in the config): the engine's own
/// rule, shared with `checkpoint.mode`.
pub use frameworm_core::config::MonitorMode as Mode;

/// The `early-stopping` callback's config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EarlyStoppingConfig {
    /// The epoch metric to watch (default `val_loss`).
    pub monitor: String,
    /// Epochs without improvement before stopping (default 5, at least 1).
    pub patience: usize,
    /// The smallest change that counts as an improvement (default 0.0, not negative).
    pub min_delta: f64,
    /// `auto` (default), `min` or `max`.
    pub mode: Mode,
}

impl Default for EarlyStoppingConfig {
    fn default() -> Self {
        EarlyStoppingConfig { monitor: "val_loss".into(), patience: 5, min_delta: 0.0, mode: Mode::Auto }
    }
}

/// What is kept in checkpoints: the best value so far, its epoch (0-based) and the number of
/// epochs since, plus the metric and direction they refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    monitor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mode: Option<Mode>,
    best: Option<f64>,
    best_epoch: Option<usize>,
    wait: usize,
}

/// The callback: see the module docs.
#[derive(Debug, Clone)]
pub struct EarlyStopping {
    monitor: String,
    patience: usize,
    min_delta: f64,
    /// Resolved: `Min` or `Max`.
    mode: Mode,
    best: Option<f64>,
    best_epoch: Option<usize>,
    wait: usize,
}

impl FromConfig for EarlyStopping {
    type Config = EarlyStoppingConfig;

    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        let invalid = |message: String| Err(ComponentError::Invalid(format!("early-stopping: {message}")));
        if config.monitor.trim().is_empty() {
            return invalid("`monitor` must name an epoch metric (e.g. `val_loss`)".into());
        }
        if config.patience == 0 {
            return invalid("`patience` must be at least 1 (epochs without improvement before stopping)".into());
        }
        if !config.min_delta.is_finite() || config.min_delta < 0.0 {
            return invalid(format!("`min_delta` must be a finite number >= 0 (got {})", config.min_delta));
        }
        Ok(EarlyStopping {
            mode: config.mode.resolve(&config.monitor),
            monitor: config.monitor,
            patience: config.patience,
            min_delta: config.min_delta,
            best: None,
            best_epoch: None,
            wait: 0,
        })
    }
}

/// Formats a metric value: four decimals in the usual range, scientific notation outside it.
fn format_value(value: f64) -> String {
    if value == 0.0 || (1e-3..1e6).contains(&value.abs()) { format!("{value:.4}") } else { format!("{value:.4e}") }
}

impl EarlyStopping {
    /// The watched metric.
    pub fn monitor(&self) -> &str {
        &self.monitor
    }

    /// The resolved direction: [`Mode::Min`] or [`Mode::Max`].
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The best value so far and its epoch (0-based), if any epoch has been seen.
    pub fn best(&self) -> Option<(f64, usize)> {
        self.best.zip(self.best_epoch)
    }

    /// Epochs in a row without improvement.
    pub fn wait(&self) -> usize {
        self.wait
    }

    /// Whether `value` beats the best so far by more than `min_delta`.
    fn improves(&self, value: f64) -> bool {
        if !value.is_finite() {
            return false;
        }
        match (self.best, self.mode) {
            (None, _) => true,
            (Some(best), Mode::Max) => value > best + self.min_delta,
            (Some(best), _) => value < best - self.min_delta,
        }
    }

    /// The stop reason, e.g. "no improvement in `val_loss` for 5 epochs (best 0.1234 at epoch 3)".
    fn reason(&self) -> String {
        let best = match self.best() {
            Some((value, epoch)) => format!("best {} at epoch {}", format_value(value), epoch + 1),
            None => "no finite value seen".to_string(),
        };
        let epochs = if self.wait == 1 { "epoch" } else { "epochs" };
        format!("no improvement in `{}` for {} {epochs} ({best})", self.monitor, self.wait)
    }
}

impl Callback for EarlyStopping {
    fn on_epoch_end(&mut self, ctx: &mut HookContext, metrics: &Metrics) -> HookResult {
        let Some(&value) = metrics.get(&self.monitor) else {
            let available = if metrics.is_empty() {
                "none".to_string()
            } else {
                metrics.keys().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
            };
            return Err(format!(
                "early-stopping: metric `{}` is not among this epoch's metrics (available: {available}); set `monitor` to one of them",
                self.monitor
            ));
        };
        if self.improves(value) {
            self.best = Some(value);
            self.best_epoch = Some(ctx.epoch);
            self.wait = 0;
        } else {
            self.wait += 1;
            if self.wait >= self.patience {
                let reason = self.reason();
                eprintln!("early-stopping: {reason}");
                ctx.request_stop(reason);
            }
        }
        Ok(())
    }

    fn monitored_metrics(&self) -> Vec<String> {
        vec![self.monitor.clone()]
    }

    fn save_state(&self) -> Option<serde_json::Value> {
        let state = State {
            monitor: Some(self.monitor.clone()),
            mode: Some(self.mode),
            best: self.best,
            best_epoch: self.best_epoch,
            wait: self.wait,
        };
        serde_json::to_value(state).ok()
    }

    fn load_state(&mut self, state: serde_json::Value) -> HookResult {
        let expected = r#"expected {"best": number or null, "best_epoch": integer or null, "wait": integer}"#;
        let parsed: State = serde_json::from_value(state.clone())
            .map_err(|error| format!("early-stopping: malformed state {state}: {error}; {expected}"))?;
        if parsed.best.is_some() != parsed.best_epoch.is_some() || parsed.best.is_some_and(|best| !best.is_finite()) {
            return Err(format!(
                "early-stopping: malformed state {state}: `best` and `best_epoch` must both be set (a finite number and an epoch) or both be null"
            ));
        }
        let same_metric = parsed.monitor.as_deref().is_none_or(|monitor| monitor == self.monitor)
            && parsed.mode.is_none_or(|mode| mode == self.mode);
        if !same_metric {
            // The config changed between runs: the saved best refers to another metric or direction.
            eprintln!(
                "early-stopping: the checkpoint watched `{}` ({:?}), this run watches `{}` ({:?}); starting the count afresh",
                parsed.monitor.as_deref().unwrap_or(&self.monitor),
                parsed.mode.unwrap_or(self.mode),
                self.monitor,
                self.mode
            );
            return Ok(());
        }
        self.best = parsed.best;
        self.best_epoch = parsed.best_epoch;
        self.wait = parsed.wait;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::parse_yaml_section;

    fn callback(config: EarlyStoppingConfig) -> EarlyStopping {
        EarlyStopping::from_config(config).unwrap()
    }

    fn config(monitor: &str, patience: usize) -> EarlyStoppingConfig {
        EarlyStoppingConfig { monitor: monitor.into(), patience, ..EarlyStoppingConfig::default() }
    }

    /// Feeds `values` as consecutive epochs starting at `first_epoch`; returns the 0-based epoch
    /// at which a stop was requested and its reason.
    fn run(callback: &mut EarlyStopping, first_epoch: usize, values: &[f64]) -> Option<(usize, String)> {
        for (offset, &value) in values.iter().enumerate() {
            let mut ctx = HookContext::default();
            ctx.epoch = first_epoch + offset;
            let metrics = Metrics::from([(callback.monitor.clone(), value), ("loss".into(), 1.0)]);
            callback.on_epoch_end(&mut ctx, &metrics).unwrap();
            if let Some(stop) = ctx.stop_requested() {
                return Some((first_epoch + offset, stop.reason.clone()));
            }
        }
        None
    }

    #[test]
    fn stops_after_patience_epochs_without_improvement() {
        let mut stopper = callback(config("val_loss", 3));
        let stop = run(&mut stopper, 0, &[1.0, 0.5, 0.1234, 0.2, 0.13, 0.5, 0.01]);
        assert_eq!(stop, Some((5, "no improvement in `val_loss` for 3 epochs (best 0.1234 at epoch 3)".into())));
        assert_eq!(stopper.best(), Some((0.1234, 2)));
        assert_eq!(stopper.wait(), 3);
    }

    #[test]
    fn improvement_resets_the_count() {
        let mut stopper = callback(config("val_loss", 2));
        assert_eq!(run(&mut stopper, 0, &[1.0, 1.1, 0.9, 1.0, 0.8, 0.85]), None);
        assert_eq!(stopper.wait(), 1);
        assert_eq!(stopper.best(), Some((0.8, 4)));
    }

    #[test]
    fn min_delta_is_respected() {
        let mut stopper = callback(EarlyStoppingConfig { min_delta: 0.1, ..config("val_loss", 2) });
        // 0.95 and 0.91 improve by less than 0.1: not improvements.
        let stop = run(&mut stopper, 0, &[1.0, 0.95, 0.91]);
        assert_eq!(stop.map(|(epoch, _)| epoch), Some(2));
        assert_eq!(stopper.best(), Some((1.0, 0)));
        // An improvement by more than min_delta resets.
        let mut stopper = callback(EarlyStoppingConfig { min_delta: 0.1, ..config("val_loss", 2) });
        assert_eq!(run(&mut stopper, 0, &[1.0, 0.95, 0.85, 0.8]), None);
        assert_eq!(stopper.best(), Some((0.85, 2)));
    }

    #[test]
    fn max_mode_explicit_and_auto() {
        let mut stopper = callback(EarlyStoppingConfig { mode: Mode::Max, ..config("score", 2) });
        assert_eq!(stopper.mode(), Mode::Max);
        let stop = run(&mut stopper, 0, &[0.5, 0.7, 0.6, 0.65]);
        assert_eq!(stop, Some((3, "no improvement in `score` for 2 epochs (best 0.7000 at epoch 2)".into())));

        for name in ["val_accuracy", "acc", "val_f1", "precision", "val_recall", "AUC", "val_r2"] {
            assert_eq!(Mode::Auto.resolve(name), Mode::Max, "{name}");
        }
        for name in ["val_loss", "kl", "reconstruction", "accuracy_drop"] {
            assert_eq!(Mode::Auto.resolve(name), Mode::Min, "{name}");
        }
        assert_eq!(Mode::Min.resolve("val_accuracy"), Mode::Min);
        // Auto on an accuracy: rising values are improvements.
        let mut stopper = callback(config("val_accuracy", 1));
        assert_eq!(run(&mut stopper, 0, &[0.5, 0.6, 0.7]), None);
        assert!(run(&mut stopper, 3, &[0.69]).is_some());
    }

    #[test]
    fn nan_is_never_an_improvement() {
        let mut stopper = callback(config("val_loss", 2));
        let stop = run(&mut stopper, 0, &[f64::NAN, 1.0, f64::NAN, f64::INFINITY]);
        assert_eq!(stop, Some((3, "no improvement in `val_loss` for 2 epochs (best 1.0000 at epoch 2)".into())));
        let mut stopper = callback(config("val_loss", 2));
        let stop = run(&mut stopper, 0, &[f64::NAN, f64::NAN]);
        assert_eq!(stop, Some((1, "no improvement in `val_loss` for 2 epochs (no finite value seen)".into())));
    }

    #[test]
    fn state_round_trip_continues_counting() {
        let mut first = callback(config("val_loss", 3));
        assert_eq!(run(&mut first, 0, &[1.0, 0.5, 0.6, 0.7]), None);
        let state = first.save_state().unwrap();
        assert_eq!(state, serde_json::json!({"monitor": "val_loss", "mode": "min", "best": 0.5, "best_epoch": 1, "wait": 2}));

        let mut resumed = callback(config("val_loss", 3));
        resumed.load_state(state).unwrap();
        assert_eq!((resumed.best(), resumed.wait()), (Some((0.5, 1)), 2));
        // One more epoch without improvement exhausts the patience carried over.
        let stop = run(&mut resumed, 4, &[0.55]);
        assert_eq!(stop, Some((4, "no improvement in `val_loss` for 3 epochs (best 0.5000 at epoch 2)".into())));

        // A minimal hand-written state (no monitor/mode) is accepted too.
        let mut minimal = callback(config("val_loss", 3));
        minimal.load_state(serde_json::json!({"best": null, "best_epoch": null, "wait": 1})).unwrap();
        assert_eq!((minimal.best(), minimal.wait()), (None, 1));
    }

    #[test]
    fn state_for_another_metric_starts_afresh() {
        let mut other = callback(config("val_accuracy", 3));
        run(&mut other, 0, &[0.9, 0.8]);
        let mut stopper = callback(config("val_loss", 3));
        stopper.load_state(other.save_state().unwrap()).unwrap();
        assert_eq!((stopper.best(), stopper.wait()), (None, 0));
    }

    #[test]
    fn malformed_state_is_rejected_clearly() {
        let mut stopper = callback(EarlyStoppingConfig::default());
        for bad in [
            serde_json::json!(3),
            serde_json::json!({"best": "low", "best_epoch": 1, "wait": 0}),
            serde_json::json!({"best": 0.5, "best_epoch": 1}),
            serde_json::json!({"best": 0.5, "best_epoch": 1, "wait": -1}),
            serde_json::json!({"best": 0.5, "best_epoch": 1, "wait": 0, "extra": true}),
        ] {
            let error = stopper.load_state(bad.clone()).unwrap_err();
            assert!(error.starts_with("early-stopping: malformed state"), "{bad}: {error}");
            assert!(error.contains("expected {\"best\""), "{bad}: {error}");
        }
        let error = stopper.load_state(serde_json::json!({"best": 0.5, "best_epoch": null, "wait": 0})).unwrap_err();
        assert!(error.contains("must both be set"), "{error}");
        assert_eq!((stopper.best(), stopper.wait()), (None, 0), "a rejected state changes nothing");
    }

    #[test]
    fn missing_metric_names_it_and_lists_the_available_ones() {
        let mut stopper = callback(config("val_los", 3));
        assert_eq!(stopper.monitored_metrics(), ["val_los"]);
        let metrics = Metrics::from([("loss".into(), 1.0), ("val_loss".into(), 0.5), ("lr".into(), 1e-3)]);
        let error = stopper.on_epoch_end(&mut HookContext::default(), &metrics).unwrap_err();
        assert_eq!(
            error,
            "early-stopping: metric `val_los` is not among this epoch's metrics (available: `loss`, `lr`, `val_loss`); set `monitor` to one of them"
        );
        let error = stopper.on_epoch_end(&mut HookContext::default(), &Metrics::new()).unwrap_err();
        assert!(error.contains("(available: none)"), "{error}");
    }

    #[test]
    fn config_defaults_and_validation() {
        let parse = |text: &str| parse_yaml_section::<EarlyStoppingConfig>("callbacks.early-stopping", text);
        let defaults = parse("").unwrap();
        assert_eq!(defaults, EarlyStoppingConfig { monitor: "val_loss".into(), patience: 5, min_delta: 0.0, mode: Mode::Auto });
        assert_eq!(parse("mode: max\npatience: 2").unwrap().mode, Mode::Max);
        assert!(parse("mode: maximum").is_err());
        assert!(parse("patiense: 2").unwrap_err().to_string().contains("unknown field `patiense`"));

        let error = |config: EarlyStoppingConfig| EarlyStopping::from_config(config).unwrap_err().to_string();
        assert!(error(config("val_loss", 0)).starts_with("early-stopping: `patience` must be at least 1"));
        assert!(error(config(" ", 1)).starts_with("early-stopping: `monitor` must name"));
        assert!(error(EarlyStoppingConfig { min_delta: -0.1, ..EarlyStoppingConfig::default() }).contains("`min_delta`"));
    }

    #[test]
    fn values_are_formatted_readably() {
        assert_eq!(format_value(0.1234), "0.1234");
        assert_eq!(format_value(0.0), "0.0000");
        assert_eq!(format_value(12.5), "12.5000");
        assert_eq!(format_value(2.5e-5), "2.5000e-5");
    }
}
