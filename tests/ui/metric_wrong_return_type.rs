// A metric whose `compute` returns a bare f32 instead of Result<f64, ComponentError>.
use burn::tensor::Tensor;
use frameworm_core::Metric;

pub struct MyMetric;

impl Metric for MyMetric {
    fn compute(&self, _real: &Tensor<4>, _generated: &Tensor<4>) -> f32 {
        0.0
    }
}

fn main() {}
