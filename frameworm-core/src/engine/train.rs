//! The entry point of a training run: prepare, run the loop, report.

use super::error::TrainError;
use super::options::TrainOptions;
use super::run::Run;
use crate::config::Config;
use crate::contract::TrainReport;
use crate::registry::Registry;

/// Trains the model `config` describes. The run borrows `registry`'s hook subscribers and owns
/// the callbacks the config names; the registry is left as it was.
pub fn train(registry: &mut Registry, config: &Config, options: TrainOptions) -> Result<TrainReport, TrainError> {
    Run::prepare(registry, config, &options)?.execute_to_report()
}
