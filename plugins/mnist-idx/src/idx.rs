//! The IDX file format of MNIST and Fashion-MNIST (<http://yann.lecun.com/exdb/mnist/>): a
//! big-endian header, then unsigned bytes.
//!
//! - images: magic `2051` (`0x00000803`: unsigned bytes, 3 dimensions), item count, rows,
//!   columns, then `count × rows × columns` pixels, row-major;
//! - labels: magic `2049` (`0x00000801`: unsigned bytes, 1 dimension), item count, then `count`
//!   labels.
//!
//! Files may be gzip-compressed (recognised by their magic bytes, whatever their name). Every
//! error names the file.

use std::path::{Path, PathBuf};

use frameworm_core::ComponentError;

/// The magic number of an IDX file of unsigned-byte images (3 dimensions).
pub const IMAGES_MAGIC: u32 = 2051;
/// The magic number of an IDX file of unsigned-byte labels (1 dimension).
pub const LABELS_MAGIC: u32 = 2049;

/// The pixels of an images file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Images {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count × rows × cols` pixel values, image after image, row-major.
    pub pixels: Vec<u8>,
}

/// `dir/stem` if it exists, else `dir/stem.gz`; an error naming both when neither does.
pub fn find(dir: &Path, stem: &str) -> Result<PathBuf, ComponentError> {
    let plain = dir.join(stem);
    if plain.is_file() {
        return Ok(plain);
    }
    let gzipped = dir.join(format!("{stem}.gz"));
    if gzipped.is_file() {
        return Ok(gzipped);
    }
    Err(ComponentError::Invalid(format!(
        "{}: no such file (nor {}); the folder must hold the MNIST IDX files \
         train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, \
         each gzipped (.gz) or not",
        plain.display(),
        gzipped.display()
    )))
}

/// Reads a file whole, decompressing it when it starts with the gzip magic bytes.
pub fn read(path: &Path) -> Result<Vec<u8>, ComponentError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ComponentError::Io { path: name.clone(), source })?;
    decode(bytes, &name)
}

/// A file's bytes as read, decompressed when they start with the gzip magic bytes; `name`
/// names the file in errors.
pub fn decode(bytes: Vec<u8>, name: &str) -> Result<Vec<u8>, ComponentError> {
    if let std::borrow::Cow::Owned(data) = frameworm_core::gunzip(&bytes, name)? {
        return Ok(data);
    }
    Ok(bytes)
}

/// Entry point of the `idx` fuzz target (`fuzz/`) and of the unit test replaying the inputs it
/// found: the first byte picks images (even) or labels (odd), the rest is a file as read from
/// disk (gzipped or not). Must return, never panic. Not part of the stable API.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else { return };
    let Ok(bytes) = decode(bytes.to_vec(), "fuzz") else { return };
    if which % 2 == 0 {
        let _ = parse_images(&bytes, "fuzz").map_err(|e| e.to_string());
    } else {
        let _ = parse_labels(&bytes, "fuzz", 10).map_err(|e| e.to_string());
    }
}

/// The first `N` big-endian `u32` header fields, or an error when the file is shorter than them
/// (`header_len`: the whole header's length in bytes, for the message).
fn header<const N: usize>(bytes: &[u8], name: &str, header_len: usize) -> Result<[u32; N], ComponentError> {
    if bytes.len() < 4 * N {
        return Err(ComponentError::Invalid(format!(
            "{name}: truncated: {} bytes, shorter than the {header_len}-byte IDX header",
            bytes.len()
        )));
    }
    let mut fields = [0u32; N];
    for (index, field) in fields.iter_mut().enumerate() {
        let at = 4 * index;
        *field = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    }
    Ok(fields)
}

fn check_magic(found: u32, expected: u32, name: &str, what: &str) -> Result<(), ComponentError> {
    if found == expected {
        return Ok(());
    }
    let hint = match found {
        IMAGES_MAGIC => " (that of an images file)",
        LABELS_MAGIC => " (that of a labels file)",
        _ => "",
    };
    Err(ComponentError::Invalid(format!(
        "{name}: wrong magic number {found}{hint}; an IDX {what} file starts with {expected}"
    )))
}

/// Checks that exactly `expected` bytes follow the header (`None`: the header's sizes overflow).
fn check_length(body: usize, expected: Option<usize>, promise: &str, name: &str) -> Result<(), ComponentError> {
    match expected {
        Some(expected) if body == expected => Ok(()),
        Some(expected) if body < expected => Err(ComponentError::Invalid(format!(
            "{name}: truncated: the header promises {promise} ({expected} bytes of data) but only {body} bytes follow"
        ))),
        Some(expected) => Err(ComponentError::Invalid(format!(
            "{name}: {body} bytes of data follow the header, more than the {expected} it promises ({promise}); \
             is this an IDX file?"
        ))),
        None => Err(ComponentError::Invalid(format!("{name}: the header promises an impossible size ({promise})"))),
    }
}

/// Parses an images file's bytes; `name` names the file in errors.
pub fn parse_images(bytes: &[u8], name: &str) -> Result<Images, ComponentError> {
    // The magic number first: a wrong file should be named as such, not as a short one.
    check_magic(header::<1>(bytes, name, 16)?[0], IMAGES_MAGIC, name, "images")?;
    let [_, count, rows, cols] = header::<4>(bytes, name, 16)?;
    let (count, rows, cols) = (count as usize, rows as usize, cols as usize);
    if rows == 0 || cols == 0 {
        return Err(ComponentError::Invalid(format!("{name}: the header gives images of {rows}×{cols} pixels")));
    }
    let expected = count.checked_mul(rows).and_then(|n| n.checked_mul(cols));
    let promise = format!("{count} images of {rows}×{cols}");
    check_length(bytes.len() - 16, expected, &promise, name)?;
    Ok(Images { count, rows, cols, pixels: bytes[16..].to_vec() })
}

/// Parses a labels file's bytes, each label below `classes`; `name` names the file in errors.
pub fn parse_labels(bytes: &[u8], name: &str, classes: usize) -> Result<Vec<u8>, ComponentError> {
    check_magic(header::<1>(bytes, name, 8)?[0], LABELS_MAGIC, name, "labels")?;
    let [_, count] = header::<2>(bytes, name, 8)?;
    let count = count as usize;
    check_length(bytes.len() - 8, Some(count), &format!("{count} labels"), name)?;
    let labels = &bytes[8..];
    if let Some(index) = labels.iter().position(|&label| usize::from(label) >= classes) {
        return Err(ComponentError::Invalid(format!(
            "{name}: label {} of item {index} is out of range; expected 0..={}",
            labels[index],
            classes - 1
        )));
    }
    Ok(labels.to_vec())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An images file: `count` images of `rows × cols`, pixel `p` of image `i` is `(i + p) % 256`.
    pub(crate) fn images_bytes(count: u32, rows: u32, cols: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        for field in [IMAGES_MAGIC, count, rows, cols] {
            bytes.extend(field.to_be_bytes());
        }
        for image in 0..count as usize {
            bytes.extend((0..(rows * cols) as usize).map(|pixel| ((image + pixel) % 256) as u8));
        }
        bytes
    }

    /// A labels file: label `i` is `i % 10`.
    pub(crate) fn labels_bytes(count: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        for field in [LABELS_MAGIC, count] {
            bytes.extend(field.to_be_bytes());
        }
        bytes.extend((0..count as usize).map(|index| (index % 10) as u8));
        bytes
    }

    fn message<T: std::fmt::Debug>(result: Result<T, ComponentError>) -> String {
        result.expect_err("the input is malformed").to_string()
    }

    #[test]
    fn parses_images_and_labels() {
        let images = parse_images(&images_bytes(3, 2, 4), "i").unwrap();
        assert_eq!((images.count, images.rows, images.cols, images.pixels.len()), (3, 2, 4, 24));
        assert_eq!(images.pixels[8..11], [1, 2, 3]);
        assert_eq!(parse_labels(&labels_bytes(12), "l", 10).unwrap()[11], 1);
    }

    #[test]
    fn wrong_magic_is_explained() {
        assert_eq!(
            message(parse_images(&labels_bytes(3), "x/train-images-idx3-ubyte")),
            "x/train-images-idx3-ubyte: wrong magic number 2049 (that of a labels file); an IDX images file starts with 2051"
        );
        let mut bytes = labels_bytes(1);
        bytes[3] = 7;
        assert_eq!(
            message(parse_labels(&bytes, "l", 10)),
            "l: wrong magic number 2055; an IDX labels file starts with 2049"
        );
    }

    #[test]
    fn truncated_and_oversized_files_are_errors() {
        assert_eq!(
            message(parse_images(&[0, 0, 8], "i")),
            "i: truncated: 3 bytes, shorter than the 16-byte IDX header"
        );
        assert_eq!(
            message(parse_images(&images_bytes(1, 1, 1)[..10], "i")),
            "i: truncated: 10 bytes, shorter than the 16-byte IDX header"
        );
        let mut bytes = images_bytes(2, 3, 3);
        bytes.pop();
        assert_eq!(
            message(parse_images(&bytes, "i")),
            "i: truncated: the header promises 2 images of 3×3 (18 bytes of data) but only 17 bytes follow"
        );
        let mut bytes = labels_bytes(4);
        bytes.push(0);
        assert!(
            message(parse_labels(&bytes, "l", 10)).starts_with("l: 5 bytes of data follow the header, more than the 4")
        );
        let mut huge = images_bytes(0, 1, 1);
        huge[4..16].copy_from_slice(&[255; 12]);
        assert!(message(parse_images(&huge, "i")).contains("impossible size"));
    }

    /// Every input in `fuzz/regressions/idx/` (inputs that once crashed the fuzz target) and
    /// the seed corpus `fuzz/seeds/idx/` runs through [`fuzz_one`] without a panic; both folders
    /// must exist, and the count of inputs run is pinned.
    #[test]
    fn fuzz_regressions_do_not_panic() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut count = 0;
        for folder in ["regressions/idx", "seeds/idx"] {
            let dir = root.join(folder);
            let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}; the fuzz corpus must be committed", dir.display()));
            for entry in entries.map(Result::unwrap).filter(|entry| entry.file_name() != "README.md") {
                fuzz_one(&std::fs::read(entry.path()).unwrap());
                count += 1;
            }
        }
        // 4 seeds (images and labels, plain and gzipped); no regression yet.
        assert_eq!(count, 4);
    }

    #[test]
    fn out_of_range_labels_and_empty_images_are_errors() {
        let mut bytes = labels_bytes(3);
        bytes[9] = 10;
        assert_eq!(message(parse_labels(&bytes, "l", 10)), "l: label 10 of item 1 is out of range; expected 0..=9");
        assert_eq!(message(parse_images(&images_bytes(1, 0, 5), "i")), "i: the header gives images of 0×5 pixels");
    }
}
