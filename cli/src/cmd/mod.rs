//! One module per command group; the operations commands have modules of
//! their own: `backup` (`stream backup`, `stream restore`), `report`
//! (`stream report`, `consumer report`) and `events`.

pub(crate) mod backup;
pub(crate) mod bench;
pub(crate) mod completions;
pub(crate) mod consumer;
pub(crate) mod context;
pub(crate) mod events;
pub(crate) mod kv;
pub(crate) mod micro;
pub(crate) mod object;
pub(crate) mod publish;
pub(crate) mod report;
pub(crate) mod request;
pub(crate) mod rtt;
pub(crate) mod stream;
pub(crate) mod subscribe;

use anyhow::{Result, bail};
use natrs_tokio::HeaderMap;
use tokio::io::AsyncReadExt;

/// Headers from `-H key:value` arguments.
pub(crate) fn parse_headers(args: &[String]) -> Result<Option<HeaderMap>> {
    if args.is_empty() {
        return Ok(None);
    }
    let mut headers = HeaderMap::new();
    for arg in args {
        let Some((key, value)) = arg.split_once(':') else {
            bail!("invalid header {arg:?}: use KEY:VALUE");
        };
        let key = key.trim();
        if key.is_empty() {
            bail!("invalid header {arg:?}: the key is empty");
        }
        headers.append(key, value.trim());
    }
    headers
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid header: {e}"))?;
    Ok(Some(headers))
}

/// The body given as an argument, or else all of stdin.
pub(crate) async fn body_or_stdin(body: Option<String>) -> Result<Vec<u8>> {
    match body {
        Some(body) => Ok(body.into_bytes()),
        None => {
            let mut data = Vec::new();
            tokio::io::stdin()
                .read_to_end(&mut data)
                .await
                .map_err(|e| anyhow::anyhow!("cannot read stdin: {e}"))?;
            Ok(data)
        }
    }
}

/// Asks before a destructive action unless `force`; fails when not
/// confirmed.
pub(crate) fn confirm_or_force(force: bool, question: &str) -> Result<()> {
    if force || crate::output::confirm(question)? {
        Ok(())
    } else {
        bail!("not confirmed (use --force to skip the question)")
    }
}
