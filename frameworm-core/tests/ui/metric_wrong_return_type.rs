// A metric whose `compute` returns a bare f32 instead of Result<f64, ComponentError>.
use frameworm_core::{Metric, MetricInput};

pub struct MyMetric;

impl Metric for MyMetric {
    fn compute(&self, _input: &MetricInput<'_>) -> f32 {
        0.0
    }
}

fn main() {}
