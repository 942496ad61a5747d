//! Predictions on new inputs with a trained run's own preprocessing (`frameworm predict`).
//!
//! The inputs are read after the run's data schema, which the checkpoint (or a safetensors
//! export's header) carries: a model that reads a `features` field with column names takes a
//! CSV/TSV table with those columns (standardised with the training split's statistics); one
//! that reads an `image` field takes image files of its size (pixels scaled to [0, 1], as the
//! image datasets give them); a language model takes a text file as its prompt. Fields the model
//! only reads as targets are filled with zeros: predictions never look at them. Each bad input
//! is an error naming the file (and line and column, for a table cell).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::tensor::Device;
use burn::tensor::activation::softmax;

use super::checkpoint::CheckpointState;
use super::error::TrainError;
use super::evaluate::{Trained, generate};
use crate::config::Config;
use crate::contract::{Batch, DType, FieldSpec, Predictions, Sample, Schema, Value, fields};
use crate::fsio::bounded::{MIB, read_at_most, read_text_at_most};
use crate::registry::Registry;

/// How to predict.
#[derive(Debug, Clone)]
pub struct PredictOptions {
    /// A table column copied to each output row first (an id), if any.
    pub id_column: Option<String>,
    /// Items per forward pass.
    pub batch_size: usize,
    /// Language models: tokens to generate after the prompt.
    pub tokens: usize,
    /// Language models: sampling temperature (0: greedy).
    pub temperature: f64,
    /// Language models: the seed of the draw.
    pub seed: u64,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions { id_column: None, batch_size: 256, tokens: 200, temperature: 1.0, seed: 0 }
    }
}

/// What `predict` gives back.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicted {
    /// One row per input row or image: a header and the rows, as CSV cells.
    Table {
        /// Column names.
        header: Vec<String>,
        /// The rows, in input order.
        rows: Vec<Vec<String>>,
    },
    /// A language model's prompt and the text it generated after it.
    Text(String),
}

impl Predicted {
    /// The table as CSV text (cells quoted where needed, by the `csv` crate); the text as it is.
    pub fn to_csv(&self) -> String {
        match self {
            Predicted::Text(text) => text.clone(),
            Predicted::Table { header, rows } => {
                let mut writer = csv::Writer::from_writer(Vec::new());
                for row in std::iter::once(header).chain(rows) {
                    writer.write_record(row).expect("writing to memory cannot fail");
                }
                let bytes = writer.into_inner().expect("writing to memory cannot fail");
                String::from_utf8(bytes).expect("the cells are UTF-8 strings")
            }
        }
    }
}

fn usage(message: String) -> TrainError {
    TrainError::Usage(message)
}

/// The largest input read (tables, text prompts).
const MAX_INPUT: u64 = 256 * MIB;

/// A safetensors export of `frameworm export` as a trained model: the model named in its
/// header, built from the header's config and data schema, with the file's tensors loaded.
pub fn load_export(registry: &Registry, path: &Path, device: &Device) -> Result<Trained, TrainError> {
    let bytes = read_at_most(path, 16 * 1024 * MIB, "a model export").map_err(|e| usage(format!("--model {}: cannot read: {e}", path.display())))?;
    let bad = |reason: String| usage(format!("--model {}: {reason}; give a file written by `frameworm export --format safetensors`", path.display()));
    if bytes.len() < 8 {
        return Err(bad("too short to be a safetensors file".into()));
    }
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header = bytes.get(8..8usize.saturating_add(header_len)).ok_or_else(|| bad("its header runs past the end of the file".into()))?;
    let header: serde_json::Value = serde_json::from_slice(header).map_err(|e| bad(format!("its header is not JSON ({e})")))?;
    let meta = |key: &str| header["__metadata__"][key].as_str().map(str::to_string).ok_or_else(|| bad(format!("its header has no `{key}`")));
    let model_name = meta("frameworm.model")?;
    let config = Config::from_yaml(&format!("{} (frameworm.config)", path.display()), &meta("frameworm.config")?)?;
    let schema: Schema = serde_json::from_str(&meta("frameworm.schema")?).map_err(|e| bad(format!("its `frameworm.schema` does not parse ({e})")))?;
    let mut model = registry.build_model(&model_name, &config.run.model.section, &schema, device).map_err(|e| usage(format!("--model {}: {e}", path.display())))?;
    model.load_safetensors(bytes).map_err(|e| bad(format!("its tensors do not fit model `{model_name}` ({e})")))?;
    let mut state = CheckpointState::new(&model_name, model.type_name(), config.run.seed);
    state.data = Some(schema);
    Ok(Trained { dir: path.to_path_buf(), config, state, model })
}

/// Predicts on `input` (a table, an image, a folder of images, or a text file) with `trained`.
pub fn predict(trained: &Trained, input: &Path, options: &PredictOptions, device: &Device) -> Result<Predicted, TrainError> {
    let model_name = &trained.config.run.model.name;
    let schema = trained.state.data.clone().ok_or_else(|| usage(format!("the checkpoint in {} records no data fields; it predates `predict`", trained.dir.display())))?;
    if !input.exists() {
        return Err(usage(format!("--input {}: no such file or folder", input.display())));
    }
    if schema.field(fields::TOKENS).is_some() {
        let prompt = read_text_at_most(input, MAX_INPUT, "a prompt").map_err(|e| usage(format!("--input {}: cannot read: {e}", input.display())))?;
        let text = generate(trained, &prompt, options.tokens, options.temperature, options.seed, device)?;
        return Ok(Predicted::Text(format!("{prompt}{text}")));
    }
    let schema = Arc::new(schema);
    let (keys, items, id) = if let Some(shape) = schema.image_shape() {
        let files = image_files(input)?;
        let items = files.iter().map(|file| read_image(file, shape, &schema)).collect::<Result<Vec<_>, _>>()?;
        (files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(), items, Some("file".to_string()))
    } else if let Some(features) = schema.field(fields::FEATURES).filter(|f| f.dtype == DType::F32 && f.names.is_some()) {
        let table = read_table(input, features, &schema, options.id_column.as_deref())?;
        (table.ids, table.items, options.id_column.clone())
    } else {
        return Err(usage(format!(
            "model `{model_name}` was trained on {}: `predict` reads tables (a `features` field with column names), images and text",
            schema.describe()
        )));
    };
    let mut header: Vec<String> = id.into_iter().collect();
    let mut rows: Vec<Vec<String>> = keys.into_iter().map(|key| if header.is_empty() { Vec::new() } else { vec![key] }).collect();
    let mut done = 0;
    let mut columns: Option<Vec<String>> = None;
    for chunk in items.chunks(options.batch_size.max(1)) {
        let batch = Batch::stack(&schema, chunk, device);
        let predictions = trained
            .model
            .predictions(&batch)?
            .ok_or_else(|| usage(format!("model `{model_name}` makes no predictions (a generative model): use `frameworm sample`")))?;
        let (names, cells) = prediction_cells(&predictions, &schema)?;
        columns.get_or_insert(names);
        for (row, cells) in rows[done..done + chunk.len()].iter_mut().zip(cells) {
            row.extend(cells);
        }
        done += chunk.len();
    }
    header.extend(columns.unwrap_or_default());
    Ok(Predicted::Table { header, rows })
}

/// Column names and one row of cells per item.
fn prediction_cells(predictions: &Predictions, schema: &Schema) -> Result<(Vec<String>, Vec<Vec<String>>), TrainError> {
    let read = |tensor: burn::tensor::Tensor<2>| -> Result<(Vec<f32>, usize), TrainError> {
        let [_, width] = tensor.dims();
        let values = tensor.into_data().try_to_vec::<f32>().map_err(|e| usage(format!("cannot read the predictions: {e:?}")))?;
        Ok((values, width.max(1)))
    };
    match predictions {
        Predictions::Classes { scores, .. } => {
            let (probabilities, classes) = read(softmax(scores.clone(), 1))?;
            let names = schema.fields.iter().find(|f| f.dtype == DType::Int && f.classes == Some(classes)).and_then(|f| f.names.clone());
            let rows = probabilities
                .chunks(classes)
                .map(|row| {
                    let (best, p) = row.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bp), (i, &p)| if p > bp { (i, p) } else { (bi, bp) });
                    let class = names.as_ref().and_then(|n| n.get(best).cloned()).unwrap_or_else(|| best.to_string());
                    vec![class, format!("{p:.6}")]
                })
                .collect();
            Ok((vec!["prediction".into(), "probability".into()], rows))
        }
        Predictions::Values { predicted, .. } => {
            let (values, width) = read(predicted.clone())?;
            let names = schema.field(fields::TARGET).and_then(|f| f.names.clone()).filter(|n| n.len() == width);
            let header = names.unwrap_or_else(|| (0..width).map(|i| if width == 1 { "prediction".into() } else { format!("prediction_{i}") }).collect());
            Ok((header, values.chunks(width).map(|row| row.iter().map(|v| format!("{v}")).collect()).collect()))
        }
        Predictions::Tokens { .. } => Err(usage("a language model predicts text: give a text file as --input".into())),
    }
}

/// Zeros for a field the model reads only as a target.
fn placeholder(field: &FieldSpec) -> Value {
    match field.dtype {
        DType::F32 => Value::F32(vec![0.0; field.len()]),
        DType::Int => Value::Int(vec![0; field.len()]),
    }
}

/// The image files `input` names: the file itself, or a folder's PNG and JPEG files by name.
fn image_files(input: &Path) -> Result<Vec<PathBuf>, TrainError> {
    if input.is_file() {
        return Ok(vec![input.to_path_buf()]);
    }
    let entries = std::fs::read_dir(input).map_err(|e| usage(format!("--input {}: cannot read the folder: {e}", input.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.extension().and_then(|e| e.to_str()).is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str())))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(usage(format!("--input {}: the folder holds no PNG or JPEG file", input.display())));
    }
    Ok(files)
}

/// One image file as an item of `schema`: `[channels, height, width]` pixels in [0, 1].
fn read_image(path: &Path, [channels, height, width]: [usize; 3], schema: &Schema) -> Result<Sample, TrainError> {
    let image = image::open(path).map_err(|e| usage(format!("{}: cannot read the image: {e}", path.display())))?;
    if (image.width() as usize, image.height() as usize) != (width, height) {
        return Err(usage(format!(
            "{}: {}×{} pixels, and the model takes {width}×{height} (the size of its training images); resize it first",
            path.display(),
            image.width(),
            image.height()
        )));
    }
    let pixels: Vec<f32> = match channels {
        1 => image.to_luma8().into_raw().into_iter().map(|v| f32::from(v) / 255.0).collect(),
        3 => {
            let rgb = image.to_rgb8().into_raw();
            (0..3).flat_map(|c| rgb.iter().skip(c).step_by(3).map(|&v| f32::from(v) / 255.0).collect::<Vec<_>>()).collect()
        }
        other => return Err(usage(format!("{}: the model takes images of {other} channels; predict reads 1 (grey) or 3 (RGB)", path.display()))),
    };
    let values = schema.fields.iter().map(|field| if field.name == fields::IMAGE { Value::F32(pixels.clone()) } else { placeholder(field) }).collect();
    Ok(Sample::new(values))
}

/// A table's rows as items, with the id of each row.
struct TableItems {
    ids: Vec<String>,
    items: Vec<Sample>,
}

/// Reads `path` (CSV, or TSV for `.tsv`/`.tab`) with a header row: the feature columns by the
/// names the model was trained on, standardised as in training.
fn read_table(path: &Path, features: &FieldSpec, schema: &Schema, id_column: Option<&str>) -> Result<TableItems, TrainError> {
    let bytes = read_at_most(path, MAX_INPUT, "a table").map_err(|e| usage(format!("--input {}: cannot read: {e}", path.display())))?;
    let delimiter = match path.extension().and_then(|e| e.to_str()) {
        Some("tsv" | "tab") => b'\t',
        _ => b',',
    };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).from_reader(bytes.as_slice());
    let at = |line: Option<u64>| match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    };
    let header: Vec<String> = reader.headers().map_err(|e| usage(format!("{}: {e}", at(Some(1)))))?.iter().map(|h| h.trim().to_string()).collect();
    let wanted = features.names.as_deref().unwrap_or_default();
    let missing: Vec<&str> = wanted.iter().map(String::as_str).filter(|name| !header.iter().any(|h| h == name)).collect();
    if !missing.is_empty() {
        return Err(usage(format!(
            "{}: no column {} (the model reads {}; the file has {})",
            path.display(),
            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
            wanted.join(", "),
            header.join(", ")
        )));
    }
    let columns: Vec<usize> = wanted.iter().map(|name| header.iter().position(|h| h == name).expect("checked above")).collect();
    let id = match id_column {
        Some(name) => Some(header.iter().position(|h| h == name).ok_or_else(|| usage(format!("{}: --id: no column `{name}` (the file has {})", path.display(), header.join(", "))))?),
        None => None,
    };
    let mut ids = Vec::new();
    let mut items = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| usage(format!("{}: {e}", at(e.position().map(|p| p.line())))))?;
        let line = record.position().map(|p| p.line());
        let mut values = Vec::with_capacity(columns.len());
        for (j, &column) in columns.iter().enumerate() {
            let cell = record.get(column).unwrap_or("").trim();
            let value: f32 = cell.parse().map_err(|_| usage(format!("{}:{}: `{cell}` in column `{}` is not a number", at(line), column + 1, wanted[j])))?;
            if !value.is_finite() {
                return Err(usage(format!("{}:{}: `{cell}` in column `{}` is not a finite number", at(line), column + 1, wanted[j])));
            }
            values.push(match &features.scaling {
                Some(s) => (value - s.mean[j]) / s.std[j],
                None => value,
            });
        }
        ids.push(id.map(|i| record.get(i).unwrap_or("").to_string()).unwrap_or_default());
        let sample = schema.fields.iter().map(|field| if field.name == fields::FEATURES { Value::F32(values.clone()) } else { placeholder(field) }).collect();
        items.push(Sample::new(sample));
    }
    if items.is_empty() {
        return Err(usage(format!("{}: the table has a header but no row to predict", path.display())));
    }
    Ok(TableItems { ids, items })
}
