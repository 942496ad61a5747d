//! Pictures and scores from trained checkpoints, end to end through the real binary:
//! `sample` writes a grid of the asked size (and refuses classifiers), `evaluate` prints a table
//! and JSON, `plot` draws metrics.csv, the `sample-grid` callback writes one grid per epoch, and
//! the `train-eval-sample` pipeline leaves a report beside its run.

mod common;

use std::path::{Path, PathBuf};

use common::{frameworm, png_size, run_dir, text, train};

/// A short vae run (2 epochs) under `output`; returns its run folder.
fn short_vae(output: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["--set", "training.epochs=2", "--set", "callbacks=[]"];
    args.extend_from_slice(extra);
    let run = train("configs/vae-digits.yaml", output, &args);
    assert!(run.status.success(), "{}", text(&run));
    run_dir(output, "vae-digits")
}

#[test]
fn sample_writes_a_grid_of_the_asked_size_and_classifiers_cannot_sample() {
    let output = tempfile::tempdir().unwrap();
    let run = short_vae(output.path(), &[]);
    let png = output.path().join("grid.png");
    let sample = frameworm().args(["sample", "--checkpoint"]).arg(&run).args(["--n", "12", "--columns", "4", "--seed", "3", "--out"]).arg(&png).output().unwrap();
    assert!(sample.status.success(), "{}", text(&sample));
    // 4×3 cells of 8×8 digits enlarged ×4, 2 px gaps: 2 + 4·34 by 2 + 3·34.
    assert_eq!(png_size(&png), (138, 104));
    assert!(text(&sample).contains("12 samples (4×3 grid of 1×8×8 images"), "{}", text(&sample));

    // The same seed draws the same images; another seed others.
    let again = output.path().join("again.png");
    let other = output.path().join("other.png");
    for (path, seed) in [(&again, "3"), (&other, "4")] {
        let run = frameworm().args(["sample", "--checkpoint"]).arg(&run).args(["--n", "12", "--columns", "4", "--seed", seed, "--out"]).arg(path).output().unwrap();
        assert!(run.status.success(), "{}", text(&run));
    }
    assert_eq!(std::fs::read(&png).unwrap(), std::fs::read(&again).unwrap());
    assert_ne!(std::fs::read(&png).unwrap(), std::fs::read(&other).unwrap());

    let mlp = train("configs/mlp-digits.yaml", output.path(), &["--set", "training.epochs=1", "--set", "callbacks=[]"]);
    assert!(mlp.status.success(), "{}", text(&mlp));
    let refused = output.path().join("refused.png");
    let sample = frameworm().args(["sample", "--checkpoint"]).arg(run_dir(output.path(), "mlp-digits")).arg("--out").arg(&refused).output().unwrap();
    assert_eq!(sample.status.code(), Some(1), "{}", text(&sample));
    assert!(text(&sample).contains("model `mlp-classifier` cannot sample"), "{}", text(&sample));
    assert!(!refused.exists(), "no file is written for a refused draw");
}

#[test]
fn evaluate_prints_a_table_and_json_and_names_bad_metrics() {
    let output = tempfile::tempdir().unwrap();
    let run = short_vae(output.path(), &[]);
    let table = frameworm().args(["evaluate", "--checkpoint"]).arg(&run).args(["--metrics", "mae", "--n", "100"]).output().unwrap();
    assert!(table.status.success(), "{}", text(&table));
    let shown = text(&table);
    assert!(shown.contains("100 held-out items") && shown.contains("mae") && shown.contains("reconstructions"), "{shown}");

    let json = frameworm().args(["evaluate", "--json", "--checkpoint"]).arg(&run).args(["--metrics", "mae"]).output().unwrap();
    assert!(json.status.success(), "{}", text(&json));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["items"], 359, "the whole 20 % split of 1797 digits when --n exceeds it");
    let mae = value["scores"][0]["value"].as_f64().unwrap();
    assert!(mae > 0.0 && mae < 0.5, "mae {mae}");
    assert_eq!(value["scores"][0]["higher_is_better"], false);

    let typo = frameworm().args(["evaluate", "--checkpoint"]).arg(&run).args(["--metrics", "maee"]).output().unwrap();
    assert_eq!(typo.status.code(), Some(1));
    assert!(text(&typo).contains("unknown metric `maee`") && text(&typo).contains("did you mean `mae`"), "{}", text(&typo));

    // Every metric of the issue on one checkpoint: paired ones on reconstructions, fd-digits on samples.
    let all = frameworm().args(["evaluate", "--json", "--checkpoint"]).arg(&run).args(["--metrics", "mse,psnr,ssim,fd-digits", "--n", "200"]).output().unwrap();
    assert!(all.status.success(), "{}", text(&all));
    let value: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let sources: Vec<&str> = value["scores"].as_array().unwrap().iter().map(|s| s["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["outputs", "reconstructions", "reconstructions", "samples"], "mse scores outputs: value predictions, or reconstructions as here");
    // Classifiers have no reconstructions: a clear refusal naming the metric and the model.
    let mlp = train("configs/mlp-digits.yaml", output.path(), &["--set", "training.epochs=1", "--set", "callbacks=[]"]);
    assert!(mlp.status.success(), "{}", text(&mlp));
    let refused = frameworm().args(["evaluate", "--checkpoint"]).arg(run_dir(output.path(), "mlp-digits")).args(["--metrics", "psnr"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused).contains("metric `psnr` scores the model's reconstructions, and model `mlp-classifier` makes no reconstructions"), "{}", text(&refused));

    let missing = frameworm().args(["evaluate", "--checkpoint", "no/such/run", "--metrics", "mae"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).contains("no/such/run"), "{}", text(&missing));
}

#[test]
fn plot_and_the_sample_grid_callback_draw_pngs() {
    let output = tempfile::tempdir().unwrap();
    let run = short_vae(output.path(), &["--set", "callbacks=[{name: sample-grid, n: 16}]"]);
    for epoch in ["epoch-001.png", "epoch-002.png"] {
        assert_eq!(png_size(&run.join("samples").join(epoch)), (138, 138), "{epoch}");
    }
    let plot = frameworm().arg("plot").arg(&run).output().unwrap();
    assert!(plot.status.success(), "{}", text(&plot));
    let (width, height) = png_size(&run.join("metrics.png"));
    assert!(width >= 480 && height >= 320, "{width}×{height}");
    assert!(text(&plot).contains("loss"), "{}", text(&plot));

    let not_a_run = frameworm().arg("plot").arg(output.path()).output().unwrap();
    assert_eq!(not_a_run.status.code(), Some(1));
    assert!(text(&not_a_run).contains("no metrics.csv"), "{}", text(&not_a_run));

    // A classifier with sample-grid fails at the start of training, naming the callback.
    let mlp = train("configs/mlp-digits.yaml", output.path(), &["--set", "training.epochs=1", "--set", "callbacks=[sample-grid]"]);
    assert_eq!(mlp.status.code(), Some(1), "{}", text(&mlp));
    assert!(text(&mlp).contains("sample-grid") && text(&mlp).contains("cannot sample"), "{}", text(&mlp));
}

#[test]
fn the_train_eval_sample_pipeline_writes_a_report() {
    let output = tempfile::tempdir().unwrap();
    let list = frameworm().args(["pipeline", "list"]).output().unwrap();
    assert!(text(&list).contains("train-eval-sample"), "{}", text(&list));

    let run = frameworm()
        .args(["pipeline", "run", "train-eval-sample", "--quiet", "--config", "configs/vae-digits.yaml", "--set", "training.epochs=2", "--set", "callbacks=[]"])
        .arg("--set")
        .arg(format!("output_dir={}", output.path().display()))
        .args(["--set", "pipeline={name: train-eval-sample, metrics: [mae], samples: 16}"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let folder = run_dir(output.path(), "vae-digits");
    let report = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(report.contains("| mae |") && report.contains("![samples](samples.png)"), "{report}");
    assert_eq!(png_size(&folder.join("samples.png")), (138, 138));
    let said = text(&run);
    assert!(said.contains("1. train: 2 epochs") && said.contains("evaluate (359 held-out items): mae"), "{said}");

    let unknown = frameworm().args(["pipeline", "run", "train-eval-sampel", "--config", "configs/vae-digits.yaml"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown).contains("did you mean `train-eval-sample`"), "{}", text(&unknown));
}

/// A tiny char-transformer on a short text: `sample --prompt` prints the prompt and exactly the
/// asked number of new characters, all from the run's vocabulary; an unknown prompt character
/// and an image model are clear errors; `evaluate --json` reports bits per character.
#[test]
fn a_language_model_continues_a_prompt() {
    let output = tempfile::tempdir().unwrap();
    let corpus = output.path().join("verse.txt");
    let verse = "In the beginning God created the heaven and the earth. And the earth was without form, and void.\n";
    std::fs::write(&corpus, verse.repeat(20)).unwrap();
    let dataset = format!("dataset={{name: text, path: {}, context: 16}}", corpus.display());
    let model = "model={name: char-transformer, layers: 1, d_model: 16, heads: 2, dropout: 0.0}";
    let run = train("configs/char-transformer.yaml", output.path(), &["--set", &dataset, "--set", model, "--set", "data.val_split=0.2", "--set", "training.epochs=2"]);
    assert!(run.status.success(), "{}", text(&run));
    let run = run_dir(output.path(), "char-transformer");

    let sampled = frameworm().args(["sample", "--checkpoint"]).arg(&run).args(["--prompt", "And ", "--tokens", "40", "--seed", "3"]).output().unwrap();
    assert!(sampled.status.success(), "{}", text(&sampled));
    let printed = String::from_utf8(sampled.stdout).unwrap();
    let continuation = printed.trim_end_matches('\n').strip_prefix("And ").expect("the prompt comes first");
    assert_eq!(continuation.chars().count(), 40, "{printed:?}");
    assert!(continuation.chars().all(|c| verse.contains(c)), "{continuation:?} has a character the text lacks");

    // `predict` with the prompt in a file writes the same text as `sample --prompt`.
    let prompt = output.path().join("prompt.txt");
    std::fs::write(&prompt, "And ").unwrap();
    let predicted = frameworm().args(["predict", "--checkpoint"]).arg(&run).arg("--input").arg(&prompt).args(["--tokens", "40", "--seed", "3"]).output().unwrap();
    assert!(predicted.status.success(), "{}", text(&predicted));
    assert_eq!(String::from_utf8(predicted.stdout).unwrap().trim_end(), printed.trim_end(), "predict and sample disagree on the same prompt and seed");

    let unknown = frameworm().args(["sample", "--checkpoint"]).arg(&run).args(["--prompt", "Zeus"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
    assert!(text(&unknown).contains("the prompt's character 'Z' is not in the model's vocabulary"), "{}", text(&unknown));

    let scored = frameworm().args(["evaluate", "--json", "--checkpoint"]).arg(&run).output().unwrap();
    assert!(scored.status.success(), "{}", text(&scored));
    let value: serde_json::Value = serde_json::from_slice(&scored.stdout).unwrap();
    assert_eq!(value["scores"][0]["metric"], "bits_per_char");
    let bits = value["scores"][0]["value"].as_f64().unwrap();
    // 25 distinct characters: a uniform guess costs log2(25) ≈ 4.64 bits.
    assert!(bits.is_finite() && bits > 0.0 && bits < 4.64, "bits per char {bits}");

    let vae = short_vae(output.path(), &[]);
    let refused = frameworm().args(["sample", "--checkpoint"]).arg(&vae).args(["--prompt", "The "]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("not on text (no `tokens` field)"), "{}", text(&refused));
}
