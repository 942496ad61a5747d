//! Trains the iris classifier, then loads its checkpoint as an application would and predicts
//! the held-out flowers with the run's own preprocessing (the standardisation saved in it),
//! printing the class names the run saved.
//!
//! ```sh
//! cargo run --release --example predict [-- OUTPUT_DIR]   # default: runs/
//! ```

use std::error::Error;

use frameworm::core::burn::data::dataset::Dataset as _;
use frameworm::core::burn::tensor::Device;
use frameworm::core::{Batch, Predictions, Sample};
use frameworm::TrainOptions;

fn main() -> Result<(), Box<dyn Error>> {
    let output = std::env::args().nth(1).unwrap_or_else(|| "runs".into());
    let mut registry = frameworm::registry()?;
    let config = frameworm::load_config("configs/iris.yaml", &["name=example-iris", &format!("output_dir={output}")])?;
    let device = Device::default();
    let report = frameworm::train(&mut registry, &config, TrainOptions::on(device.clone()))?;

    // From here on, only the checkpoint folder is needed.
    let trained = frameworm::load_trained(&registry, &report.run_dir, &device)?;
    let data = frameworm::core::prepare_data(&registry, &trained.config)?;
    let held_out = data.validation.ok_or("the run has no held-out split")?;
    let items: Vec<Sample> = (0..held_out.len()).map(|i| held_out.get(i)).collect::<Result<_, _>>()?;
    let batch = Batch::stack(held_out.wrapped.schema(), &items, &device);
    let Some(Predictions::Classes { scores, labels }) = trained.model.predictions(&batch)? else {
        return Err("the iris model predicts no classes".into());
    };
    let predicted: Vec<i64> = scores.argmax(1).into_data().convert::<i64>().try_to_vec::<i64>().map_err(|e| format!("{e:?}"))?;
    let truth: Vec<i64> = labels.into_data().convert::<i64>().try_to_vec::<i64>().map_err(|e| format!("{e:?}"))?;
    let names = data.schema.field("target").and_then(|f| f.names.clone()).unwrap_or_default();
    let name = |class: i64| names.get(class as usize).cloned().unwrap_or_else(|| class.to_string());
    for (p, t) in predicted.iter().zip(&truth).take(5) {
        println!("predicted {:<16} actual {}", name(*p), name(*t));
    }
    let correct = predicted.iter().zip(&truth).filter(|(p, t)| p == t).count();
    println!("{correct} of {} held-out flowers right ({:.3})", truth.len(), correct as f64 / truth.len() as f64);
    Ok(())
}
