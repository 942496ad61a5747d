//! `registry-report`: a pipeline plugin (reports the registry to start from).

use frameworm_core::{ComponentError, FromConfig, Pipeline, PipelineContext, PluginRegistrar, RegistryError};

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
    fn run(&mut self, ctx: &mut PipelineContext<'_>) -> Result<(), ComponentError> {
        self.last_report = format!("{} components registered", ctx.registry.all().len());
        println!("{}", self.last_report);
        Ok(())
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
        let registry = frameworm_core::Registry::empty();
        let config = Default::default();
        let mut pipeline = RegistryReport::default();
        pipeline.run(&mut PipelineContext { registry: &registry, config: &config }).unwrap();
        assert_eq!(pipeline.last_report, "0 components registered");
    }
}
