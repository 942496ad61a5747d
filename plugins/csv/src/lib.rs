//! `csv`: any CSV/TSV table with a header row as a dataset. The config picks the feature
//! columns and the target column(s) by name or glob, and the task:
//!
//! - `regression`: items have `features` `f32[F]` and `target` `f32[T]`;
//! - `classification`: items have `features` `f32[F]` and `target` `int[]` whose classes are the
//!   target column's distinct labels (integers in numeric order, text in alphabetical order);
//!   the class names travel in the schema, so the run's checkpoint keeps the mapping.
//!
//! With `standardize` (the default) the features, and a regression's targets, are standardised
//! with the mean and standard deviation of the **training** items only ([`Dataset::fit`]); the
//! fitted values travel in the schema and so in the checkpoint, and a separate validation table
//! adopts them ([`Dataset::adopt`]). Every cell is parsed once, when the dataset is built, and
//! every bad cell is an error naming `file:line:column` and the column.

mod table;

use std::path::PathBuf;

use frameworm_core::{ComponentError, Dataset, FieldSpec, FromConfig, Sample, Scaling, Schema, Value, fields};
use serde::{Deserialize, Serialize};

use table::Table;

/// What the target column(s) hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Numbers to predict (one or more columns).
    Regression,
    /// Labels (text or integers) of one column, turned into class indices.
    Classification,
}

/// One column name or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Columns {
    /// A single name or glob.
    One(String),
    /// Several names or globs.
    Many(Vec<String>),
}

impl Default for Columns {
    fn default() -> Self {
        Columns::Many(Vec::new())
    }
}

impl Columns {
    fn patterns(&self) -> Vec<String> {
        match self {
            Columns::One(one) => vec![one.clone()],
            Columns::Many(many) => many.clone(),
        }
    }
}

/// The `dataset.csv` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsvConfig {
    /// The table; relative paths are relative to the current folder.
    pub path: PathBuf,
    /// The target column(s): names or globs.
    pub target: Columns,
    /// The feature columns: names or globs (`s*`). Default: every column but the targets.
    pub features: Columns,
    /// `regression` or `classification` (required).
    pub task: Option<Task>,
    /// The cell delimiter, one character. Default: a tab for `.tsv`/`.tab` files, else `,`.
    pub delimiter: Option<char>,
    /// Standardise the features (and a regression's targets) with the training items' mean and
    /// standard deviation.
    pub standardize: bool,
}

impl Default for CsvConfig {
    fn default() -> Self {
        CsvConfig { path: PathBuf::new(), target: Columns::default(), features: Columns::default(), task: None, delimiter: None, standardize: true }
    }
}

/// The target values of every row.
#[derive(Debug, Clone)]
enum Targets {
    /// `T` values per row, row-major.
    Values(Vec<f32>),
    /// One class index per row.
    Classes(Vec<i64>),
}

/// The dataset: every row parsed into numbers once.
#[derive(Debug)]
pub struct CsvDataset {
    origin: String,
    standardize: bool,
    feature_names: Vec<String>,
    target_names: Vec<String>,
    /// `F` values per row, row-major, in the file's unit.
    features: Vec<f32>,
    targets: Targets,
    /// For classification: the class names, index = class.
    classes: Vec<String>,
    /// For classification: the label text of each row (to re-map on [`Dataset::adopt`]).
    labels: Vec<String>,
    /// The line of each row in the file, for errors.
    lines: Vec<u64>,
    feature_scaling: Option<Scaling>,
    target_scaling: Option<Scaling>,
}

fn config_error(key: &str, message: String) -> ComponentError {
    ComponentError::Config { section: "dataset.csv".into(), key: key.into(), message }
}

impl FromConfig for CsvDataset {
    type Config = CsvConfig;
    fn from_config(config: CsvConfig) -> Result<Self, ComponentError> {
        if config.path.as_os_str().is_empty() {
            return Err(config_error("path", "set `path` to a CSV or TSV file with a header row".into()));
        }
        let task = config.task.ok_or_else(|| config_error("task", "set `task: regression` or `task: classification`".into()))?;
        let target_patterns = config.target.patterns();
        if target_patterns.is_empty() {
            return Err(config_error("target", "name the target column(s) to predict".into()));
        }
        let delimiter = match config.delimiter {
            Some(c) if c.is_ascii() => c as u8,
            Some(c) => return Err(config_error("delimiter", format!("`{c}` is not a one-byte (ASCII) character"))),
            None => match config.path.extension().and_then(|e| e.to_str()) {
                Some("tsv" | "tab") => b'\t',
                _ => b',',
            },
        };
        let table = Table::read(&config.path, delimiter)?;
        let target_columns = table.select(&target_patterns, "target", &[])?;
        if task == Task::Classification && target_columns.len() != 1 {
            return Err(config_error("target", format!("classification predicts one label column; `target` selects {}", target_columns.len())));
        }
        let feature_patterns = config.features.patterns();
        let feature_columns = if feature_patterns.is_empty() {
            (0..table.header.len()).filter(|i| !target_columns.contains(i)).collect()
        } else {
            table.select(&feature_patterns, "features", &target_columns)?
        };
        if feature_columns.is_empty() {
            return Err(config_error("features", format!("{}: no column is left to be a feature", table.origin)));
        }
        let rows = table.rows.len();
        let mut features = Vec::with_capacity(rows * feature_columns.len());
        for row in 0..rows {
            for &column in &feature_columns {
                features.push(table.number(row, column)?);
            }
        }
        let (targets, classes, labels) = match task {
            Task::Regression => {
                let mut values = Vec::with_capacity(rows * target_columns.len());
                for row in 0..rows {
                    for &column in &target_columns {
                        values.push(table.number(row, column)?);
                    }
                }
                (Targets::Values(values), Vec::new(), Vec::new())
            }
            Task::Classification => {
                let column = target_columns[0];
                let labels: Vec<String> = (0..rows).map(|row| table.label(row, column).map(str::to_string)).collect::<Result<_, _>>()?;
                let classes = class_names(&labels);
                if classes.len() < 2 {
                    return Err(config_error("target", format!("{}: column `{}` holds one class only (`{}`); a classifier needs at least 2", table.origin, table.header[column], classes[0])));
                }
                let indices = labels.iter().map(|label| classes.iter().position(|c| c == label).unwrap_or(0) as i64).collect();
                (Targets::Classes(indices), classes, labels)
            }
        };
        Ok(CsvDataset {
            origin: table.origin.clone(),
            standardize: config.standardize,
            feature_names: feature_columns.iter().map(|&i| table.header[i].clone()).collect(),
            target_names: target_columns.iter().map(|&i| table.header[i].clone()).collect(),
            features,
            targets,
            classes,
            labels,
            lines: table.rows.iter().map(|(_, line)| *line).collect(),
            feature_scaling: None,
            target_scaling: None,
        })
    }
}

/// The distinct labels in class order: numeric order when every label is an integer, else
/// alphabetical.
fn class_names(labels: &[String]) -> Vec<String> {
    let mut classes: Vec<String> = labels.to_vec();
    classes.sort();
    classes.dedup();
    if classes.iter().all(|c| c.parse::<i64>().is_ok()) {
        classes.sort_by_key(|c| c.parse::<i64>().unwrap_or(0));
    }
    classes
}

/// The mean and standard deviation of each of `width` columns over `rows` (a zero deviation,
/// a constant column, becomes 1 so the column passes through centred).
fn fit_scaling(values: &[f32], width: usize, rows: &[usize]) -> Scaling {
    let n = rows.len().max(1) as f64;
    let mut mean = vec![0f64; width];
    for &row in rows {
        for (j, m) in mean.iter_mut().enumerate() {
            *m += f64::from(values[row * width + j]);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0f64; width];
    for &row in rows {
        for (j, v) in var.iter_mut().enumerate() {
            let d = f64::from(values[row * width + j]) - mean[j];
            *v += d * d;
        }
    }
    let std = var.iter().map(|v| (v / n).sqrt()).map(|s| if s > 1e-12 { s as f32 } else { 1.0 }).collect();
    Scaling { mean: mean.into_iter().map(|m| m as f32).collect(), std }
}

fn apply(values: &[f32], scaling: Option<&Scaling>) -> Vec<f32> {
    match scaling {
        Some(s) => values.iter().enumerate().map(|(j, v)| (v - s.mean[j]) / s.std[j]).collect(),
        None => values.to_vec(),
    }
}

impl CsvDataset {
    fn target_width(&self) -> usize {
        self.target_names.len()
    }
}

impl Dataset for CsvDataset {
    fn len(&self) -> usize {
        self.lines.len()
    }

    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        if index >= self.len() {
            return Err(ComponentError::Invalid(format!("{}: item {index} of {}", self.origin, self.len())));
        }
        let width = self.feature_names.len();
        let features = apply(&self.features[index * width..(index + 1) * width], self.feature_scaling.as_ref());
        let target = match &self.targets {
            Targets::Values(values) => {
                let t = self.target_width();
                Value::F32(apply(&values[index * t..(index + 1) * t], self.target_scaling.as_ref()))
            }
            Targets::Classes(classes) => Value::Int(vec![classes[index]]),
        };
        Ok(Sample::new(vec![Value::F32(features), target]))
    }

    fn schema(&self) -> Schema {
        let mut features = FieldSpec::float(fields::FEATURES, [self.feature_names.len()]).with_names(self.feature_names.clone());
        features.scaling = self.feature_scaling.clone();
        let target = match &self.targets {
            Targets::Values(_) => {
                let mut target = FieldSpec::float(fields::TARGET, [self.target_width()]).with_names(self.target_names.clone());
                target.scaling = self.target_scaling.clone();
                target
            }
            Targets::Classes(_) => FieldSpec::int(fields::TARGET, [], self.classes.len()).with_names(self.classes.clone()),
        };
        Schema::new(vec![features, target])
    }

    fn fit(&mut self, train: &[usize]) -> Result<(), ComponentError> {
        if !self.standardize {
            return Ok(());
        }
        self.feature_scaling = Some(fit_scaling(&self.features, self.feature_names.len(), train));
        if let Targets::Values(values) = &self.targets {
            self.target_scaling = Some(fit_scaling(values, self.target_width(), train));
        }
        Ok(())
    }

    fn adopt(&mut self, fitted: &Schema) -> Result<(), ComponentError> {
        let field = |name: &str| {
            fitted.field(name).ok_or_else(|| ComponentError::Invalid(format!("{}: the training data has no `{name}` field to match", self.origin)))
        };
        let features = field(fields::FEATURES)?;
        if features.names.as_deref() != Some(self.feature_names.as_slice()) {
            return Err(ComponentError::Invalid(format!(
                "{}: the feature columns are {:?} but the training table's are {:?}",
                self.origin,
                self.feature_names,
                features.names.clone().unwrap_or_default()
            )));
        }
        self.feature_scaling = features.scaling.clone();
        let target = field(fields::TARGET)?.clone();
        match &mut self.targets {
            Targets::Values(_) => self.target_scaling = target.scaling.clone(),
            Targets::Classes(indices) => {
                let classes = target.names.clone().unwrap_or_default();
                for (row, label) in self.labels.iter().enumerate() {
                    indices[row] = classes.iter().position(|c| c == label).ok_or_else(|| {
                        ComponentError::Invalid(format!("{}:{}: label `{label}` is not one of the training table's classes ({})", self.origin, self.lines[row], classes.join(", ")))
                    })? as i64;
                }
                self.classes = classes;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
