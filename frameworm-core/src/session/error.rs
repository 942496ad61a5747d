//! Why planning a run failed, before anything was written.

use crate::config::ConfigError;

/// Planning a run failed before anything was written.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The config is wrong (located).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data cannot be loaded.
    #[error("loading data: {0}")]
    Data(String),
}

