//! `image-folder`: a folder of PNG/JPEG images as a dataset. With class sub-folders
//! (`dir/cat/*.png`, `dir/dog/*.jpg`), each sub-folder, sorted by name, is a class and labels its
//! images; a flat folder gives unlabelled images (`num_classes: None`). See [`index`] for the
//! rules.
//!
//! The folder is indexed once, when the dataset is built (sorted, so the same on every machine);
//! images are decoded in `get`, converted to grayscale or RGB and resized to `size` (see
//! [`decode`]). Items have shape `[channels, height, width]`.

pub mod decode;
pub mod index;

use std::path::PathBuf;

use frameworm_core::{ComponentError, Dataset, FromConfig, Sample, Schema};
use serde::{Deserialize, Serialize};

/// The `dataset.image-folder` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImageFolderConfig {
    /// The folder of images, or of one sub-folder of images per class (required).
    pub dir: Option<PathBuf>,
    /// `[height, width]` every image is resized to (default `[32, 32]`).
    pub size: [usize; 2],
    /// 3 for RGB (default), 1 for grayscale.
    pub channels: usize,
    /// File extensions to read, ignoring case, with or without the dot (default png, jpg, jpeg).
    pub extensions: Vec<String>,
}

impl Default for ImageFolderConfig {
    fn default() -> Self {
        ImageFolderConfig {
            dir: None,
            size: [32, 32],
            channels: 3,
            extensions: vec!["png".into(), "jpg".into(), "jpeg".into()],
        }
    }
}

/// The largest accepted `size` side, so a typo cannot ask for gigabytes per item.
pub const MAX_SIDE: usize = 4096;

/// The dataset: an index of image files, decoded on demand.
#[derive(Debug)]
pub struct ImageFolder {
    index: index::Index,
    channels: usize,
    height: usize,
    width: usize,
}

impl ImageFolder {
    /// The class names (sub-folder names, sorted; label `i` is `classes()[i]`), empty when unlabelled.
    pub fn classes(&self) -> &[String] {
        &self.index.classes
    }

    /// The image file of item `index`, when `index < len()`.
    pub fn path(&self, index: usize) -> Option<&std::path::Path> {
        self.index.files.get(index).map(|(path, _)| path.as_path())
    }
}

impl FromConfig for ImageFolder {
    type Config = ImageFolderConfig;
    fn from_config(config: Self::Config) -> Result<Self, ComponentError> {
        let invalid = |message: String| Err(ComponentError::Invalid(format!("dataset.image-folder: {message}")));
        let Some(dir) = &config.dir else {
            return invalid(
                "no folder given; set `dataset.dir` to a folder of images (or of one sub-folder per class)".into(),
            );
        };
        let [height, width] = config.size;
        if !(1..=MAX_SIDE).contains(&height) || !(1..=MAX_SIDE).contains(&width) {
            return invalid(format!("`size` is [{height}, {width}]; both sides must be within 1..={MAX_SIDE}"));
        }
        if config.channels != 1 && config.channels != 3 {
            return invalid(format!("`channels` is {}; use 1 (grayscale) or 3 (RGB)", config.channels));
        }
        let extensions: Vec<String> = config
            .extensions
            .iter()
            .map(|extension| extension.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|extension| !extension.is_empty())
            .collect();
        if extensions.is_empty() {
            return invalid("`extensions` is empty; list at least one, e.g. [png, jpg, jpeg]".into());
        }
        if !dir.is_dir() {
            let path = dir.display().to_string();
            return Err(match std::fs::metadata(dir) {
                Err(source) => ComponentError::Io { path, source },
                Ok(_) => {
                    ComponentError::Invalid(format!("{path}: not a folder; `dataset.dir` must name a folder of images"))
                }
            });
        }
        let index = index::index(dir, &extensions)?;
        Ok(ImageFolder { index, channels: config.channels, height, width })
    }
}

impl Dataset for ImageFolder {
    fn len(&self) -> usize {
        self.index.files.len()
    }

    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        let Some((path, label)) = self.index.files.get(index) else {
            return Err(ComponentError::Invalid(format!(
                "dataset.image-folder: index {index} is out of range; the folder has {} images",
                self.index.files.len()
            )));
        };
        Ok(Sample::image(decode::load(path, self.channels, self.height, self.width)?, *label))
    }

    /// `image` f32[C, H, W] and, for a folder of class subfolders, `label` int[] whose class
    /// names are the subfolders' names (saved with the run).
    fn schema(&self) -> Schema {
        let classes = &self.index.classes;
        let mut schema = Schema::image(self.channels, self.height, self.width, (!classes.is_empty()).then_some(classes.len()));
        if let Some(label) = schema.fields.get_mut(1) {
            label.names = Some(classes.clone());
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use frameworm_core::testing::parse_yaml_section;

    /// Writes a `width × height` PNG filled with `rgb`, creating folders as needed.
    fn png(path: &Path, width: u32, height: u32, rgb: [u8; 3]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        image::RgbImage::from_pixel(width, height, image::Rgb(rgb))
            .save_with_format(path, image::ImageFormat::Png)
            .unwrap();
    }

    fn config(dir: &Path) -> ImageFolderConfig {
        ImageFolderConfig { dir: Some(dir.to_path_buf()), ..ImageFolderConfig::default() }
    }

    #[test]
    fn class_folders_give_labels_shape_and_resize() {
        let dir = tempfile::tempdir().unwrap();
        png(&dir.path().join("red/1.png"), 40, 20, [255, 0, 0]);
        png(&dir.path().join("red/2.PNG"), 8, 8, [255, 0, 0]);
        png(&dir.path().join("blue/a.png"), 5, 7, [0, 0, 255]);
        let data = ImageFolder::from_config(ImageFolderConfig { size: [6, 4], ..config(dir.path()) }).unwrap();
        assert_eq!(data.len(), 3);
        assert_eq!(data.classes(), ["blue", "red"]);
        assert_eq!(data.schema().describe(), "`image` f32[3, 6, 4], `label` int[] (2 classes)");
        assert_eq!(data.schema().fields[1].names.as_deref(), Some(&["blue".to_string(), "red".to_string()][..]));
        let blue = data.get(0).unwrap();
        assert_eq!((blue.label(), blue.pixels().len()), (Some(0), 72));
        // Planes: red 0, green 0, blue 1 everywhere.
        assert!(blue.pixels()[..48].iter().all(|&v| v == 0.0) && blue.pixels()[48..].iter().all(|&v| v == 1.0));
        let red = data.get(1).unwrap();
        assert_eq!((red.label(), red.pixels()[0], red.pixels()[24]), (Some(1), 1.0, 0.0));
        assert_eq!(data.get(2).unwrap().label(), Some(1));
        assert!(data.get(3).unwrap_err().to_string().contains("index 3 is out of range"));
    }

    #[test]
    fn flat_folder_is_unlabelled_and_grayscale_works() {
        let dir = tempfile::tempdir().unwrap();
        png(&dir.path().join("a.png"), 3, 3, [255, 255, 255]);
        let mut jpeg = Vec::new();
        image::RgbImage::from_pixel(16, 16, image::Rgb([0, 0, 0]))
            .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        std::fs::write(dir.path().join("b.JPEG"), jpeg).unwrap();
        let data =
            ImageFolder::from_config(ImageFolderConfig { channels: 1, size: [5, 5], ..config(dir.path()) }).unwrap();
        assert_eq!(data.schema(), Schema::image(1, 5, 5, None));
        let white = data.get(0).unwrap();
        assert_eq!((white.values.len(), white.label()), (1, None));
        assert!(white.pixels().iter().all(|&v| v == 1.0));
        let black = data.get(1).unwrap();
        assert!(black.pixels().iter().all(|&v| v < 0.05), "{:?}", black.pixels());
    }

    #[test]
    fn extensions_are_configurable() {
        let dir = tempfile::tempdir().unwrap();
        png(&dir.path().join("a.png"), 2, 2, [1, 2, 3]);
        png(&dir.path().join("b.img"), 2, 2, [1, 2, 3]);
        let data =
            ImageFolder::from_config(ImageFolderConfig { extensions: vec![".IMG".into()], ..config(dir.path()) })
                .unwrap();
        assert_eq!(data.len(), 1);
        assert_eq!(data.path(0).unwrap().file_name().unwrap(), "b.img");
        assert_eq!(data.get(0).unwrap().pixels().len(), 3 * 32 * 32);
    }

    #[test]
    fn corrupt_file_error_names_it() {
        let dir = tempfile::tempdir().unwrap();
        png(&dir.path().join("good.png"), 2, 2, [0, 0, 0]);
        let corrupt = dir.path().join("z-corrupt.png");
        std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\ntruncated").unwrap();
        let data = ImageFolder::from_config(config(dir.path())).unwrap();
        assert!(data.get(0).is_ok());
        let message = data.get(1).unwrap_err().to_string();
        assert!(message.starts_with(&format!("{}: cannot decode the image", corrupt.display())), "{message}");
    }

    #[test]
    fn config_errors_are_clear() {
        let dir = tempfile::tempdir().unwrap();
        let message = |config| ImageFolder::from_config(config).unwrap_err().to_string();
        assert!(message(ImageFolderConfig::default()).contains("set `dataset.dir`"));
        assert!(
            message(ImageFolderConfig { channels: 4, ..config(dir.path()) })
                .contains("`channels` is 4; use 1 (grayscale) or 3")
        );
        assert!(message(ImageFolderConfig { size: [0, 8], ..config(dir.path()) }).contains("`size` is [0, 8]"));
        assert!(
            message(ImageFolderConfig { extensions: vec![" ".into()], ..config(dir.path()) })
                .contains("`extensions` is empty")
        );
        assert!(message(config(dir.path())).contains("no images (extensions png, jpg, jpeg)"));
        let file = dir.path().join("file.png");
        png(&file, 1, 1, [0, 0, 0]);
        assert!(message(config(&file)).ends_with("not a folder; `dataset.dir` must name a folder of images"));
    }

    fn parse(yaml: &str) -> Result<ImageFolderConfig, String> {
        parse_yaml_section("dataset.image-folder", yaml).map_err(|error| error.to_string())
    }

    #[test]
    fn config_parses_with_defaults_and_did_you_mean() {
        let parsed = parse("{dir: photos, size: [64, 48], channels: 1}").unwrap();
        assert_eq!((parsed.size, parsed.channels, parsed.extensions.len()), ([64, 48], 1, 3));
        assert_eq!(parse("").unwrap().size, [32, 32]);
        assert_eq!(
            parse("chanels: 1").unwrap_err(),
            "dataset.image-folder: unknown field `chanels`, did you mean `channels`?"
        );
    }
}
