//! Contexts in the nats CLI's format: `<config>/nats/context/<name>.json`,
//! the selected one named in `<config>/nats/context.txt`, where `<config>`
//! is `$XDG_CONFIG_HOME` or `~/.config`.
//!
//! A context is kept as the JSON object it was read as, so fields natrs does
//! not use (`color_scheme`, `nsc`, ...) survive a save unchanged.

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// The string fields of a context that natrs reads and writes, with their
/// names in the file.
pub(crate) const FIELDS: &[&str] = &[
    "description",
    "url",
    "user",
    "password",
    "token",
    "creds",
    "nkey",
    "cert",
    "key",
    "ca",
    "jetstream_domain",
    "jetstream_api_prefix",
    "inbox_prefix",
];

/// Fields whose values are secrets: shown masked in tables.
pub(crate) const SECRET_FIELDS: &[&str] = &["password", "token"];

/// One context file.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// Its name (the file name without `.json`).
    pub(crate) name: String,
    /// Its contents, unknown fields included.
    pub(crate) fields: Map<String, Value>,
}

impl Context {
    /// An empty context named `name`.
    pub(crate) fn new(name: &str) -> Result<Context> {
        check_name(name)?;
        Ok(Context {
            name: name.to_string(),
            fields: Map::new(),
        })
    }

    /// A string field; empty strings count as unset.
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// `tls_first`.
    pub(crate) fn tls_first(&self) -> bool {
        self.fields
            .get("tls_first")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Sets a string field.
    pub(crate) fn set(&mut self, field: &str, value: &str) {
        self.fields
            .insert(field.to_string(), Value::String(value.to_string()));
    }

    /// Sets `tls_first`.
    pub(crate) fn set_tls_first(&mut self, on: bool) {
        self.fields.insert("tls_first".to_string(), Value::Bool(on));
    }

    /// Fails for settings natrs cannot honour, rather than connecting
    /// without them.
    pub(crate) fn check_supported(&self) -> Result<()> {
        for field in ["socks_proxy", "nsc", "user_jwt", "windows_cert_store"] {
            if self.get(field).is_some() {
                bail!(
                    "context {:?} sets {field}, which natrs does not support",
                    self.name
                );
            }
        }
        Ok(())
    }
}

/// Context names are file names: no path separators, no dot files.
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.starts_with('.')
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        bail!("invalid context name {name:?}");
    }
    Ok(())
}

/// `<config>/nats`.
fn nats_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("nats"));
    }
    let home = std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| anyhow!("neither XDG_CONFIG_HOME nor HOME is set"))?;
    Ok(PathBuf::from(home).join(".config").join("nats"))
}

fn context_dir() -> Result<PathBuf> {
    Ok(nats_dir()?.join("context"))
}

fn context_path(name: &str) -> Result<PathBuf> {
    check_name(name)?;
    Ok(context_dir()?.join(format!("{name}.json")))
}

/// Whether a context of that name exists.
pub(crate) fn exists(name: &str) -> Result<bool> {
    Ok(context_path(name)?.is_file())
}

/// Reads the context `name`.
pub(crate) fn load(name: &str) -> Result<Context> {
    let path = context_path(name)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow!("unknown context {name:?} (no {})", path.display())
        } else {
            anyhow!("cannot read {}: {e}", path.display())
        }
    })?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("invalid context file {}", path.display()))?;
    let Value::Object(fields) = value else {
        bail!("invalid context file {}: not a JSON object", path.display());
    };
    Ok(Context {
        name: name.to_string(),
        fields,
    })
}

/// Writes `context`, creating the directory if needed.
pub(crate) fn save(context: &Context) -> Result<PathBuf> {
    let path = context_path(&context.name)?;
    let dir = context_dir()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut text = serde_json::to_string_pretty(&Value::Object(context.fields.clone()))?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Removes the context `name`.
pub(crate) fn remove(name: &str) -> Result<()> {
    let path = context_path(name)?;
    std::fs::remove_file(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow!("unknown context {name:?}")
        } else {
            anyhow!("cannot remove {}: {e}", path.display())
        }
    })?;
    if selected()?.as_deref() == Some(name) {
        let _ = std::fs::remove_file(nats_dir()?.join("context.txt"));
    }
    Ok(())
}

/// The names of all contexts, sorted.
pub(crate) fn names() -> Result<Vec<String>> {
    let dir = context_dir()?;
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => bail!("cannot read {}: {e}", dir.display()),
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .filter(|name| check_name(name).is_ok())
        .collect();
    names.sort();
    Ok(names)
}

/// The selected context's name, if one is selected.
pub(crate) fn selected() -> Result<Option<String>> {
    let path = nats_dir()?.join("context.txt");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let name = text.trim();
            Ok((!name.is_empty()).then(|| name.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    }
}

/// Makes `name` the selected context.
pub(crate) fn select(name: &str) -> Result<()> {
    if !exists(name)? {
        bail!("unknown context {name:?}");
    }
    let dir = nats_dir()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("context.txt");
    std::fs::write(&path, name).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
