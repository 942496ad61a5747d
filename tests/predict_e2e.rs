//! `frameworm predict` through the real binary: a table (classification and regression) gets one
//! prediction per row with the run's own standardisation, a folder of images one line per file,
//! a safetensors export predicts exactly what its checkpoint does, and each bad input (a missing
//! column, a cell that is not a number, an image of the wrong size, a model that predicts
//! nothing) is an error naming it.

mod common;

use std::path::Path;

use frameworm::core::burn::data::dataset::Dataset as _;

use common::{frameworm, run_dir, text, train};

/// `frameworm predict ARGS…`: (success, stdout, everything printed).
fn predict(args: &[&str]) -> (bool, String, String) {
    let output = frameworm().arg("predict").args(args).env_remove("RUST_BACKTRACE").output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), text(&output))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// iris.csv with its columns in another order, an id column first and no species column; the
/// species of each row, in order.
fn iris_without_labels(dir: &Path) -> (std::path::PathBuf, Vec<String>) {
    let text = std::fs::read_to_string("plugins/csv/data/iris.csv").unwrap();
    let mut out = String::from("id,petal_width,petal_length,sepal_width,sepal_length\n");
    let mut species = Vec::new();
    for (i, line) in text.lines().skip(1).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        out.push_str(&format!("flower-{i},{},{},{},{}\n", cells[3], cells[2], cells[1], cells[0]));
        species.push(cells[4].to_string());
    }
    let file = dir.join("flowers.csv");
    std::fs::write(&file, out).unwrap();
    (file, species)
}

#[test]
fn a_table_gets_one_prediction_per_row_and_the_export_predicts_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let run = train("configs/iris.yaml", dir.path(), &[]);
    assert!(run.status.success(), "{}", text(&run));
    let run = run_dir(dir.path(), "iris-");
    let (input, species) = iris_without_labels(dir.path());

    let (ok, stdout, all) = predict(&["--checkpoint", path(&run), "--input", path(&input), "--id", "id"]);
    assert!(ok, "{all}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "id,prediction,probability");
    assert_eq!(lines.len(), 1 + species.len(), "one prediction per row");
    let mut right = 0;
    for (i, (line, truth)) in lines[1..].iter().zip(&species).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], format!("flower-{i}"), "row order and ids");
        let p: f64 = cells[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{line}");
        right += usize::from(cells[1] == truth);
    }
    let accuracy = right as f64 / species.len() as f64;
    assert!(accuracy >= 0.9, "accuracy of the predictions on the 150 flowers: {accuracy}");

    // The same through a safetensors export, written to a file.
    let export = dir.path().join("iris.safetensors");
    let exported = frameworm().args(["export", "--checkpoint", path(&run), "--out", path(&export)]).output().unwrap();
    assert!(exported.status.success(), "{}", text(&exported));
    let out = dir.path().join("predictions.csv");
    let (ok, _, all) = predict(&["--model", path(&export), "--input", path(&input), "--id", "id", "--out", path(&out)]);
    assert!(ok, "{all}");
    assert!(all.contains(&format!("wrote 150 predictions to {}", out.display())), "{all}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stdout, "the export predicts differently from its checkpoint");
}

#[test]
fn a_regression_predicts_values_in_the_targets_unit() {
    let dir = tempfile::tempdir().unwrap();
    let run = train("configs/diabetes.yaml", dir.path(), &[]);
    assert!(run.status.success(), "{}", text(&run));
    let run = run_dir(dir.path(), "diabetes-");
    let table = std::fs::read_to_string("plugins/csv/data/diabetes.csv").unwrap();
    let truth: Vec<f64> = table.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect();
    let (ok, stdout, all) = predict(&["--checkpoint", path(&run), "--input", "plugins/csv/data/diabetes.csv"]);
    assert!(ok, "{all}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "progression");
    let predicted: Vec<f64> = lines[1..].iter().map(|l| l.parse().unwrap()).collect();
    assert_eq!(predicted.len(), truth.len());
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mp, mt) = (mean(&predicted), mean(&truth));
    let cov: f64 = predicted.iter().zip(&truth).map(|(p, t)| (p - mp) * (t - mt)).sum();
    let sd = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>().sqrt();
    let correlation = cov / (sd(&predicted, mp) * sd(&truth, mt));
    assert!((mp - mt).abs() < 0.2 * mt, "predictions average {mp}, the targets {mt}: not restored to the target's unit");
    assert!(correlation > 0.5, "correlation of predictions and targets {correlation}");
}

#[test]
fn a_folder_of_images_gets_one_line_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = train("configs/mlp-digits.yaml", dir.path(), &["--set", "training.epochs=10", "--set", "callbacks=[]"]);
    assert!(run.status.success(), "{}", text(&run));
    let run = run_dir(dir.path(), "mlp-digits-");
    // 40 held-out digits as 8×8 grey PNGs named after their label.
    let registry = frameworm::registry().unwrap();
    let config = frameworm::core::Config::load(Path::new("configs/mlp-digits.yaml"), &[]).unwrap();
    let data = frameworm::core::prepare_data(&registry, &config).unwrap();
    let held_out = data.validation.unwrap();
    let images = dir.path().join("images");
    std::fs::create_dir(&images).unwrap();
    for i in 0..40 {
        let sample = held_out.get(i).unwrap();
        let pixels: Vec<u8> = sample.pixels().iter().map(|p| (p * 255.0).round() as u8).collect();
        let label = sample.label().unwrap();
        image::GrayImage::from_raw(8, 8, pixels).unwrap().save(images.join(format!("{i:02}-label{label}.png"))).unwrap();
    }
    std::fs::write(images.join("notes.txt"), "not an image").unwrap();
    let (ok, stdout, all) = predict(&["--checkpoint", path(&run), "--input", path(&images)]);
    assert!(ok, "{all}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "file,prediction,probability");
    assert_eq!(lines.len(), 41, "one line per image (the text file skipped): {stdout}");
    let right = lines[1..].iter().filter(|line| line.split(',').next().unwrap().ends_with(&format!("label{}.png", line.split(',').nth(1).unwrap()))).count();
    assert!(right >= 32, "{right} of 40 digits predicted right: {stdout}");

    // The mlp's safetensors export alone predicts the same.
    let export = dir.path().join("mlp.safetensors");
    let exported = frameworm().args(["export", "--checkpoint", path(&run), "--out", path(&export)]).output().unwrap();
    assert!(exported.status.success(), "{}", text(&exported));
    let (ok, from_export, all) = predict(&["--model", path(&export), "--input", path(&images)]);
    assert!(ok, "{all}");
    assert_eq!(from_export, stdout, "the export predicts differently from its checkpoint");

    // One image of the wrong size: an error naming it.
    let big = dir.path().join("big.png");
    image::GrayImage::new(28, 28).save(&big).unwrap();
    let (ok, _, all) = predict(&["--checkpoint", path(&run), "--input", path(&big)]);
    assert!(!ok && all.contains("big.png: 28×28 pixels, and the model takes 8×8"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
}

#[test]
fn bad_tables_and_models_without_predictions_are_errors_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let run = train("configs/iris.yaml", dir.path(), &["--set", "training.epochs=1"]);
    assert!(run.status.success(), "{}", text(&run));
    let run = run_dir(dir.path(), "iris-");

    let missing = dir.path().join("missing.csv");
    std::fs::write(&missing, "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n").unwrap();
    let (ok, _, all) = predict(&["--checkpoint", path(&run), "--input", path(&missing)]);
    assert!(!ok && all.contains("missing.csv: no column `petal_width`"), "{all}");

    let bad_cell = dir.path().join("bad.csv");
    std::fs::write(&bad_cell, "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,wide,1.4,0.2\n").unwrap();
    let (ok, _, all) = predict(&["--checkpoint", path(&run), "--input", path(&bad_cell)]);
    assert!(!ok && all.contains("bad.csv:3:2: `wide` in column `sepal_width` is not a number"), "{all}");

    let out = dir.path().join("never.csv");
    let (ok, _, all) = predict(&["--checkpoint", path(&run), "--input", path(&dir.path().join("nope.csv")), "--out", path(&out)]);
    assert!(!ok && all.contains("nope.csv: no such file"), "{all}");
    assert!(!out.exists(), "a failed prediction wrote its --out");

    let vae = train("configs/vae-digits.yaml", dir.path(), &["--set", "training.max_steps=2"]);
    assert!(vae.status.success(), "{}", text(&vae));
    let digit = dir.path().join("digit.png");
    image::GrayImage::new(8, 8).save(&digit).unwrap();
    let (ok, _, all) = predict(&["--checkpoint", path(&run_dir(dir.path(), "vae-digits-")), "--input", path(&digit)]);
    assert!(!ok && all.contains("model `vae` makes no predictions"), "{all}");
}
