//! Bounded reads of untrusted files: [`read_at_most`] reads a whole file only when it is no
//! larger than a limit the caller derives from what the file can legitimately hold (a config's
//! text, a checkpoint of this model's parameter count), so a damaged or hostile file cannot make
//! Frameworm allocate without bound. The refusal is an I/O error of kind `FileTooLarge` whose
//! message gives the size, the limit and what the limit is for, so every caller's existing
//! "`path`: cannot read: …" error carries it.

use std::fs::File;
use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// The contents of `path` if it holds at most `limit` bytes; `what` names the limit in the error
/// ("a config file", "a model of 1,234 parameters"). The size is checked before reading and the
/// read itself stops one byte past the limit, so a file that grows meanwhile is refused too.
pub fn read_at_most(path: &Path, limit: u64, what: &str) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    if size > limit {
        return Err(too_large(size, limit, what));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit, what));
    }
    Ok(bytes)
}

/// [`read_at_most`] as UTF-8 text.
pub fn read_text_at_most(path: &Path, limit: u64, what: &str) -> std::io::Result<String> {
    String::from_utf8(read_at_most(path, limit, what)?).map_err(|error| Error::new(ErrorKind::InvalidData, format!("not UTF-8 text: {}", error.utf8_error())))
}

fn too_large(size: u64, limit: u64, what: &str) -> Error {
    Error::new(ErrorKind::FileTooLarge, format!("the file holds {size} bytes, more than the {limit} allowed for {what}"))
}

/// Bytes in a mebibyte, for limits.
pub const MIB: u64 = 1 << 20;

/// The limit for a file of `params` parameters at most `bytes_each` bytes apiece, plus 16 MiB
/// for tensor names, shapes and metadata (a model's or an optimizer's state in a checkpoint).
pub fn per_parameter_limit(params: usize, bytes_each: u64) -> u64 {
    (params as u64).saturating_mul(bytes_each).saturating_add(16 * MIB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_with_its_size_and_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![7u8; 100]).unwrap();
        assert_eq!(read_at_most(&path, 100, "a test").unwrap().len(), 100);
        let error = read_at_most(&path, 99, "a test").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::FileTooLarge);
        assert_eq!(error.to_string(), "the file holds 100 bytes, more than the 99 allowed for a test");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(read_text_at_most(&path, 10, "a test").unwrap_err().to_string().starts_with("not UTF-8 text"));
        assert_eq!(read_at_most(&dir.path().join("missing"), 10, "a test").unwrap_err().kind(), ErrorKind::NotFound);
    }
}
