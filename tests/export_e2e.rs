//! `frameworm export` through the real binary, and the file read back through the library: a
//! fresh model built by name and loaded from the safetensors file predicts exactly what the
//! checkpoint predicts (the mlp), and one built from the file alone reconstructs exactly what the
//! checkpoint does (the vae); the header carries the model, config and data schema; ONNX is refused
//! with what to use instead; a refused export writes nothing.

mod common;

use frameworm::core::burn::data::dataset::Dataset as _;
use frameworm::core::burn::tensor::Device;
use frameworm::core::{Batch, Predictions, Sample};

use common::{frameworm, run_dir, text, train};

fn scores(predictions: Option<Predictions>) -> Vec<f32> {
    match predictions {
        Some(Predictions::Classes { scores, .. }) => scores.into_data().convert::<f32>().try_to_vec::<f32>().unwrap(),
        _ => panic!("the mlp predicts classes"),
    }
}

#[test]
fn a_safetensors_export_loads_into_a_fresh_model_that_predicts_the_same() {
    let output = tempfile::tempdir().unwrap();
    let run = train("configs/mlp-digits.yaml", output.path(), &["--set", "training.epochs=2", "--set", "callbacks=[]"]);
    assert!(run.status.success(), "{}", text(&run));
    let dir = run_dir(output.path(), "mlp-digits-");
    let file = output.path().join("mlp.safetensors");
    let export = frameworm().args(["export", "--checkpoint"]).arg(&dir).arg("--out").arg(&file).output().unwrap();
    assert!(export.status.success(), "{}", text(&export));
    assert!(text(&export).contains("as safetensors to"), "{}", text(&export));

    let bytes = std::fs::read(&file).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    for tensor in ["hidden.0.weight", "hidden.0.bias", "hidden.1.weight", "head.weight", "head.bias"] {
        assert!(header.get(tensor).is_some(), "no tensor {tensor} in {header}");
    }
    let metadata = &header["__metadata__"];
    assert_eq!(metadata["frameworm.model"], "mlp-classifier");
    assert!(metadata["frameworm.config"].as_str().unwrap().contains("name: mlp-classifier"));
    assert!(metadata["frameworm.schema"].as_str().unwrap().contains("\"shape\":[1,8,8]"));

    let registry = frameworm::registry().unwrap();
    let device = Device::default();
    let trained = frameworm::load_trained(&registry, &dir, &device).unwrap();
    let data = frameworm::core::prepare_data(&registry, &trained.config).unwrap();
    let held_out = data.validation.unwrap();
    let items: Vec<Sample> = (0..32).map(|i| held_out.get(i).unwrap()).collect();
    let batch = Batch::stack(held_out.wrapped.schema(), &items, &device);

    let section = &trained.config.run.model.section;
    let mut fresh = registry.build_model("mlp-classifier", section, &data.schema, &device).unwrap();
    let before = scores(fresh.predictions(&batch).unwrap());
    fresh.load_safetensors(bytes).unwrap();
    let expected = scores(trained.model.predictions(&batch).unwrap());
    assert_ne!(before, expected, "a fresh model should predict differently before loading");
    assert_eq!(scores(fresh.predictions(&batch).unwrap()), expected, "the exported model predicts differently");
}

#[test]
fn onnx_is_refused_with_what_to_use_and_writes_nothing() {
    let output = tempfile::tempdir().unwrap();
    let run = train("configs/iris.yaml", output.path(), &["--set", "training.epochs=1"]);
    assert!(run.status.success(), "{}", text(&run));
    let dir = run_dir(output.path(), "iris-");
    let file = output.path().join("model.onnx");
    let export = frameworm().args(["export", "--format", "onnx", "--checkpoint"]).arg(&dir).arg("--out").arg(&file).output().unwrap();
    assert!(!export.status.success());
    assert!(text(&export).contains("burn 0.22 cannot write ONNX") && text(&export).contains("--format safetensors"), "{}", text(&export));
    assert!(!file.exists() && !dir.join("export").exists(), "a refused export wrote a file");
}

#[test]
fn a_vae_export_loads_through_its_header_alone_and_reconstructs_the_same() {
    let output = tempfile::tempdir().unwrap();
    let run = train("configs/vae-digits.yaml", output.path(), &["--set", "training.epochs=1", "--set", "callbacks=[]"]);
    assert!(run.status.success(), "{}", text(&run));
    let dir = run_dir(output.path(), "vae-digits-");
    let file = output.path().join("vae.safetensors");
    let export = frameworm().args(["export", "--checkpoint"]).arg(&dir).arg("--out").arg(&file).output().unwrap();
    assert!(export.status.success(), "{}", text(&export));

    let registry = frameworm::registry().unwrap();
    let device = Device::default();
    let trained = frameworm::load_trained(&registry, &dir, &device).unwrap();
    // Built from the file alone: the model named in its header, from its config and schema.
    let exported = frameworm::core::load_export(&registry, &file, &device).unwrap();
    assert_eq!(exported.config.run.model.name, "vae");
    let data = frameworm::core::prepare_data(&registry, &trained.config).unwrap();
    let held_out = data.validation.unwrap();
    let items: Vec<Sample> = (0..16).map(|i| held_out.get(i).unwrap()).collect();
    let batch = Batch::stack(held_out.wrapped.schema(), &items, &device);
    let pixels = |model: &frameworm::core::Trained| -> Vec<f32> {
        let images = model.model.reconstruction(&batch).unwrap().expect("a vae reconstructs");
        images.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
    };
    assert_eq!(pixels(&exported), pixels(&trained), "the exported vae reconstructs differently");
}
