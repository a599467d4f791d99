//! Authentication sources that need std: credentials files re-read before
//! every connection attempt, and user callbacks.

use crate::slot::lock;
use natrs_core::auth::{AuthError, AuthProvider, Credentials, CredsText};
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The largest `.creds` file read: a user JWT and a seed take about 2 KiB.
pub(crate) const MAX_CREDS_FILE: u64 = 64 * 1024;

/// A `.creds` file, read again before every connection attempt (outside the
/// client's lock, see [`AuthProvider::load`]) so rotated credentials are
/// picked up on reconnect.
#[derive(Debug)]
pub(crate) struct CredsFile {
    path: PathBuf,
    /// What the last [`load`](AuthProvider::load) read, or why it failed.
    loaded: Mutex<Option<Result<CredsText, String>>>,
}

impl CredsFile {
    pub(crate) fn new(path: PathBuf) -> CredsFile {
        CredsFile {
            path,
            loaded: Mutex::new(None),
        }
    }

    fn read(&self) -> Result<CredsText, String> {
        let failed =
            |e: &dyn std::fmt::Display| format!("credentials file {}: {e}", self.path.display());
        let text = read_limited(&self.path).map_err(|e| failed(&e))?;
        // CredsText keeps the text in zeroizing storage and wipes it on drop.
        CredsText::new(text).map_err(|e| failed(&e))
    }
}

impl AuthProvider for CredsFile {
    fn load(&self) -> Result<(), AuthError> {
        let loaded = self.read();
        let outcome = match &loaded {
            Ok(_) => Ok(()),
            Err(e) => Err(AuthError::Provider(e.clone())),
        };
        *lock(&self.loaded) = Some(loaded);
        outcome
    }

    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        match &*lock(&self.loaded) {
            Some(Ok(text)) => text.credentials(nonce),
            Some(Err(e)) => Err(AuthError::Provider(e.clone())),
            None => Err(AuthError::Provider(format!(
                "credentials file {}: not read before the handshake",
                self.path.display()
            ))),
        }
    }
}

/// Reads a regular file of at most [`MAX_CREDS_FILE`] bytes. Anything else
/// fails at once: a FIFO or a device, whose open or read could block for
/// ever, is opened without blocking (on Unix) and refused.
fn read_limited(path: &Path) -> io::Result<String> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(
            "not a regular file (a FIFO, device or directory cannot be read as credentials)",
        ));
    }
    let too_large = || {
        io::Error::other(format!(
            "larger than the {} KiB a credentials file may have",
            MAX_CREDS_FILE / 1024
        ))
    };
    if meta.len() > MAX_CREDS_FILE {
        return Err(too_large());
    }
    // Room for all of it, so the text is not copied (and left unwiped) as it grows.
    let mut text = String::with_capacity(meta.len() as usize + 1);
    file.take(MAX_CREDS_FILE + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CREDS_FILE {
        return Err(too_large());
    }
    Ok(text)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

/// A user function producing credentials from the server nonce.
pub type AuthCallback = Arc<dyn Fn(Option<&str>) -> Result<Credentials, String> + Send + Sync>;

/// A user callback producing credentials from the server nonce.
pub(crate) struct CallbackAuth {
    pub(crate) callback: AuthCallback,
}

impl AuthProvider for CallbackAuth {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        (self.callback)(nonce).map_err(AuthError::Provider)
    }
}
