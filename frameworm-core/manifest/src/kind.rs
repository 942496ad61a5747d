//! The six plugin kinds: one static table that drives `plugin.yaml` keys, docs, CLI output and messages.

use std::fmt;

/// A kind of component a plugin can provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A burn module with `forward` and `compute_loss`.
    Model,
    /// A training strategy with `training_step` and `validation_step`.
    Trainer,
    /// A multi-stage workflow with `run`.
    Pipeline,
    /// A source of samples with `len` and `get`.
    Dataset,
    /// A score with `compute(real, generated)`.
    Metric,
    /// A hook subscriber: any subset of the hook methods.
    Callback,
}

impl Kind {
    /// Every kind, in documentation order.
    pub const ALL: [Kind; 6] = [
        Kind::Model,
        Kind::Trainer,
        Kind::Pipeline,
        Kind::Dataset,
        Kind::Metric,
        Kind::Callback,
    ];

    /// The singular name (`model`), as used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::Trainer => "trainer",
            Kind::Pipeline => "pipeline",
            Kind::Dataset => "dataset",
            Kind::Metric => "metric",
            Kind::Callback => "callback",
        }
    }

    /// The key under `provides:` in plugin.yaml (`models`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Model => "models",
            Kind::Trainer => "trainers",
            Kind::Pipeline => "pipelines",
            Kind::Dataset => "datasets",
            Kind::Metric => "metrics",
            Kind::Callback => "callbacks",
        }
    }

    /// The `frameworm_core` trait a component of this kind implements.
    pub fn trait_name(self) -> &'static str {
        match self {
            Kind::Model => "Model",
            Kind::Trainer => "Trainer",
            Kind::Pipeline => "Pipeline",
            Kind::Dataset => "Dataset",
            Kind::Metric => "Metric",
            Kind::Callback => "Callback",
        }
    }

    /// The trait's required methods (beyond the constructor), as the plugin guide lists them.
    pub fn required_methods(self) -> &'static [&'static str] {
        match self {
            Kind::Model => &["forward", "compute_loss"],
            Kind::Trainer => &["training_step", "validation_step"],
            Kind::Pipeline => &["run"],
            Kind::Dataset => &["len", "get"],
            Kind::Metric => &["compute"],
            Kind::Callback => &[],
        }
    }

    /// The registration method of `frameworm_core::PluginRegistrar` used by generated code.
    pub fn registrar_method(self) -> &'static str {
        self.name()
    }

    /// Parses a singular or plural kind name.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name() == text || kind.plural() == text)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.name()), Some(kind));
            assert_eq!(Kind::parse(kind.plural()), Some(kind));
        }
        assert_eq!(Kind::parse("modle"), None);
    }
}
