//! `print-epoch`: a callback plugin (prints the epoch metrics to start from).

use frameworm_core::{Callback, ComponentError, FromConfig, HookContext, HookResult, Metrics};
use serde::{Deserialize, Serialize};

/// The callback's config section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintEpochConfig {
    /// Text printed before the metrics.
    pub prefix: Option<String>,
}

/// The callback.
#[derive(Debug, Default)]
pub struct PrintEpoch {
    prefix: String,
    epochs_seen: usize,
}

impl FromConfig for PrintEpoch {
    type Config = PrintEpochConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        Ok(PrintEpoch { prefix: config.prefix.unwrap_or_else(|| "print-epoch".into()), epochs_seen: 0 })
    }
}

impl Callback for PrintEpoch {
    fn on_epoch_end(&mut self, ctx: &mut HookContext, metrics: &Metrics) -> HookResult {
        self.epochs_seen += 1;
        eprintln!("[{}] epoch {}: {metrics:?}", self.prefix, ctx.epoch + 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_epochs() {
        let mut callback = PrintEpoch::from_config(PrintEpochConfig::default()).unwrap();
        callback.on_epoch_end(&mut HookContext::default(), &Metrics::new()).unwrap();
        assert_eq!(callback.epochs_seen, 1);
    }
}
