//! Reading data files that may be gzipped: [`gunzip`] passes plain bytes through and
//! decompresses those that start with the gzip magic bytes, so every dataset plugin accepts
//! `file` and `file.gz` alike with the same error for a damaged archive. Decompression is
//! bounded ([`inflate_limit`]): a small file crafted to inflate without bound (a "gzip bomb")
//! is refused once it passes the limit, before it exhausts memory.

use std::borrow::Cow;
use std::io::Read;

use crate::contract::ComponentError;

/// The inflated size every compressed input may reach whatever its ratio (64 MiB).
pub const MIN_INFLATE_LIMIT: u64 = 64 << 20;

/// The compression ratio past which an input larger than [`MIN_INFLATE_LIMIT`] is refused:
/// real data sets compress 2–20× (MNIST's images about 5×), deflate's worst case is about
/// 1032×.
pub const MAX_INFLATE_RATIO: u64 = 100;

/// How far `compressed` bytes of gzip data may inflate: [`MAX_INFLATE_RATIO`] times their size,
/// and never less than [`MIN_INFLATE_LIMIT`].
pub fn inflate_limit(compressed: usize) -> u64 {
    (compressed as u64).saturating_mul(MAX_INFLATE_RATIO).max(MIN_INFLATE_LIMIT)
}

/// `bytes` itself, or its decompressed contents when it starts with the gzip magic bytes (all
/// members of a multi-member archive), at most 100 times the compressed size or 64 MiB of them,
/// whichever is more (past that, an error: a small file crafted to inflate without bound is
/// refused); `origin` names the input in errors.
pub fn gunzip<'a>(bytes: &'a [u8], origin: &str) -> Result<Cow<'a, [u8]>, ComponentError> {
    gunzip_at_most(bytes, origin, inflate_limit(bytes.len()))
}

/// [`gunzip`] with an explicit bound on the decompressed size.
pub fn gunzip_at_most<'a>(bytes: &'a [u8], origin: &str, limit: u64) -> Result<Cow<'a, [u8]>, ComponentError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut data = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|error| ComponentError::Invalid(format!("{origin}: cannot decompress the gzip data: {error}")))?;
    if data.len() as u64 > limit {
        return Err(ComponentError::Invalid(format!(
            "{origin}: the gzip data inflates past {limit} bytes from {} compressed (more than {MAX_INFLATE_RATIO}× and {} MiB), \
             the limit for a compressed input; if the data is genuine, decompress it with `gunzip` and use the plain file",
            bytes.len(),
            MIN_INFLATE_LIMIT >> 20
        )));
    }
    Ok(Cow::Owned(data))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// `frameworm_core::testing::gzip`'s twin: the layering rule keeps `data` (layer 2), tests
    /// included, off the crate's edge modules.
    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_bytes_pass_and_gzip_is_decompressed() {
        assert!(matches!(gunzip(b"plain", "f").unwrap(), Cow::Borrowed(b"plain")));
        assert_eq!(gunzip(&gzip(b"hello"), "f").unwrap().as_ref(), b"hello");
        let mut two = gzip(b"one ");
        two.extend(gzip(b"two"));
        assert_eq!(gunzip(&two, "f").unwrap().as_ref(), b"one two", "every member of a multi-member archive");
        let damaged = &gzip(b"hello world")[..12];
        assert!(gunzip(damaged, "x.gz").unwrap_err().to_string().starts_with("x.gz: cannot decompress the gzip data"));
    }

    /// A 130 KiB file of 128 MiB of zeros (about 1000×) stops at the 64 MiB floor; the same data
    /// under an explicit limit stops there, and data at the limit passes.
    #[test]
    fn a_small_gzip_bomb_is_refused_at_the_limit() {
        let bomb = gzip(&vec![0u8; 128 << 20]);
        assert!(bomb.len() < 256 << 10, "{} bytes", bomb.len());
        let message = gunzip(&bomb, "train.csv.gz").unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("train.csv.gz: the gzip data inflates past {} bytes from {} compressed", 64 << 20, bomb.len())),
            "{message}"
        );
        assert!(message.contains("decompress it with `gunzip`"), "{message}");
        let small = gzip(&[1u8; 4096]);
        assert!(gunzip_at_most(&small, "f", 4095).is_err());
        assert_eq!(gunzip_at_most(&small, "f", 4096).unwrap().len(), 4096);
        assert_eq!(inflate_limit(10 << 20), 1000 << 20, "a 10 MiB file may inflate 100×");
    }
}
