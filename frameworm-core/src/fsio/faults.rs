//! Injected I/O faults, for the fault tests only: each durable write of a run's files passes
//! through [`inject`] before its `write`, `fsync` and `rename`, naming the site and the step
//! (`checkpoint::write`, `metrics::fsync`, `export::rename`, …). Without the `failpoints`
//! feature (every normal build) [`inject`] is an empty inline function. With it (the test
//! builds: the root package dev-depends on itself with that feature), the points are those of the
//! [`fail`](https://docs.rs/fail) crate, armed from the `FAILPOINTS` environment variable
//! (`FAILPOINTS='checkpoint::rename=1*off->1*return'`: the second checkpoint rename fails once).

/// Where in a run's files a write happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// A checkpoint folder's files, its rename into place and its links.
    Checkpoint,
    /// The run folder's metrics logs (`metrics.csv`, `metrics.jsonl`).
    Metrics,
    /// `frameworm export` outputs.
    Export,
    /// Any other durable write (a run's `config.yaml`, images, plots).
    File,
}

/// The step of a durable write that may fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Writing the bytes.
    Write,
    /// Flushing them to disk.
    Fsync,
    /// Renaming the finished file or folder into place.
    Rename,
}

impl Site {
    /// The failpoint's name for `step` at this site, e.g. `checkpoint::rename`.
    #[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
    pub fn point(self, step: Step) -> &'static str {
        match (self, step) {
            (Site::Checkpoint, Step::Write) => "checkpoint::write",
            (Site::Checkpoint, Step::Fsync) => "checkpoint::fsync",
            (Site::Checkpoint, Step::Rename) => "checkpoint::rename",
            (Site::Metrics, Step::Write) => "metrics::write",
            (Site::Metrics, Step::Fsync) => "metrics::fsync",
            (Site::Metrics, Step::Rename) => "metrics::rename",
            (Site::Export, Step::Write) => "export::write",
            (Site::Export, Step::Fsync) => "export::fsync",
            (Site::Export, Step::Rename) => "export::rename",
            (Site::File, Step::Write) => "file::write",
            (Site::File, Step::Fsync) => "file::fsync",
            (Site::File, Step::Rename) => "file::rename",
        }
    }
}

/// `Err` (an injected I/O error naming the failpoint) when the failpoint of `step` at `site` is
/// armed and fires; `Ok` otherwise, and always without the `failpoints` feature.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn inject(_site: Site, _step: Step) -> std::io::Result<()> {
    Ok(())
}

/// `Err` (an injected I/O error naming the failpoint) when the failpoint of `step` at `site` is
/// armed and fires; `Ok` otherwise, and always without the `failpoints` feature.
#[cfg(feature = "failpoints")]
pub fn inject(site: Site, step: Step) -> std::io::Result<()> {
    static ARMED: std::sync::Once = std::sync::Once::new();
    // The points are armed once per process from `FAILPOINTS`; the scenario lives as long as
    // the process does.
    ARMED.call_once(|| std::mem::forget(fail::FailScenario::setup()));
    let point = site.point(step);
    fail::fail_point!(point, |_| Err(std::io::Error::other(format!("injected fault at failpoint `{point}`"))));
    Ok(())
}

#[cfg(all(test, feature = "failpoints"))]
mod tests {
    use super::*;

    #[test]
    fn an_armed_point_fails_as_often_as_told_and_names_itself() {
        inject(Site::Export, Step::Fsync).unwrap();
        fail::cfg("export::fsync", "1*off->1*return").unwrap();
        assert!(inject(Site::Export, Step::Fsync).is_ok());
        let error = inject(Site::Export, Step::Fsync).unwrap_err();
        assert!(error.to_string().contains("`export::fsync`"), "{error}");
        assert!(inject(Site::Export, Step::Fsync).is_ok());
        fail::remove("export::fsync");
    }
}
