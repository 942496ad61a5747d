//! `digits`: the 1797 real 8×8 handwritten digits of the UCI "Optical Recognition of Handwritten
//! Digits" data (as bundled with scikit-learn), labelled 0..9, embedded in the crate so a run
//! needs no download (provenance and checksum: `data/README.md`).
//!
//! The CSV (gzip) is parsed once, when the dataset is built, into 64 bytes per image; `get`
//! scales the pixel values `0..=16` to `[0, 1]`. Items have shape `[1, 8, 8]`; there are 10
//! classes. The `path` key reads another file of the same format instead ([`csv`] describes it).

pub mod csv;

use std::path::PathBuf;

use frameworm_core::{ComponentError, Dataset, FromConfig, Sample, Schema};
use serde::{Deserialize, Serialize};

use crate::csv::{CLASSES, MAX_VALUE, SIDE, Table};

/// The embedded `data/digits.csv.gz` (57,523 bytes).
const EMBEDDED: &[u8] = include_bytes!("../data/digits.csv.gz");
/// How errors about the embedded copy name it.
const EMBEDDED_ORIGIN: &str = "digits.csv.gz (embedded in frameworm-plugin-digits)";

/// The `dataset.digits` config section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigitsConfig {
    /// A CSV file (gzipped or not) in the same format to read instead of the embedded digits;
    /// relative paths are relative to the current folder. Default: none, the embedded data.
    pub path: Option<PathBuf>,
}

/// The dataset: images and labels held in memory, parsed once by [`FromConfig::from_config`].
pub struct Digits {
    table: Table,
    origin: String,
}

impl std::fmt::Debug for Digits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digits").field("origin", &self.origin).field("len", &self.table.len()).finish()
    }
}

impl Digits {
    /// The embedded 1797 digits.
    pub fn embedded() -> Result<Self, ComponentError> {
        Self::from_bytes(EMBEDDED, EMBEDDED_ORIGIN)
    }

    /// Reads a digits CSV file, gzipped (recognised by its magic bytes) or plain.
    pub fn from_file(path: &std::path::Path) -> Result<Self, ComponentError> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ComponentError::Io { path: origin.clone(), source })?;
        Self::from_bytes(&bytes, &origin)
    }

    /// Parses CSV bytes, gzipped or plain; `origin` names them in errors.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self, ComponentError> {
        let text = frameworm_core::gunzip(bytes, origin)?;
        Ok(Digits { table: csv::parse(&text, origin)?, origin: origin.to_string() })
    }
}

impl FromConfig for Digits {
    type Config = DigitsConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        match &config.path {
            Some(path) => Self::from_file(path),
            None => Self::embedded(),
        }
    }
}

impl Dataset for Digits {
    fn len(&self) -> usize {
        self.table.len()
    }

    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        let Some((pixels, label)) = self.table.image(index) else {
            return Err(ComponentError::Invalid(format!(
                "dataset.digits: index {index} is out of range; {} has {} items",
                self.origin,
                self.table.len()
            )));
        };
        let scale = f32::from(MAX_VALUE);
        Ok(Sample::image(pixels.iter().map(|&value| f32::from(value) / scale).collect(), Some(usize::from(label))))
    }

    fn schema(&self) -> Schema {
        Schema::image(1, SIDE, SIDE, Some(CLASSES))
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use frameworm_core::testing::parse_yaml_section;

    #[test]
    fn embedded_data_has_1797_labelled_items() {
        let data = Digits::from_config(DigitsConfig::default()).unwrap();
        assert_eq!(data.len(), 1797);
        assert_eq!(data.schema(), Schema::image(1, 8, 8, Some(10)));
        let mut counts = [0usize; 10];
        let (mut min, mut max) = (f32::MAX, f32::MIN);
        for index in 0..data.len() {
            let sample = data.get(index).unwrap();
            assert_eq!(sample.values.len(), 2);
            assert_eq!(sample.pixels().len(), data.schema().fields[0].len());
            let label = sample.label().unwrap();
            assert!(label < 10, "label {label}");
            counts[label] += 1;
            for &pixel in sample.pixels() {
                min = min.min(pixel);
                max = max.max(pixel);
            }
        }
        // Every class holds about a tenth of the data (the real counts are 174..=183).
        assert!(counts.iter().all(|&count| (150..=210).contains(&count)), "{counts:?}");
        assert_eq!((min, max), (0.0, 1.0));
    }

    #[test]
    fn first_item_is_a_zero() {
        let sample = Digits::embedded().unwrap().get(0).unwrap();
        assert_eq!(sample.label(), Some(0));
        // Row 0 of the first image is `0,0,5,13,9,1,0,0`.
        assert_eq!(&sample.pixels()[..8], &[0.0, 0.0, 5.0 / 16.0, 13.0 / 16.0, 9.0 / 16.0, 1.0 / 16.0, 0.0, 0.0]);
    }

    #[test]
    fn out_of_range_index_is_an_error() {
        let error = Digits::embedded().unwrap().get(1797).unwrap_err().to_string();
        assert!(error.contains("index 1797 is out of range") && error.contains("1797 items"), "{error}");
    }

    fn row(label: usize) -> String {
        let mut fields: Vec<String> = (0..64).map(|p| (p % 17).to_string()).collect();
        fields.push(label.to_string());
        fields.join(",")
    }

    #[test]
    fn reads_a_plain_or_gzipped_file_from_path() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("few.csv");
        std::fs::write(&plain, format!("{}\n{}\n", row(4), row(7))).unwrap();
        let data = Digits::from_config(DigitsConfig { path: Some(plain) }).unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.get(1).unwrap().label(), Some(7));
        assert_eq!(data.get(0).unwrap().pixels()[16], 16.0 / 16.0);

        let gzipped = dir.path().join("few.csv.gz");
        std::fs::write(&gzipped, frameworm_core::testing::gzip(format!("{}\n", row(2)).as_bytes())).unwrap();
        let data = Digits::from_config(DigitsConfig { path: Some(gzipped) }).unwrap();
        assert_eq!(data.len(), 1);
        assert_eq!(data.get(0).unwrap().label(), Some(2));
    }

    #[test]
    fn malformed_row_error_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, format!("{}\n{}\n0,1,2\n", row(1), row(2))).unwrap();
        let error = Digits::from_config(DigitsConfig { path: Some(path.clone()) }).unwrap_err().to_string();
        assert!(error.starts_with(&format!("{}:3: expected 65 comma-separated values", path.display())), "{error}");
    }

    #[test]
    fn missing_file_error_names_it() {
        let path = PathBuf::from("/nonexistent/digits.csv");
        let error = Digits::from_config(DigitsConfig { path: Some(path) }).unwrap_err();
        assert!(matches!(&error, ComponentError::Io { path, .. } if path == "/nonexistent/digits.csv"), "{error}");
    }

    fn config(yaml: &str) -> Result<DigitsConfig, String> {
        parse_yaml_section("dataset.digits", yaml).map_err(|error| error.to_string())
    }

    #[test]
    fn config_denies_unknown_keys_and_defaults_to_the_embedded_data() {
        assert_eq!(config("pth: x.csv").unwrap_err(), "dataset.digits: unknown field `pth`, did you mean `path`?");
        assert_eq!(config("path: x.csv").unwrap().path, Some(PathBuf::from("x.csv")));
        assert_eq!(config("").unwrap().path, None);
    }
}
