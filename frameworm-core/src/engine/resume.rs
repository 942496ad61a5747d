//! Where a run lives and what it resumes from: `--resume auto|PATH` resolved to a checkpoint
//! folder, and the run folder it sits in locked before anything is read from it (one writer per
//! run folder), with the leftovers of killed writers removed under that lock.

use std::path::{Path, PathBuf};

use super::checkpoint;
use super::run_dir::{self, RunLock};
use super::error::TrainError;
use super::options::Resume;
use crate::config::Config;

/// What a run resumes from, if anything.
pub struct ResumeTarget {
    /// The checkpoint folder to restore.
    pub checkpoint: Option<PathBuf>,
    /// The run folder it belongs to, which the run continues in.
    pub folder: Option<PathBuf>,
    /// The lock on that folder, held from here to the run's end.
    pub lock: Option<RunLock>,
}

/// Resolves `resume` for `config`. A second `train` into a locked folder is refused here,
/// before anything is read or written.
pub fn locate(config: &Config, resume: Option<&Resume>) -> Result<ResumeTarget, TrainError> {
    let run = &config.run;
    let from = match resume {
        None => return Ok(ResumeTarget { checkpoint: None, folder: None, lock: None }),
        Some(Resume::Path(path)) => path.clone(),
        Some(Resume::Auto) => {
            let name = config.run_name();
            run_dir::latest_with_checkpoint(&run.output_dir, &name).ok_or_else(|| {
                TrainError::Resume(format!("no run folder `{name}-*` with a checkpoint under {}; start without --resume", run.output_dir.display()))
            })?
        }
    };
    let dir = checkpoint::resolve(&from)?;
    // Resuming `<run>/checkpoints/step-N` continues in `<run>`.
    let Some(folder) = run_folder_of(&dir) else { return Ok(ResumeTarget { checkpoint: Some(dir), folder: None, lock: None }) };
    let lock = RunLock::acquire(&folder)?;
    run_dir::remove_leftovers(&folder);
    // Under the lock, `latest` can no longer move: resolve it again (a run that held the
    // folder a moment ago may have moved it and pruned the folder it pointed to).
    let dir = checkpoint::resolve(&from)?;
    Ok(ResumeTarget { checkpoint: Some(dir), folder: Some(folder), lock: Some(lock) })
}

/// The run folder a checkpoint folder belongs to (`<run>/checkpoints/step-N` → `<run>`), if it
/// sits in one.
fn run_folder_of(checkpoint_dir: &Path) -> Option<PathBuf> {
    checkpoint_dir.parent().filter(|p| p.file_name().is_some_and(|n| n == "checkpoints")).and_then(Path::parent).map(Path::to_path_buf)
}
