//! Parsing of `.creds` files: a user JWT and an nkey seed in decorated blocks.
//!
//! A `.creds` file as written by `nsc` looks like this (the banner text
//! around the blocks varies and is ignored):
//!
//! ```text
//! -----BEGIN NATS USER JWT-----
//! eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJq...
//! ------END NATS USER JWT------
//!
//! ************************* IMPORTANT *************************
//! NKEY Seed printed below can be used to sign and prove identity.
//!
//! -----BEGIN USER NKEY SEED-----
//! SUAM...
//! ------END USER NKEY SEED------
//! ```
//!
//! The rules follow the nkeys reference implementation (`ParseDecoratedJWT`,
//! `ParseDecoratedNKey`), made a little stricter where it would otherwise hand
//! garbage (or a seed) to the server as a JWT, and a little more lenient about
//! whitespace:
//!
//! - A *marker* is a line that, once trimmed, starts and ends with at least three
//!   dashes (`-----BEGIN ...-----`, `------END ...------`). The label between the
//!   dashes is not interpreted.
//! - A *block* is a marker, one line of token characters (`A-Z a-z 0-9 _ - . =`),
//!   and another marker. Blank lines inside a block, surrounding whitespace, CRLF
//!   line endings and a missing final newline are accepted.
//! - The JWT is the first block that does not hold a seed. Without any such block
//!   (an undecorated file), it is the first line shaped like a JWT (three
//!   non-empty dot-separated parts of token characters).
//! - The seed is the first block that holds something seed-like (an `S` followed
//!   by base32 characters); it must then be a whole seed (`SU`, `SA` or `SO`
//!   prefix, 58 characters) or the file is rejected. Without a seed block, the
//!   first line that is a whole seed is taken, as the reference implementation
//!   does for undecorated seed files.
//!
//! Parsing works on borrowed slices of the input and allocates only the two
//! results, so the only copy of the seed it makes is the [`Zeroizing`] one it
//! returns. Wiping the input is the caller's business.

use alloc::string::String;
use core::fmt;
use zeroize::Zeroizing;

/// Length of an encoded nkey seed.
const SEED_LEN: usize = 58;

/// The two secrets of a `.creds` file.
#[derive(Clone)]
pub struct Creds {
    /// The user JWT.
    pub jwt: String,
    /// The user's nkey seed (`SU...`), wiped from memory when dropped.
    pub seed: Zeroizing<String>,
}

impl fmt::Debug for Creds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Creds")
            .field("jwt", &self.jwt)
            .field("seed", &"<redacted>")
            .finish()
    }
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
    /// A block was opened by a marker line but not completed by exactly one line
    /// of key material and a closing marker, and the material it should have held
    /// was not found elsewhere.
    #[error("malformed decorated block starting at line {line}")]
    MalformedBlock {
        /// 1-based line number of the opening marker.
        line: usize,
    },
    /// The seed block does not hold a valid nkey seed (wrong prefix or length,
    /// or the second block is not a seed at all).
    #[error("the seed block does not hold an nkey seed")]
    InvalidSeed,
}

/// Parses the text of a `.creds` file.
pub fn parse(text: &str) -> Result<Creds, CredsError> {
    parse_bytes(text.as_bytes())
}

/// Parses the contents of a `.creds` file given as bytes (as read from a file;
/// it need not be valid UTF-8 outside the blocks).
pub fn parse_bytes(contents: &[u8]) -> Result<Creds, CredsError> {
    let jwt = parse_jwt(contents)?;
    let seed = parse_seed(contents)?;
    Ok(Creds { jwt, seed })
}

/// Extracts only the user JWT from decorated (or undecorated) text.
///
/// For setups that keep the JWT and the seed in separate files.
pub fn parse_jwt(contents: impl AsRef<[u8]>) -> Result<String, CredsError> {
    let contents = contents.as_ref();
    let mut malformed = None;
    for item in Blocks::new(contents) {
        match item {
            Item::Block(content) if !is_seed_like(content) => return Ok(ascii_string(content)),
            Item::Block(_) => {}
            Item::Malformed(line) => {
                malformed.get_or_insert(line);
            }
        }
    }
    if let Some(line) = malformed {
        return Err(CredsError::MalformedBlock { line });
    }
    // Undecorated: a bare JWT, possibly with a bare seed or comments around it.
    contents
        .split(is_lf)
        .map(<[u8]>::trim_ascii)
        .find(|line| is_jwt_shaped(line))
        .map(ascii_string)
        .ok_or(CredsError::MissingJwt)
}

/// Extracts only the nkey seed from decorated (or undecorated) text.
///
/// For setups that keep the JWT and the seed in separate files.
pub fn parse_seed(contents: impl AsRef<[u8]>) -> Result<Zeroizing<String>, CredsError> {
    let contents = contents.as_ref();
    let mut malformed = None;
    let mut other_blocks = 0usize;
    for item in Blocks::new(contents) {
        match item {
            Item::Block(content) if is_seed_like(content) => {
                return if is_seed_shaped(content) {
                    Ok(Zeroizing::new(ascii_string(content)))
                } else {
                    Err(CredsError::InvalidSeed)
                };
            }
            Item::Block(_) => other_blocks += 1,
            Item::Malformed(line) => {
                malformed.get_or_insert(line);
            }
        }
    }
    if other_blocks >= 2 {
        // The reference implementation takes the second block as the seed.
        return Err(CredsError::InvalidSeed);
    }
    if let Some(seed) = contents
        .split(is_lf)
        .map(<[u8]>::trim_ascii)
        .find(|line| is_seed_shaped(line))
    {
        return Ok(Zeroizing::new(ascii_string(seed)));
    }
    Err(match malformed {
        Some(line) => CredsError::MalformedBlock { line },
        None => CredsError::MissingSeed,
    })
}

fn is_lf(b: &u8) -> bool {
    *b == b'\n'
}

/// Copies an ASCII token (only ever token characters reach here) into a string of
/// exactly its length, so it is never reallocated (which would leave a copy).
fn ascii_string(token: &[u8]) -> String {
    let mut out = String::with_capacity(token.len());
    out.extend(token.iter().map(|&b| char::from(b)));
    out
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'=')
}

fn is_marker(line: &[u8]) -> bool {
    line.len() >= 6 && line.starts_with(b"---") && line.ends_with(b"---")
}

/// An `S` followed by base32 characters: meant to be a seed, whether or not it is a
/// whole one. A JWT never is (it contains dots and lowercase letters).
fn is_seed_like(token: &[u8]) -> bool {
    token.first() == Some(&b'S')
        && token
            .iter()
            .all(|&b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

/// A complete encoded user, account or operator seed.
fn is_seed_shaped(token: &[u8]) -> bool {
    token.len() == SEED_LEN && matches!(token[1], b'U' | b'A' | b'O') && is_seed_like(token)
}

fn is_jwt_shaped(token: &[u8]) -> bool {
    let mut parts = 0usize;
    for part in token.split(|&b| b == b'.') {
        if part.is_empty() || !part.iter().all(|&b| is_token_char(b)) {
            return false;
        }
        parts += 1;
    }
    parts == 3
}

/// What the block scanner found.
#[derive(Debug, PartialEq, Eq)]
enum Item<'a> {
    /// The single line of content of a complete block.
    Block(&'a [u8]),
    /// A block opened at this line (1-based) that was never completed.
    Malformed(usize),
}

#[derive(Clone, Copy)]
enum State<'a> {
    /// Outside any block: text is ignored until a marker.
    Idle,
    /// After an opening marker.
    Open { start: usize },
    /// After an opening marker and one line of content.
    Content { start: usize, content: &'a [u8] },
}

/// Iterates over the decorated blocks of a text, line by line, in linear time.
struct Blocks<'a> {
    lines: core::slice::Split<'a, u8, fn(&u8) -> bool>,
    line: usize,
    state: State<'a>,
}

impl<'a> Blocks<'a> {
    fn new(text: &'a [u8]) -> Self {
        Blocks {
            lines: text.split(is_lf as fn(&u8) -> bool),
            line: 0,
            state: State::Idle,
        }
    }
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            let Some(raw) = self.lines.next() else {
                let state = core::mem::replace(&mut self.state, State::Idle);
                return match state {
                    State::Idle => None,
                    State::Open { start } | State::Content { start, .. } => {
                        Some(Item::Malformed(start))
                    }
                };
            };
            self.line += 1;
            let line = raw.trim_ascii();
            let blank = line.is_empty();
            let marker = is_marker(line);
            match self.state {
                State::Idle => {
                    if marker {
                        self.state = State::Open { start: self.line };
                    }
                }
                State::Open { start } => {
                    if marker {
                        // An empty block; this marker may open the next one.
                        self.state = State::Open { start: self.line };
                        return Some(Item::Malformed(start));
                    } else if blank {
                        continue;
                    } else if line.iter().all(|&b| is_token_char(b)) {
                        self.state = State::Content {
                            start,
                            content: line,
                        };
                    } else {
                        self.state = State::Idle;
                        return Some(Item::Malformed(start));
                    }
                }
                State::Content { start, content } => {
                    if marker {
                        self.state = State::Idle;
                        return Some(Item::Block(content));
                    } else if !blank {
                        self.state = State::Idle;
                        return Some(Item::Malformed(start));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    // A real user JWT and seed pair (from the nkeys reference tests).
    const SEED: &str = "SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5LI";
    const JWT: &str = "eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJHVDROVU5NRUY3Wk1XQ1JCWFZWVURLUVQ2WllQWjc3VzRKUlFYRDNMMjRIS1VKRUNRSDdRIiwiaWF0IjoxNTkwNzgxNTkzLCJpc3MiOiJBQURXTFRISUNWNFNVQUdGNkVLTlZFVzVCQlA3WVJESUJHV0dHSFo1SkJET1FZQTdHVUZNNkFRVSIsIm5hbWUiOiJPUEVSQVRPUiIsInN1YiI6IlVERTZXVEdMVFRQQ1JKUkpDS0JKUkdWTlpUTElWUjdMRUVFTFI0Q1lXV1dCS0pTN1hZSUtYRFVVIiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.c_XQT04wEoVVNDRjPHeKwe17BOrSpQTcftwIbB7KoNEIz6peZCJDc4-J3emVepHofUOWy7IAo9TlLwYhuGHWAQ";

    fn nsc_file() -> String {
        format!(
            "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\
             NKEYs are sensitive and should be treated as secrets.\n\n\
             -----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------\n\n\
             *************************************************************\n"
        )
    }

    fn assert_ok(text: &str) {
        let creds = parse(text).unwrap_or_else(|e| panic!("{e}: {text:?}"));
        assert_eq!(creds.jwt, JWT);
        assert_eq!(creds.seed.as_str(), SEED);
    }

    #[test]
    fn nsc_layout() {
        assert_ok(&nsc_file());
    }

    #[test]
    fn crlf_line_endings() {
        assert_ok(&nsc_file().replace('\n', "\r\n"));
    }

    #[test]
    fn missing_final_newline() {
        let text = format!(
            "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\
             -----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------"
        );
        assert_ok(&text);
        assert_ok(&text.replace('\n', "\r\n"));
    }

    #[test]
    fn five_and_six_dash_markers_and_longer() {
        for (open, close) in [
            ("-----", "-----"),
            ("------", "------"),
            ("---", "---"),
            ("----------", "-----"),
        ] {
            let text = format!(
                "{open}BEGIN NATS USER JWT{open}\n{JWT}\n{close}END NATS USER JWT{close}\n\
                 {open}BEGIN USER NKEY SEED{open}\n{SEED}\n{close}END USER NKEY SEED{close}\n"
            );
            assert_ok(&text);
        }
    }

    #[test]
    fn whitespace_and_banner_text_around_blocks() {
        let text = format!(
            "\n\n   *** NATS user credentials for alice ***   \n\t\n\
             \t-----BEGIN NATS USER JWT-----  \n  {JWT}\t\n\n  ------END NATS USER JWT------\n\
             This text explains things: do not share -- really.\n\
             -----BEGIN USER NKEY SEED-----\n\n{SEED}\n\n------END USER NKEY SEED------\n   \n\n"
        );
        assert_ok(&text);
    }

    #[test]
    fn separator_line_before_a_block_is_tolerated() {
        let text = format!(
            "------------------------------\n\
             -----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\
             ------------------------------\n\
             some words here\n\
             -----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------\n"
        );
        assert_ok(&text);
    }

    #[test]
    fn blocks_in_reverse_order() {
        let text = format!(
            "-----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------\n\
             -----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n"
        );
        assert_ok(&text);
    }

    #[test]
    fn bare_jwt_and_bare_seed() {
        assert_eq!(parse_jwt(JWT).unwrap(), JWT);
        assert_eq!(parse_jwt(format!("  {JWT}\r\n")).unwrap(), JWT);
        assert_eq!(parse_seed(SEED).unwrap().as_str(), SEED);
        assert_eq!(
            parse_seed(format!("\n  {SEED}  \r\n")).unwrap().as_str(),
            SEED
        );
        assert_ok(&format!("# my creds\n{JWT}\n{SEED}\n"));
        assert_eq!(parse(JWT).unwrap_err(), CredsError::MissingSeed);
    }

    #[test]
    fn seed_only_file_is_never_taken_as_a_jwt() {
        let text =
            format!("-----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------\n");
        assert_eq!(parse_jwt(&text).unwrap_err(), CredsError::MissingJwt);
        assert_eq!(parse_seed(&text).unwrap().as_str(), SEED);
        assert_eq!(parse_jwt(SEED).unwrap_err(), CredsError::MissingJwt);
    }

    #[test]
    fn jwt_block_plus_bare_seed() {
        let text =
            format!("-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n{SEED}");
        assert_ok(&text);
    }

    #[test]
    fn account_and_operator_seeds_are_accepted() {
        for prefix in ["SA", "SO"] {
            let seed = format!("{prefix}{}", &SEED[2..]);
            let text = format!(
                "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\
                 -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
            );
            assert_eq!(parse(&text).unwrap().seed.as_str(), seed);
        }
    }

    #[test]
    fn invalid_seeds() {
        for seed in [
            &SEED[..40],
            "SXAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5LI",
            "S",
        ] {
            let text = format!(
                "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\
                 -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
            );
            assert_eq!(parse(&text).unwrap_err(), CredsError::InvalidSeed, "{seed}");
        }
        // The second block holds something that is not a seed at all.
        let text = format!(
            "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\
             -----BEGIN USER NKEY SEED-----\nnot_a_seed\n------END USER NKEY SEED------\n"
        );
        assert_eq!(parse(&text).unwrap_err(), CredsError::InvalidSeed);
    }

    #[test]
    fn malformed_blocks() {
        // Seed block never closed and nothing seed-shaped anywhere.
        let text = format!(
            "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\
             -----BEGIN USER NKEY SEED-----\n"
        );
        assert_eq!(
            parse(&text).unwrap_err(),
            CredsError::MalformedBlock { line: 4 }
        );
        // Content split over two lines.
        let (a, b) = JWT.split_at(40);
        let text = format!(
            "-----BEGIN NATS USER JWT-----\n{a}\n{b}\n------END NATS USER JWT------\n\
             -----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------\n"
        );
        assert_eq!(
            parse(&text).unwrap_err(),
            CredsError::MalformedBlock { line: 1 }
        );
        // Empty block.
        let text = "-----BEGIN NATS USER JWT-----\n------END NATS USER JWT------\n";
        assert_eq!(
            parse(text).unwrap_err(),
            CredsError::MalformedBlock { line: 1 }
        );
        // Text with spaces inside a block.
        let text = "-----BEGIN NATS USER JWT-----\nhello world\n------END NATS USER JWT------\n";
        assert_eq!(
            parse(text).unwrap_err(),
            CredsError::MalformedBlock { line: 1 }
        );
    }

    #[test]
    fn unclosed_seed_block_falls_back_to_the_seed_line() {
        let text = format!(
            "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n\
             -----BEGIN USER NKEY SEED-----\n{SEED}"
        );
        assert_ok(&text);
    }

    #[test]
    fn garbage() {
        assert_eq!(parse("").unwrap_err(), CredsError::MissingJwt);
        assert_eq!(parse("foo").unwrap_err(), CredsError::MissingJwt);
        assert_eq!(parse("\r\n\r\n").unwrap_err(), CredsError::MissingJwt);
        assert_eq!(
            parse("------").unwrap_err(),
            CredsError::MalformedBlock { line: 1 }
        );
        assert_eq!(parse("a.b.c d").unwrap_err(), CredsError::MissingJwt);
        assert_eq!(parse("a..b").unwrap_err(), CredsError::MissingJwt);
        assert!(parse_bytes(&[0xff, 0xfe, b'\n', 0x80]).is_err());
        // Non-UTF-8 text around the blocks does not matter.
        let mut bytes: Vec<u8> = alloc::vec![0xff, 0xc0, b'\n'];
        bytes.extend_from_slice(nsc_file().as_bytes());
        bytes.extend_from_slice(&[b'\n', 0xfe]);
        let creds = parse_bytes(&bytes).unwrap();
        assert_eq!(creds.jwt, JWT);
    }

    #[test]
    fn debug_does_not_print_the_seed() {
        let creds = parse(&nsc_file()).unwrap();
        let shown = format!("{creds:?}");
        assert!(!shown.contains(SEED));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn scanner_items() {
        let text = b"x\n---a---\ntok\n---b---\n---c---\n---d---\nt2\n";
        let items: Vec<_> = Blocks::new(text).collect();
        assert_eq!(
            items,
            [Item::Block(b"tok"), Item::Malformed(5), Item::Malformed(6)]
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            CredsError::MalformedBlock { line: 3 }.to_string(),
            "malformed decorated block starting at line 3"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_bytes(&bytes);
        }

        #[test]
        fn never_panics_on_creds_like_text(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("-----BEGIN X-----"),
                    proptest::strategy::Just("------END X------"),
                    proptest::strategy::Just(JWT),
                    proptest::strategy::Just(SEED),
                    proptest::strategy::Just(""),
                    proptest::strategy::Just("\r"),
                    proptest::strategy::Just("text -- with *** words"),
                ],
                0..12,
            )
        ) {
            let text = parts.join("\n");
            if let Ok(creds) = parse(&text) {
                proptest::prop_assert_eq!(creds.jwt.as_str(), JWT);
                proptest::prop_assert_eq!(creds.seed.as_str(), SEED);
            }
        }
    }
}
