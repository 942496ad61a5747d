//! TensorBoard event files: TFRecord framing of `tensorflow.Event` protocol buffers (the
//! messages of TensorFlow's `event.proto` and `summary.proto` that scalars need, declared with
//! `prost`), written by [`EventWriter`] and read back by [`read`] (the tests, and anyone who wants
//! a run's curves without TensorBoard).
//!
//! A record is `length: u64 LE`, `masked_crc32c(length): u32 LE`, `data`, `masked_crc32c(data):
//! u32 LE`, where `masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;

/// `tensorflow.Event`: when, at which step, and either the file version (first event) or a
/// summary.
#[derive(Clone, PartialEq, Message)]
pub struct Event {
    /// Seconds since the Unix epoch.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// The global step.
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// `brain.Event:2` in a file's first event, else empty.
    #[prost(string, tag = "3")]
    pub file_version: String,
    /// The values logged at this step.
    #[prost(message, optional, tag = "5")]
    pub summary: Option<Summary>,
}

/// `tensorflow.Summary`: values by tag.
#[derive(Clone, PartialEq, Message)]
pub struct Summary {
    /// The values.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<SummaryValue>,
}

/// `tensorflow.Summary.Value` with a scalar (`simple_value`, written even when 0).
#[derive(Clone, PartialEq, Message)]
pub struct SummaryValue {
    /// The curve's name.
    #[prost(string, tag = "1")]
    pub tag: String,
    /// The scalar.
    #[prost(float, optional, tag = "2")]
    pub simple_value: Option<f32>,
}

/// An event file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// A file system operation failed.
    #[error("{path}: {action}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The file is not a valid event file.
    #[error("{path}: byte {offset}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the bad record starts.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
}

/// TFRecord's CRC mask.
fn masked_crc(bytes: &[u8]) -> u32 {
    let crc = crc32c::crc32c(bytes);
    ((crc >> 15) | (crc << 17)).wrapping_add(0xa282_ead8)
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

/// This machine's name for the file name, as TensorBoard's own writers put it there.
fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|text| text.trim().to_string())
        .unwrap_or_default();
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.')).collect();
    if safe.is_empty() { "localhost".into() } else { safe }
}

/// Writers created by this process: the last part of a file name, so two writers started in the
/// same second never share a file.
static CREATED: AtomicU64 = AtomicU64::new(0);

/// Appends events to a new `events.out.tfevents.<secs>.<host>.<pid>.<n>` file.
#[derive(Debug)]
pub struct EventWriter {
    path: PathBuf,
    file: BufWriter<File>,
}

impl EventWriter {
    /// Creates folder `dir` if needed and a new event file in it, starting with the file-version
    /// event. Never overwrites a file.
    pub fn create(dir: &Path) -> Result<EventWriter, EventError> {
        std::fs::create_dir_all(dir).map_err(|source| EventError::Io { path: dir.to_path_buf(), action: "cannot create the folder", source })?;
        let wall_time = now();
        let name = format!(
            "events.out.tfevents.{}.{}.{}.{}",
            wall_time as u64,
            host_name(),
            std::process::id(),
            CREATED.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| EventError::Io { path: path.clone(), action: "cannot create", source })?;
        let mut writer = EventWriter { path, file: BufWriter::new(file) };
        writer.write(&Event { wall_time, step: 0, file_version: "brain.Event:2".into(), summary: None })?;
        writer.flush()?;
        Ok(writer)
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one scalar at `step` (as f32, TensorBoard's `simple_value`).
    pub fn scalar(&mut self, tag: &str, value: f64, step: u64) -> Result<(), EventError> {
        let value = SummaryValue { tag: tag.to_string(), simple_value: Some(value as f32) };
        self.write(&Event { wall_time: now(), step: step as i64, file_version: String::new(), summary: Some(Summary { value: vec![value] }) })
    }

    /// Writes one event as a TFRecord.
    pub fn write(&mut self, event: &Event) -> Result<(), EventError> {
        let data = event.encode_to_vec();
        let length = (data.len() as u64).to_le_bytes();
        let mut record = Vec::with_capacity(data.len() + 16);
        record.extend_from_slice(&length);
        record.extend_from_slice(&masked_crc(&length).to_le_bytes());
        record.extend_from_slice(&data);
        record.extend_from_slice(&masked_crc(&data).to_le_bytes());
        self.file.write_all(&record).map_err(|source| EventError::Io { path: self.path.clone(), action: "cannot write", source })
    }

    /// Hands the buffered events to the file system.
    pub fn flush(&mut self) -> Result<(), EventError> {
        self.file.flush().map_err(|source| EventError::Io { path: self.path.clone(), action: "cannot write", source })
    }
}

/// Every event of the file at `path`, both CRCs of each record checked.
pub fn read(path: &Path) -> Result<Vec<Event>, EventError> {
    let bytes = std::fs::read(path).map_err(|source| EventError::Io { path: path.to_path_buf(), action: "cannot read", source })?;
    let corrupt = |offset: usize, reason: String| EventError::Corrupt { path: path.to_path_buf(), offset, reason };
    let mut events = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let header = bytes.get(at..at + 12).ok_or_else(|| corrupt(at, "a record header cut short".into()))?;
        let (length, length_crc) = header.split_at(8);
        if masked_crc(length) != u32::from_le_bytes(length_crc.try_into().unwrap()) {
            return Err(corrupt(at, "the length's CRC does not match".into()));
        }
        let length = u64::from_le_bytes(length.try_into().unwrap());
        let data_end = usize::try_from(length).ok().and_then(|length| (at + 12).checked_add(length)).filter(|&end| end + 4 <= bytes.len());
        let end = data_end.ok_or_else(|| corrupt(at, format!("a record of {length} bytes runs past the end of the file")))?;
        let data = &bytes[at + 12..end];
        if masked_crc(data) != u32::from_le_bytes(bytes[end..end + 4].try_into().unwrap()) {
            return Err(corrupt(at, "the data's CRC does not match".into()));
        }
        events.push(Event::decode(data).map_err(|error| corrupt(at, format!("not an Event: {error}")))?);
        at = end + 4;
    }
    Ok(events)
}

/// The scalars of `event` as (tag, value, step).
pub fn scalars(event: &Event) -> Vec<(String, f32, i64)> {
    let values = event.summary.iter().flat_map(|summary| &summary.value);
    values.filter_map(|value| value.simple_value.map(|v| (value.tag.clone(), v, event.step))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC-32C's published check value, and the mask TensorFlow's `crc32c::Mask` applies.
    #[test]
    fn the_record_framing_is_tfrecords() {
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c::crc32c(&[0u8; 8]), 0x8c28_b28a);
        assert_eq!(masked_crc(&[0u8; 8]), ((0x8c28_b28au32 >> 15) | (0x8c28_b28au32 << 17)).wrapping_add(0xa282_ead8));
    }

    #[test]
    fn damaged_files_are_errors_naming_the_byte() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = EventWriter::create(dir.path()).unwrap();
        writer.scalar("loss", 0.0, 3).unwrap();
        writer.flush().unwrap();
        let path = writer.path().to_path_buf();
        let events = read(&path).unwrap();
        assert_eq!(scalars(&events[1]), [("loss".to_string(), 0.0, 3)], "a zero is written, not dropped");
        let bytes = std::fs::read(&path).unwrap();
        let first = 12 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize + 4;
        std::fs::write(&path, &bytes[..bytes.len() - 2]).unwrap();
        let error = read(&path).unwrap_err().to_string();
        assert!(error.contains(&format!("byte {first}: a record of")) && error.contains("runs past the end"), "{error}");
        let mut flipped = bytes.clone();
        flipped[first + 14] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("the data's CRC does not match"));
    }
}
