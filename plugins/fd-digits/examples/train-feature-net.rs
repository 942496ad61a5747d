//! Trains `fd-digits`' feature network with the fixed recipe ([`TrainOptions::default`]) and
//! writes the weights the crate embeds:
//!
//! `cargo run --release -p frameworm-plugin-fd-digits --example train-feature-net [-- OUTPUT]`
//!
//! (default OUTPUT: `plugins/fd-digits/weights/feature-net.bpk`). It needs no existing weights
//! file. Prints the loss per epoch, the held-out accuracy, the file size and the wall time.

use std::path::PathBuf;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use frameworm_plugin_fd_digits::net::{TrainOptions, accuracy, digits_split, train};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let output = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("weights/feature-net.bpk"));
    let options = TrainOptions::default();
    println!("training the fd-digits feature net: {options:?}");
    let start = Instant::now();
    let (net, losses) = train(&options)?;
    for (epoch, loss) in losses.iter().enumerate() {
        println!("epoch {:>2}: mean training loss {loss:.4}", epoch + 1);
    }
    let device = Device::default();
    let (images, labels) = digits_split(true, &device)?;
    let held_out = accuracy(&net, images.to_device(&device), labels.to_device(&device));
    let (images, labels) = digits_split(false, &device)?;
    let training = accuracy(&net, images, labels);
    net.save_file(&output)?;
    let size = std::fs::metadata(&output)?.len();
    println!("accuracy: training {:.2} %, held-out {:.2} %", training * 100.0, held_out * 100.0);
    println!("wrote {} ({size} bytes) in {:.1} s", output.display(), start.elapsed().as_secs_f64());
    Ok(())
}
