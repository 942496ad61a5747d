//! `registry-report`: a pipeline plugin (reports the registry to start from).

use frameworm_core::{ComponentError, FromConfig, Pipeline, PipelineContext, PipelineReport, PluginRegistrar, RegistryError};

/// The pipeline.
#[derive(Debug, Default)]
pub struct RegistryReport {
    /// What the last run found.
    pub last_report: String,
}

impl FromConfig for RegistryReport {
    type Config = ();
    fn from_config(_: ()) -> Result<Self, ComponentError> {
        Ok(RegistryReport::default())
    }
}

impl Pipeline for RegistryReport {
    fn run(&mut self, ctx: &mut PipelineContext<'_>) -> Result<PipelineReport, ComponentError> {
        self.last_report = format!("{} components registered", ctx.registry.all().len());
        Ok(PipelineReport { stages: vec![self.last_report.clone()], outputs: Vec::new() })
    }
}

/// Entry point: called once at start-up; register hooks or extra components here.
pub fn register(_plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_an_empty_registry() {
        let mut registry = frameworm_core::Registry::empty();
        let config = frameworm_core::config::Config::from_yaml("test.yaml", "model: {name: m}\ndataset: {name: d}").unwrap();
        let options = frameworm_core::engine::TrainOptions::on(frameworm_core::burn::tensor::Device::default());
        let mut pipeline = RegistryReport::default();
        pipeline.run(&mut PipelineContext { registry: &mut registry, config: &config, options }).unwrap();
        assert_eq!(pipeline.last_report, "0 components registered");
    }
}
