//! `registry-report`: a pipeline plugin (reports the registry to start from).

use frameworm_core::{ComponentError, FromConfig, Pipeline, PipelineContext, PipelineReport};

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
        self.last_report = format!("{} components registered", ctx.host.components().len());
        Ok(PipelineReport { stages: vec![self.last_report.clone()], outputs: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Listing(Vec<(frameworm_core::Kind, String)>);

    impl frameworm_core::PipelineHost for Listing {
        fn train(&mut self) -> Result<frameworm_core::TrainReport, frameworm_core::HostError> {
            Err("not in this test".into())
        }
        fn evaluate(&mut self, _: &std::path::Path, _: &[String], _: usize) -> Result<frameworm_core::Evaluation, frameworm_core::HostError> {
            Err("not in this test".into())
        }
        fn sample(&mut self, _: &std::path::Path, _: usize, _: u64) -> Result<Option<frameworm_core::burn::tensor::Tensor<4>>, frameworm_core::HostError> {
            Err("not in this test".into())
        }
        fn components(&self) -> Vec<(frameworm_core::Kind, String)> {
            self.0.clone()
        }
    }

    #[test]
    fn counts_what_the_host_registers() {
        let config = frameworm_core::Config::from_yaml("test.yaml", "model: {name: m}\ndataset: {name: d}").unwrap();
        let mut pipeline = RegistryReport::default();
        let mut empty = Listing(Vec::new());
        pipeline.run(&mut PipelineContext { config: &config, host: &mut empty }).unwrap();
        assert_eq!(pipeline.last_report, "0 components registered");
        let mut two = Listing(vec![(frameworm_core::Kind::Model, "p::m".into()), (frameworm_core::Kind::Dataset, "p::d".into())]);
        pipeline.run(&mut PipelineContext { config: &config, host: &mut two }).unwrap();
        assert_eq!(pipeline.last_report, "2 components registered");
    }
}
