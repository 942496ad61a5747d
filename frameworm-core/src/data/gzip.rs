//! Reading data files that may be gzipped: [`gunzip`] passes plain bytes through and
//! decompresses those that start with the gzip magic bytes, so every dataset plugin accepts
//! `file` and `file.gz` alike with the same error for a damaged archive.

use std::borrow::Cow;
use std::io::Read;

use crate::contract::ComponentError;

/// `bytes` itself, or its decompressed contents when it starts with the gzip magic bytes (all
/// members of a multi-member archive); `origin` names the input in errors.
pub fn gunzip<'a>(bytes: &'a [u8], origin: &str) -> Result<Cow<'a, [u8]>, ComponentError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut data = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut data)
        .map_err(|error| ComponentError::Invalid(format!("{origin}: cannot decompress the gzip data: {error}")))?;
    Ok(Cow::Owned(data))
}
