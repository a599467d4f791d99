//! Where `object get` may write: a path inside the directory it is given,
//! whatever the object's name.

use anyhow::{Result, bail};
use std::path::{Component, Path, PathBuf};

/// The file an object named `name` is written to under `dir`.
///
/// The name is split on `/` (and `\`), and each part must be a plain file
/// name: no `..`, no `.`, no empty part (an absolute name or `a//b`), no NUL
/// or other control character, no drive prefix. Anything else is refused
/// with an error naming the object, so nothing is written outside `dir`.
pub(crate) fn object_path(dir: &Path, name: &str) -> Result<PathBuf> {
    if name.is_empty() {
        bail!("object name is empty");
    }
    if name.chars().any(char::is_control) {
        bail!(
            "object name {name:?} contains a control character (NUL, newline, ...): refusing to write it"
        );
    }
    let mut path = dir.to_path_buf();
    for part in name.split(['/', '\\']) {
        if part.is_empty() || part == "." || part == ".." || part.contains(':') {
            bail!(
                "object name {name:?} is not a plain relative path (absolute, \"..\", \".\", empty or drive parts): refusing to write outside {}; use --output FILE",
                dir.display()
            );
        }
        let mut components = Path::new(part).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(_)), None) => path.push(part),
            _ => bail!("object name {name:?} has an unusable part {part:?}"),
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_directory() {
        let dir = Path::new("/tmp/out");
        assert_eq!(
            object_path(dir, "a/b.txt").unwrap(),
            Path::new("/tmp/out/a/b.txt")
        );
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "a\0b",
            "",
            "./x",
            "a//b",
            "C:\\x",
            "..\\x",
            "a\nb",
        ] {
            assert!(object_path(dir, bad).is_err(), "{bad:?} accepted");
        }
    }
}
