//! Layer 0, durable file writes: [`write_atomic`] (a temporary file, fsynced, renamed over the
//! target: readers see the old file or the new one, never half of one) and [`write_synced`]
//! (for a file inside a folder that is itself renamed into place once complete), plus
//! [`sync_dir`], which makes a rename durable. Errors name the file, the action and a fix.
//! Every write, fsync and rename passes a fault point first ([`faults`]: inert outside the
//! fault tests). Reads of untrusted files are bounded ([`bounded`]).

pub mod bounded;
pub mod faults;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use faults::{Site, Step, inject};

/// A file operation failed.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action}: {source}{}", io_hint(action))]
pub struct FileError {
    /// The file or folder.
    pub path: PathBuf,
    /// What was being done ("cannot create", "cannot write", …).
    pub action: &'static str,
    /// Why it failed.
    pub source: std::io::Error,
}

/// What to do about a failed file operation: writes fail for want of space or permission.
pub fn io_hint(action: &str) -> &'static str {
    if action.starts_with("cannot read") {
        ""
    } else {
        "; check that the folder is writable and its disk has free space, or set `output_dir` to another folder"
    }
}

/// Maps an I/O error on `path` during `action` to a [`FileError`].
pub fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(std::io::Error) -> FileError + 'a {
    move |source| FileError { path: path.to_path_buf(), action, source }
}

/// Writes `bytes` to `path` atomically (temporary file, flush, rename). On failure the
/// temporary file is removed and the previous file, if any, is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_at(Site::File, path, bytes)
}

/// [`write_atomic`] for the writes of `site` (its fault points).
pub(crate) fn write_atomic_at(site: Site, path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut file = File::create(&temporary).map_err(io(path, "cannot create"))?;
    let written = inject(site, Step::Write)
        .and_then(|()| file.write_all(bytes))
        .map_err(io(path, "cannot write"))
        .and_then(|()| inject(site, Step::Fsync).and_then(|()| file.sync_all()).map_err(io(path, "cannot flush to disk")))
        .and_then(|()| rename_at(site, &temporary, path).map_err(io(path, "cannot rename into place")));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Writes `bytes` to `path` and flushes them to disk (for files inside a folder that is still
/// being written, e.g. a trainer's own state inside a checkpoint).
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_synced_at(Site::File, path, bytes)
}

/// [`write_synced`] for the writes of `site` (its fault points).
pub(crate) fn write_synced_at(site: Site, path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut file = File::create(path).map_err(io(path, "cannot create"))?;
    inject(site, Step::Write).and_then(|()| file.write_all(bytes)).map_err(io(path, "cannot write"))?;
    sync_file_at(site, &file).map_err(io(path, "cannot flush to disk"))
}

/// `file.sync_all()` behind `site`'s fsync fault point.
pub(crate) fn sync_file_at(site: Site, file: &File) -> std::io::Result<()> {
    inject(site, Step::Fsync).and_then(|()| file.sync_all())
}

/// `fs::rename(from, to)` behind `site`'s rename fault point.
pub(crate) fn rename_at(site: Site, from: &Path, to: &Path) -> std::io::Result<()> {
    inject(site, Step::Rename).and_then(|()| fs::rename(from, to))
}

/// Flushes folder `dir`'s entries, so renames inside it survive a power cut. Some file systems
/// refuse a folder fsync, which is harmless.
pub fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("no-such-folder").join("b.txt");
        let error = write_atomic(&missing, b"x").unwrap_err();
        assert!(error.to_string().contains("cannot create"), "{error}");
    }
}
