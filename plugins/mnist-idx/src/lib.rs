//! `mnist-idx`: MNIST or Fashion-MNIST (or any IDX data of the same layout) read from the four
//! IDX files in a folder the config names, gzipped or not ([`idx`] describes the format).
//!
//! Both files of the chosen split are read, checked (magic numbers, sizes, matching counts,
//! labels 0..9) and kept in memory when the dataset is built; `get` scales the pixels `0..=255`
//! to `[0, 1]`. Items have shape `[1, rows, cols]` (`[1, 28, 28]` for MNIST); there are 10 classes.

pub mod idx;

use std::path::PathBuf;

use frameworm_core::{ComponentError, Dataset, FromConfig, Sample, Schema};
use serde::{Deserialize, Serialize};

/// Number of classes (labels `0..CLASSES`).
pub const CLASSES: usize = 10;

/// Which half of the data to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// `train-images-idx3-ubyte` and `train-labels-idx1-ubyte` (60,000 items for MNIST).
    #[default]
    Train,
    /// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (10,000 items for MNIST).
    Test,
}

impl Split {
    /// The file names (without `.gz`) of the images and of the labels.
    pub fn file_stems(self) -> (&'static str, &'static str) {
        match self {
            Split::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            Split::Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        }
    }
}

/// The `dataset.mnist-idx` config section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MnistIdxConfig {
    /// The folder holding the IDX files (required).
    pub dir: Option<PathBuf>,
    /// `train` (default) or `test`.
    pub split: Split,
    /// Keep only the first `limit` items (default: all).
    pub limit: Option<usize>,
}

/// The dataset: one split's images and labels, in memory.
pub struct MnistIdx {
    images: idx::Images,
    labels: Vec<u8>,
    source: String,
}

impl std::fmt::Debug for MnistIdx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MnistIdx")
            .field("source", &self.source)
            .field("len", &self.labels.len())
            .field("rows", &self.images.rows)
            .field("cols", &self.images.cols)
            .finish()
    }
}

impl FromConfig for MnistIdx {
    type Config = MnistIdxConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        let Some(dir) = &config.dir else {
            return Err(ComponentError::Invalid(
                "dataset.mnist-idx: no folder given; set `dataset.dir` to the folder holding the MNIST IDX files \
                 (train-images-idx3-ubyte[.gz], …)"
                    .into(),
            ));
        };
        if config.limit == Some(0) {
            return Err(ComponentError::Invalid(
                "dataset.mnist-idx: `limit` must be positive (or absent for all items)".into(),
            ));
        }
        if !dir.is_dir() {
            let path = dir.display().to_string();
            return Err(match std::fs::metadata(dir) {
                Err(source) => ComponentError::Io { path, source },
                Ok(_) => ComponentError::Invalid(format!(
                    "{path}: not a folder; `dataset.dir` must name the folder holding the IDX files"
                )),
            });
        }
        let (images_stem, labels_stem) = config.split.file_stems();
        let images_path = idx::find(dir, images_stem)?;
        let labels_path = idx::find(dir, labels_stem)?;
        let images_name = images_path.display().to_string();
        let labels_name = labels_path.display().to_string();
        let mut images = idx::parse_images(&idx::read(&images_path)?, &images_name)?;
        let mut labels = idx::parse_labels(&idx::read(&labels_path)?, &labels_name, CLASSES)?;
        if images.count != labels.len() {
            return Err(ComponentError::Invalid(format!(
                "{images_name} holds {} images but {labels_name} holds {} labels; \
                 they must be the same split of one data set",
                images.count,
                labels.len()
            )));
        }
        if let Some(limit) = config.limit.filter(|&limit| limit < images.count) {
            images.count = limit;
            images.pixels.truncate(limit * images.rows * images.cols);
            labels.truncate(limit);
        }
        images.pixels.shrink_to_fit();
        labels.shrink_to_fit();
        Ok(MnistIdx { images, labels, source: images_name })
    }
}

impl Dataset for MnistIdx {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        if index >= self.labels.len() {
            return Err(ComponentError::Invalid(format!(
                "dataset.mnist-idx: index {index} is out of range; {} has {} items (after `limit`)",
                self.source,
                self.labels.len()
            )));
        }
        let (rows, cols) = (self.images.rows, self.images.cols);
        let pixels = &self.images.pixels[index * rows * cols..(index + 1) * rows * cols];
        Ok(Sample::image(pixels.iter().map(|&value| f32::from(value) / 255.0).collect(), Some(usize::from(self.labels[index]))))
    }

    fn schema(&self) -> Schema {
        Schema::image(1, self.images.rows, self.images.cols, Some(CLASSES))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::idx::tests::{images_bytes, labels_bytes};
    use super::*;
    use frameworm_core::testing::{gzip, parse_yaml_section};

    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }

    fn config(dir: &Path) -> MnistIdxConfig {
        MnistIdxConfig { dir: Some(dir.to_path_buf()), ..MnistIdxConfig::default() }
    }

    fn error(config: MnistIdxConfig) -> String {
        MnistIdx::from_config(config).expect_err("loading should fail").to_string()
    }

    /// A folder with a plain train split (5 images of 4×3) and a gzipped test split (3 of 4×3).
    fn mnist_like() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "train-images-idx3-ubyte", &images_bytes(5, 4, 3));
        write(dir.path(), "train-labels-idx1-ubyte", &labels_bytes(5));
        write(dir.path(), "t10k-images-idx3-ubyte.gz", &gzip(&images_bytes(3, 4, 3)));
        write(dir.path(), "t10k-labels-idx1-ubyte.gz", &gzip(&labels_bytes(3)));
        dir
    }

    #[test]
    fn loads_plain_train_split() {
        let dir = mnist_like();
        let data = MnistIdx::from_config(config(dir.path())).unwrap();
        assert_eq!(data.len(), 5);
        assert_eq!(data.schema(), Schema::image(1, 4, 3, Some(10)));
        let sample = data.get(4).unwrap();
        assert_eq!(sample.label(), Some(4));
        assert_eq!(sample.pixels().len(), 12);
        assert_eq!(sample.pixels()[0], 4.0 / 255.0);
        assert_eq!(sample.pixels()[11], 15.0 / 255.0);
        assert!(data.get(5).unwrap_err().to_string().contains("index 5 is out of range"));
    }

    #[test]
    fn loads_gzipped_test_split_and_limits() {
        let dir = mnist_like();
        let data = MnistIdx::from_config(MnistIdxConfig { split: Split::Test, ..config(dir.path()) }).unwrap();
        assert_eq!(data.len(), 3);
        assert_eq!(data.get(2).unwrap().label(), Some(2));
        let data = MnistIdx::from_config(MnistIdxConfig { limit: Some(2), ..config(dir.path()) }).unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.get(1).unwrap().pixels()[0], 1.0 / 255.0);
        let data = MnistIdx::from_config(MnistIdxConfig { limit: Some(100), ..config(dir.path()) }).unwrap();
        assert_eq!(data.len(), 5);
    }

    #[test]
    fn absent_dir_says_to_set_it() {
        let message = error(MnistIdxConfig::default());
        assert!(message.contains("set `dataset.dir`"), "{message}");
        let message = error(MnistIdxConfig { limit: Some(0), ..config(Path::new(".")) });
        assert!(message.contains("`limit` must be positive"), "{message}");
        let message = error(config(Path::new("/nonexistent/mnist")));
        assert!(message.starts_with("/nonexistent/mnist: "), "{message}");
    }

    #[test]
    fn missing_file_is_named() {
        let dir = mnist_like();
        std::fs::remove_file(dir.path().join("train-labels-idx1-ubyte")).unwrap();
        let message = error(config(dir.path()));
        let expected = format!("{}: no such file (nor ", dir.path().join("train-labels-idx1-ubyte").display());
        assert!(message.starts_with(&expected), "{message}");
    }

    #[test]
    fn wrong_magic_names_the_file() {
        let dir = mnist_like();
        write(dir.path(), "train-images-idx3-ubyte", &labels_bytes(5));
        let message = error(config(dir.path()));
        let path = dir.path().join("train-images-idx3-ubyte");
        assert!(message.starts_with(&format!("{}: wrong magic number 2049", path.display())), "{message}");
    }

    #[test]
    fn truncated_gzipped_file_names_the_file() {
        let dir = mnist_like();
        let mut bytes = labels_bytes(3);
        bytes.truncate(9);
        write(dir.path(), "t10k-labels-idx1-ubyte.gz", &gzip(&bytes));
        let message = error(MnistIdxConfig { split: Split::Test, ..config(dir.path()) });
        let path = dir.path().join("t10k-labels-idx1-ubyte.gz");
        assert_eq!(
            message,
            format!(
                "{}: truncated: the header promises 3 labels (3 bytes of data) but only 1 bytes follow",
                path.display()
            )
        );
        write(dir.path(), "t10k-labels-idx1-ubyte.gz", &gzip(&labels_bytes(3))[..20]);
        let message = error(MnistIdxConfig { split: Split::Test, ..config(dir.path()) });
        assert!(message.starts_with(&format!("{}: cannot decompress", path.display())), "{message}");
    }

    #[test]
    fn count_mismatch_names_both_files() {
        let dir = mnist_like();
        write(dir.path(), "train-labels-idx1-ubyte", &labels_bytes(4));
        let message = error(config(dir.path()));
        assert!(
            message.contains("holds 5 images but") && message.contains("train-labels-idx1-ubyte holds 4 labels"),
            "{message}"
        );
    }

    fn parse(yaml: &str) -> Result<MnistIdxConfig, String> {
        parse_yaml_section("dataset.mnist-idx", yaml).map_err(|error| error.to_string())
    }

    #[test]
    fn config_keys_and_did_you_mean() {
        let parsed = parse("{dir: data/mnist, split: test, limit: 10}").unwrap();
        assert_eq!(
            (parsed.dir, parsed.split, parsed.limit),
            (Some(PathBuf::from("data/mnist")), Split::Test, Some(10))
        );
        assert_eq!(parse("").unwrap().split, Split::Train);
        assert_eq!(
            parse("split: tset").unwrap_err(),
            "dataset.mnist-idx.split: unknown variant `tset`, did you mean `test`?"
        );
        assert_eq!(parse("limt: 3").unwrap_err(), "dataset.mnist-idx: unknown field `limt`, did you mean `limit`?");
    }
}
