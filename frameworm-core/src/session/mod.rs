//! Layer 3, the run plan: everything decided about a run before its first step. [`RunPlan::new`]
//! checks the config against the registry in one pass (every problem, each at its
//! `file:line`), builds the data and each component once, finds the metrics the run will
//! produce, checks every name a callback or `checkpoint.monitor` reads, chooses the monitored
//! metric, and renders the resolved config. Errors are located in the yaml here and nowhere
//! else ([`locate`]). It uses the registry, the data layer, the contract and config.

mod data;
mod error;
mod locate;
mod monitor;
mod plan;

pub use data::{RunData, check_data, check_fields, prepare_data};
pub use error::PlanError;
pub use locate::{check, locate, resolved};
pub use monitor::Monitor;
pub use plan::{PlannedCallback, RunPlan};
