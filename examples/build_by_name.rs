//! The plugin guide's model built by name: the `csv` dataset on the shipped y = Wx + noise
//! table (10 features, 5 targets) and a `tabular` model with no hidden layer, i.e. one
//! Linear(10, 5) trained with MSE; one batch through it, one optimizer step, the loss again.
//!
//! ```sh
//! cargo run --release --example build_by_name
//! ```

use std::error::Error;
use std::sync::Arc;

use frameworm::core::burn::optim::AdamConfig;
use frameworm::core::burn::tensor::Device;
use frameworm::core::{Batch, Sample};

fn main() -> Result<(), Box<dyn Error>> {
    let registry = frameworm::registry()?;
    let table = frameworm::section("{path: plugins/csv/data/linear.csv, features: 'x*', target: 'y*', task: regression}")?;
    let mut dataset = registry.build_dataset("csv", &table)?;
    let all: Vec<usize> = (0..dataset.len()).collect();
    dataset.fit(&all)?; // standardisation, fitted on the items trained on
    let schema = Arc::new(dataset.schema());
    println!("dataset `csv`: {} rows with fields {}", dataset.len(), schema.describe());

    let device = Device::default().autodiff();
    let mut model = registry.build_model("tabular", &frameworm::section("{hidden: []}")?, &schema, &device)?;
    println!("model `tabular` with no hidden layer: {} parameters (Linear(10, 5))", model.num_params());

    let items: Vec<Sample> = (0..64).map(|i| dataset.get(i)).collect::<Result<_, _>>()?;
    let batch = Batch::stack(&schema, &items, &device);
    let before = model.compute_loss(&batch)?.loss;
    let grads = model.gradients(&before);
    let mut optimizer = AdamConfig::new().init();
    model.apply_gradients(&mut optimizer, 0.05, grads);
    let after = model.compute_loss(&batch)?.loss;
    println!("MSE on one batch of 64: {:.4} before one Adam step, {:.4} after", before.into_scalar::<f32>(), after.into_scalar::<f32>());
    Ok(())
}
