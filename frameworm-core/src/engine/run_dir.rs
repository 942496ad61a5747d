//! The run folder `runs/<name>-<timestamp>/`: the resolved `config.yaml`, `metrics.csv` (one row
//! per epoch, one column per metric), `metrics.jsonl` (one object per logged step),
//! `checkpoints/`, and `train.lock`, which the training process holds ([`RunLock`]) so that
//! a second `frameworm train` cannot write into the same folder.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::contract::Metrics;
use crate::fsio::faults::{Site, Step, inject};
use crate::fsio::{FileError, io, sync_file_at, write_atomic_at};

/// A run folder could not be written.
pub type RunDirError = FileError;

/// The lock file in a run folder; it holds the pid of the process that locked it last.
pub const LOCK_FILE: &str = "train.lock";

/// The run folder is locked by another process, or the lock file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process trains into the folder.
    #[error(
        "run folder {} is in use by another `frameworm train` ({holder}); two runs writing one folder would \
         interleave their checkpoints and logs: wait for it to finish or stop it (a killed run leaves no lock behind), \
         or train into a new folder (without --resume)",
        dir.display()
    )]
    Busy {
        /// The run folder.
        dir: PathBuf,
        /// Who holds it: `pid N`, or that the pid is not known.
        holder: String,
    },
    /// The lock file cannot be opened, locked or written.
    #[error(transparent)]
    Io(#[from] RunDirError),
}

/// An exclusive advisory lock on a run folder (`flock` on `train.lock`), held for as long as
/// this value lives. The operating system releases it when the process ends, however it ends,
/// so a run killed with SIGKILL never blocks a later `--resume`; the file itself stays (it is
/// never removed, which would let two processes lock two different files of the same name).
#[derive(Debug)]
pub struct RunLock {
    file: File,
    #[cfg_attr(not(test), allow(dead_code))]
    path: PathBuf,
}

impl RunLock {
    /// Locks run folder `dir`, or says which process holds it.
    pub fn acquire(dir: &Path) -> Result<RunLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path, "cannot open the lock file"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::Busy { dir: dir.to_path_buf(), holder: holder(&path) });
            }
            // A file system without locks (some network mounts): train unlocked, as before.
            Err(std::fs::TryLockError::Error(error)) if error.kind() == std::io::ErrorKind::Unsupported => {}
            Err(std::fs::TryLockError::Error(error)) => return Err(io(&path, "cannot lock")(error).into()),
        }
        file.set_len(0).map_err(io(&path, "cannot write"))?;
        file.write_all(format!("{}\n", std::process::id()).as_bytes()).map_err(io(&path, "cannot write"))?;
        file.flush().map_err(io(&path, "cannot write"))?;
        Ok(RunLock { file, path })
    }

    /// The lock file (tests read the pid in it).
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the order explicit.
        let _ = self.file.unlock();
    }
}

/// `pid N` from a lock file whose lock is held (the holder may not have written it yet).
fn holder(path: &Path) -> String {
    for attempt in 0..20 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Ok(text) = fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse::<u32>()
        {
            return format!("pid {pid}");
        }
    }
    "a process whose pid is not recorded".to_string()
}

/// Removes what killed processes left half-written in run folder `dir`: temporary files of
/// [`write_atomic`](crate::fsio::write_atomic) and temporary checkpoint folders and links. Call it only while holding the
/// folder's [`RunLock`]: then no other process can be writing them.
pub fn remove_leftovers(dir: &Path) {
    let is_temporary = |name: &str, prefix: bool| {
        if prefix { name.starts_with(".tmp-") || name.starts_with(".old-") } else { name.rsplit_once('.').is_some_and(|(_, ext)| ext.starts_with("tmp-")) }
    };
    for (folder, prefix) in [(dir.to_path_buf(), false), (dir.join("checkpoints"), true)] {
        let Ok(entries) = fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_temporary(&name, prefix) {
                continue;
            }
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => {
                    let _ = fs::remove_dir_all(&path);
                }
                Ok(_) => {
                    let _ = fs::remove_file(&path);
                }
                Err(_) => {}
            }
        }
    }
}

/// Creates a fresh run folder `<output>/<name>-<YYYYmmdd-HHMMSS>` (suffixed `-2`, `-3`, … if taken).
pub fn create(output: &Path, name: &str) -> Result<PathBuf, RunDirError> {
    fs::create_dir_all(output).map_err(io(output, "cannot create output folder"))?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    for attempt in 1.. {
        let folder = if attempt == 1 { format!("{name}-{stamp}") } else { format!("{name}-{stamp}-{attempt}") };
        let path = output.join(folder);
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(io(&path, "cannot create run folder")(error)),
        }
    }
    unreachable!("the attempt counter is unbounded")
}

/// The newest run folder of run `name` under `output` that holds a checkpoint.
pub fn latest_with_checkpoint(output: &Path, name: &str) -> Option<PathBuf> {
    let prefix = format!("{name}-");
    let mut candidates: Vec<PathBuf> = fs::read_dir(output)
        .ok()?
        .flatten()
        .filter(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            file.strip_prefix(&prefix).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .map(|entry| entry.path())
        .filter(|path| super::checkpoint::follow_link(&path.join("checkpoints"), "latest").is_some())
        .collect();
    // Folder names end in a sortable timestamp; modification time breaks ties.
    candidates.sort_by_key(|path| (path.file_name().map(|n| n.to_os_string()), fs::metadata(path).and_then(|m| m.modified()).ok()));
    candidates.pop()
}

/// Appends rows to `metrics.csv` and `metrics.jsonl`.
pub struct MetricsLog {
    csv_path: PathBuf,
    columns: Vec<String>,
    csv: BufWriter<File>,
    jsonl_path: PathBuf,
    jsonl: BufWriter<File>,
    /// The step row being serialised (reused: no allocation per step).
    row: Vec<u8>,
    /// When `metrics.jsonl` was last flushed.
    flushed: Instant,
}

/// Step rows reach the file at least this often (`tail -f metrics.jsonl` follows the run) and
/// at every epoch row and checkpoint; a write per step would cost a system call per step.
const STEP_FLUSH_INTERVAL: Duration = Duration::from_millis(500);

impl MetricsLog {
    /// Opens the logs of `run_dir` with metric columns `columns`. When resuming at `step` after
    /// `epochs` finished epochs, rows written after that point (by a run that died before its
    /// next checkpoint) are dropped first, so the logs read as one uninterrupted run.
    pub fn open(run_dir: &Path, columns: Vec<String>, resume: Option<(usize, u64)>) -> Result<MetricsLog, RunDirError> {
        let csv_path = run_dir.join("metrics.csv");
        let jsonl_path = run_dir.join("metrics.jsonl");
        let mut columns = columns;
        if let Some((epochs, step)) = resume {
            if let Some(header) = keep_rows(&csv_path, |line| first_field(line).is_some_and(|epoch| epoch <= epochs as u64))? {
                // Keep the original column order so old and new rows line up.
                columns = header.split(',').skip(2).map(str::to_string).collect();
            }
            keep_rows(&jsonl_path, |line| json_step(line).is_some_and(|s| s <= step))?;
        }
        // Empty too when a run was killed before its header reached the file.
        let new_csv = !fs::metadata(&csv_path).is_ok_and(|m| m.len() > 0);
        let csv_file = OpenOptions::new().create(true).append(true).open(&csv_path).map_err(io(&csv_path, "cannot open"))?;
        let mut csv = BufWriter::new(csv_file);
        if new_csv {
            writeln!(csv, "epoch,step,{}", columns.join(",")).map_err(io(&csv_path, "cannot write"))?;
            csv.flush().map_err(io(&csv_path, "cannot write"))?;
        }
        let jsonl_file = OpenOptions::new().create(true).append(true).open(&jsonl_path).map_err(io(&jsonl_path, "cannot open"))?;
        Ok(MetricsLog {
            csv_path,
            columns,
            csv,
            jsonl_path,
            jsonl: BufWriter::new(jsonl_file),
            row: Vec::new(),
            flushed: Instant::now(),
        })
    }

    /// One epoch row; metrics without a column are ignored, columns without a value left empty.
    /// Both logs are flushed to disk with it: an epoch's rows survive a power cut.
    pub fn epoch(&mut self, epoch: usize, step: u64, metrics: &Metrics) -> Result<(), RunDirError> {
        let values: Vec<String> = self.columns.iter().map(|c| metrics.get(c).map(|v| format!("{v}")).unwrap_or_default()).collect();
        inject(Site::Metrics, Step::Write)
            .and_then(|()| writeln!(self.csv, "{epoch},{step},{}", values.join(",")))
            .map_err(io(&self.csv_path, "cannot write"))?;
        self.flush()?;
        sync_file_at(Site::Metrics, self.csv.get_ref()).map_err(io(&self.csv_path, "cannot flush to disk"))?;
        sync_file_at(Site::Metrics, self.jsonl.get_ref()).map_err(io(&self.jsonl_path, "cannot flush to disk"))
    }

    /// One step row. The row goes to the buffer in one piece, so the file only ever holds whole
    /// lines; the buffer is flushed every [`STEP_FLUSH_INTERVAL`].
    pub fn step(&mut self, row: &serde_json::Value) -> Result<(), RunDirError> {
        self.row.clear();
        serde_json::to_writer(&mut self.row, row).map_err(|e| io(&self.jsonl_path, "cannot write")(e.into()))?;
        self.row.push(b'\n');
        self.jsonl.write_all(&self.row).map_err(io(&self.jsonl_path, "cannot write"))?;
        if self.flushed.elapsed() >= STEP_FLUSH_INTERVAL {
            self.jsonl.flush().map_err(io(&self.jsonl_path, "cannot write"))?;
            self.flushed = Instant::now();
        }
        Ok(())
    }

    /// Flushes both files.
    pub fn flush(&mut self) -> Result<(), RunDirError> {
        self.flushed = Instant::now();
        self.csv.flush().map_err(io(&self.csv_path, "cannot write"))?;
        self.jsonl.flush().map_err(io(&self.jsonl_path, "cannot write"))
    }
}

fn first_field(line: &str) -> Option<u64> {
    line.split(',').next()?.parse().ok()
}

fn json_step(line: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(line).ok()?.get("step")?.as_u64()
}

/// Rewrites `path` keeping its first line (returned) and the other lines `keep` accepts.
fn keep_rows(path: &Path, keep: impl Fn(&str) -> bool) -> Result<Option<String>, RunDirError> {
    let Ok(file) = File::open(path) else { return Ok(None) };
    let mut lines = BufReader::new(file).lines();
    let mut out = String::new();
    let header = match lines.next() {
        Some(line) => line.map_err(io(path, "cannot read"))?,
        None => return Ok(None),
    };
    let is_csv = path.extension().is_some_and(|e| e == "csv");
    if is_csv || keep(&header) {
        out.push_str(&header);
        out.push('\n');
    }
    for line in lines {
        let line = line.map_err(io(path, "cannot read"))?;
        if keep(&line) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    write_atomic_at(Site::Metrics, path, out.as_bytes())?;
    Ok(is_csv.then_some(header))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_folder_is_refused_naming_the_holder_until_the_lock_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let lock = RunLock::acquire(dir.path()).unwrap();
        assert_eq!(fs::read_to_string(lock.path()).unwrap(), format!("{}\n", std::process::id()));
        // flock locks belong to an open file: a second open is refused even in this process.
        let error = RunLock::acquire(dir.path()).unwrap_err().to_string();
        let expected = format!("run folder {} is in use by another `frameworm train` (pid {})", dir.path().display(), std::process::id());
        assert!(error.starts_with(&expected), "{error}");
        drop(lock);
        let again = RunLock::acquire(dir.path()).unwrap();
        drop(again);
    }

    #[test]
    fn leftovers_of_killed_writers_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let checkpoints = dir.path().join("checkpoints");
        fs::create_dir_all(checkpoints.join(".tmp-step-00000004-77")).unwrap();
        fs::create_dir_all(checkpoints.join("step-00000003")).unwrap();
        fs::write(checkpoints.join(".tmp-latest-77"), b"").unwrap();
        fs::write(dir.path().join("metrics.tmp-77"), b"half").unwrap();
        fs::write(dir.path().join("metrics.csv"), b"epoch,step\n").unwrap();
        remove_leftovers(dir.path());
        let mut left: Vec<String> = fs::read_dir(dir.path()).unwrap().chain(fs::read_dir(&checkpoints).unwrap()).flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, ["checkpoints", "metrics.csv", "step-00000003"]);
    }
}
