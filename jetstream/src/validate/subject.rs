//! Subject rules as the server applies them to configurations: validity,
//! literal subjects, collision and subset of two filters.

/// The server's `IsValidSubject`: no empty token, nothing after `>`, no
/// whitespace in a token.
pub(crate) fn is_valid(subject: &str) -> bool {
    if subject.is_empty() {
        return false;
    }
    let mut after_fwc = false;
    for token in subject.split('.') {
        if token.is_empty() || after_fwc {
            return false;
        }
        if token
            .bytes()
            .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c))
        {
            return false;
        }
        if token == ">" {
            after_fwc = true;
        }
    }
    true
}

/// A valid subject without wildcard tokens.
pub(crate) fn is_literal(subject: &str) -> bool {
    is_valid(subject) && subject.split('.').all(|t| t != "*" && t != ">")
}

/// Whether some subject matches both filters (the server's `SubjectsCollide`).
pub(crate) fn collide(a: &str, b: &str) -> bool {
    let mut ta = a.split('.');
    let mut tb = b.split('.');
    loop {
        match (ta.next(), tb.next()) {
            (None, None) => return true,
            (Some(">"), Some(_)) | (Some(_), Some(">")) => return true,
            (Some(x), Some(y)) => {
                if x != "*" && y != "*" && x != y {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Whether every subject matching `subset` also matches `of` (the server's
/// `subjectIsSubsetMatch`).
pub(crate) fn is_subset(subset: &str, of: &str) -> bool {
    let mut ts = subset.split('.');
    let mut to = of.split('.');
    loop {
        match (ts.next(), to.next()) {
            (None, None) => return true,
            (Some(_), Some(">")) => return true,
            (Some(">"), Some(_)) => return false,
            (Some(s), Some(o)) => {
                if o != "*" && (s == "*" || s != o) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity() {
        for ok in ["a", "a.b", "a.*.c", "a.>", ">", "a*b.c", "$JS.API"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in ["", ".", "a.", ".a", "a..b", "a.>.b", "a b", "a.\tb"] {
            assert!(!is_valid(bad), "{bad:?}");
        }
        assert!(is_literal("a.b"));
        assert!(!is_literal("a.*"));
    }

    #[test]
    fn collisions_and_subsets() {
        assert!(collide("a.*", "a.b"));
        assert!(collide("a.*.c", "a.b.*"));
        assert!(collide(">", "a.b"));
        assert!(collide("a.>", "a.b.c"));
        assert!(!collide("a.>", "a"));
        assert!(!collide("a.b", "a.c"));
        assert!(!collide("a.b", "a.b.c"));
        assert!(is_subset("a.b", "a.*"));
        assert!(is_subset("a.b.c", "a.>"));
        assert!(!is_subset("a.*", "a.b"));
        assert!(!is_subset("a.*.c", "a.b.*"));
        assert!(!is_subset("a.>", "a.*"));
        assert!(is_subset("$JS.EVENT.x", "$JS.EVENT.>"));
    }
}
