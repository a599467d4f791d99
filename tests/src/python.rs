//! nats-py, the Python client, for interoperability tests: a test runs a
//! small Python script that talks to what natrs serves (the Service API's
//! discovery replies, for example) with nats-py's own parsers.
//!
//! [`nats_py_dir`] finds the package, first hit wins:
//! 1. `NATRS_NATS_PY_DIR`: a directory holding the `nats` package (an error if it
//!    does not).
//! 2. The project cache `<workspace root>/target/nats-py/<NATS_PY_VERSION>`. When it
//!    is missing it is installed there with
//!    `python3 -m pip install --target <dir> nats-py==<NATS_PY_VERSION>` under a
//!    cross-process file lock, as the nats-server binary is (nats-py is pure Python
//!    and needs nothing else).
//!
//! [`python`] is a `python3` command that imports it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::binary::{tail_lines, workspace_root};
use crate::error::{HarnessError, Result};
use crate::pip;

/// The nats-py release the interoperability tests use.
pub const NATS_PY_VERSION: &str = "2.16.0";

/// Environment variable naming a directory that holds the `nats` package.
pub const NATS_PY_DIR_ENV: &str = "NATRS_NATS_PY_DIR";

/// The directory to put on `PYTHONPATH` for nats-py (looked up, and
/// installed when needed, once per process).
pub fn nats_py_dir() -> Result<PathBuf> {
    static FOUND: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| find().map_err(|e| e.to_string()))
        .clone()
        .map_err(HarnessError::PythonPackage)
}

/// `python3` with nats-py on its `PYTHONPATH`.
pub fn python() -> Result<Command> {
    let dir = nats_py_dir()?;
    let mut command = Command::new("python3");
    command
        .env("PYTHONPATH", dir)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    Ok(command)
}

fn has_package(dir: &Path) -> bool {
    dir.join("nats").join("micro").join("service.py").is_file()
}

fn find() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(NATS_PY_DIR_ENV).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        if has_package(&dir) {
            return Ok(dir);
        }
        return Err(HarnessError::PythonPackage(format!(
            "{NATS_PY_DIR_ENV}={} holds no nats package (nats/micro/service.py)",
            dir.display()
        )));
    }
    install(&workspace_root().join("target").join("nats-py"))
}

/// Makes sure `<root>/<NATS_PY_VERSION>` holds nats-py, installing it with pip
/// (into a `.partial` directory renamed into place when complete) under an
/// exclusive lock on `<root>/<NATS_PY_VERSION>.lock`.
pub fn install(root: &Path) -> Result<PathBuf> {
    let slot = pip::lock(root, NATS_PY_VERSION)?;
    if has_package(&slot.dir) {
        return Ok(slot.dir);
    }
    slot.clear()?;
    eprintln!(
        "natrs-tests: installing nats-py {NATS_PY_VERSION} into {} (pip install nats-py)",
        slot.dir.display()
    );
    let output = slot
        .pip(&format!("nats-py=={NATS_PY_VERSION}"), &["--no-deps"])
        .output()
        .map_err(|e| HarnessError::PythonPackage(format!("could not run python3: {e}")))?;
    if !output.status.success() {
        return Err(HarnessError::PythonPackage(format!(
            "pip install nats-py=={NATS_PY_VERSION} failed ({}): {}",
            output.status,
            tail_lines(&String::from_utf8_lossy(&output.stderr), 15)
        )));
    }
    if !has_package(&slot.partial) {
        return Err(HarnessError::PythonPackage(format!(
            "pip succeeded but {} holds no nats package",
            slot.partial.display()
        )));
    }
    slot.finish()?;
    Ok(slot.dir.clone())
}
