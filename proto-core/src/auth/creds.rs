//! Parsing of `.creds` files: a user JWT and an nkey seed in decorated blocks.

use alloc::string::String;
use zeroize::Zeroizing;

/// The two secrets of a `.creds` file.
pub struct Creds {
    /// The user JWT.
    pub jwt: String,
    /// The user's nkey seed (`SU...`), wiped from memory when dropped.
    pub seed: Zeroizing<String>,
}

/// A `.creds` file could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredsError {
    /// No JWT block.
    #[error("no user JWT block")]
    MissingJwt,
    /// No seed block.
    #[error("no nkey seed block")]
    MissingSeed,
}

/// Parses the text of a `.creds` file.
pub fn parse(text: &str) -> Result<Creds, CredsError> {
    let _ = text;
    todo!("auth")
}
