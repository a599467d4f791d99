//! The checks a service applies to its configuration (ADR-32), as plain
//! functions: names, SemVer versions, endpoint subjects, group prefixes and
//! queue groups.

use super::error::ServiceError;
use natrs_core::subject::{validate_queue_group, validate_subject};

/// Whether `name` is a valid service or endpoint name: one or more of
/// `A-Z a-z 0-9 - _` (`^[A-Za-z0-9\-_]+$`).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `version` is a SemVer 2.0.0 version, exactly as the regular
/// expression semver.org suggests accepts it: `MAJOR.MINOR.PATCH` without
/// leading zeros, an optional `-` pre-release of dot-separated identifiers
/// (numeric ones without leading zeros) and an optional `+` build metadata of
/// dot-separated identifiers. Numbers may be arbitrarily long.
pub fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let mut numbers = core.split('.');
    let core_ok = (0..3).all(|_| numbers.next().is_some_and(is_numeric_identifier))
        && numbers.next().is_none();
    core_ok
        && pre.is_none_or(|p| p.split('.').all(is_prerelease_identifier))
        && build.is_none_or(|b| b.split('.').all(is_build_identifier))
}

/// `0|[1-9][0-9]*`
fn is_numeric_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// `0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*`
fn is_prerelease_identifier(s: &str) -> bool {
    is_build_identifier(s) && (s.bytes().any(|b| !b.is_ascii_digit()) || is_numeric_identifier(s))
}

/// `[0-9a-zA-Z-]+`
fn is_build_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Checks a service name.
pub(crate) fn service_name(name: &str) -> Result<(), ServiceError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(ServiceError::InvalidName(name.to_string()))
    }
}

/// Checks an endpoint name.
pub(crate) fn endpoint_name(name: &str) -> Result<(), ServiceError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(ServiceError::InvalidEndpointName(name.to_string()))
    }
}

/// Checks a service version.
pub(crate) fn version(version: &str) -> Result<(), ServiceError> {
    if is_semver(version) {
        Ok(())
    } else {
        Err(ServiceError::InvalidVersion(version.to_string()))
    }
}

/// Checks the subject an endpoint subscribes to (wildcards allowed).
pub(crate) fn endpoint_subject(subject: &str) -> Result<(), ServiceError> {
    validate_subject(subject, true).map_err(|error| ServiceError::InvalidSubject {
        subject: subject.to_string(),
        error,
    })
}

/// Checks a group prefix: empty, or a subject without a `>` wildcard (it
/// becomes the front of its endpoints' subjects).
pub(crate) fn group_prefix(prefix: &str) -> Result<(), ServiceError> {
    if prefix.is_empty() {
        return Ok(());
    }
    if prefix.contains('>') {
        return Err(ServiceError::InvalidGroup(prefix.to_string()));
    }
    validate_subject(prefix, true).map_err(|_| ServiceError::InvalidGroup(prefix.to_string()))
}

/// Checks a queue group name.
pub(crate) fn queue_group(queue: &str) -> Result<(), ServiceError> {
    validate_queue_group(queue).map_err(|_| ServiceError::InvalidQueueGroup(queue.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The regular expression semver.org suggests, with `\d` spelled as
    /// ASCII digits (Go's `\d`, which nats.go uses, is ASCII only).
    const SEMVER_REGEX: &str = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$";

    #[test]
    fn names() {
        for ok in ["a", "Z", "0", "my-service_2", "___", "-"] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in ["", "a.b", "a b", "a*", "a>", "é", "a\n", "$SRV"] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn semver_examples() {
        // From semver.org's valid and invalid lists.
        for ok in [
            "0.0.4",
            "1.2.3",
            "10.20.30",
            "1.1.2-prerelease+meta",
            "1.1.2+meta",
            "1.1.2+meta-valid",
            "1.0.0-alpha",
            "1.0.0-beta",
            "1.0.0-alpha.beta",
            "1.0.0-alpha.beta.1",
            "1.0.0-alpha.1",
            "1.0.0-alpha0.valid",
            "1.0.0-alpha.0valid",
            "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
            "1.0.0-rc.1+build.1",
            "2.0.0-rc.1+build.123",
            "1.2.3-beta",
            "10.2.3-DEV-SNAPSHOT",
            "1.2.3-SNAPSHOT-123",
            "1.0.0",
            "2.0.0+build.1848",
            "2.0.1-alpha.1227",
            "1.0.0-alpha+beta",
            "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
            "1.2.3----R-S.12.9.1--.12+meta",
            "1.2.3----RC-SNAPSHOT.12.9.1--.12",
            "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
            "99999999999999999999999.999999999999999999.99999999999999999",
            "1.0.0-0A.is.legal",
            "1.0.0+001",
        ] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3-0123",
            "1.2.3-0123.0123",
            "1.1.2+.123",
            "+invalid",
            "-invalid",
            "-invalid+invalid",
            "-invalid.01",
            "alpha",
            "alpha.beta",
            "alpha.beta.1",
            "alpha.1",
            "alpha+beta",
            "alpha_beta",
            "alpha.",
            "alpha..",
            "beta",
            "1.0.0-alpha_beta",
            "-alpha.",
            "1.0.0-alpha..",
            "1.0.0-alpha..1",
            "1.0.0-alpha...1",
            "1.0.0-alpha....1",
            "1.0.0-alpha.....1",
            "1.0.0-alpha......1",
            "1.0.0-alpha.......1",
            "01.1.1",
            "1.01.1",
            "1.1.01",
            "1.2.3.DEV",
            "1.2-SNAPSHOT",
            "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
            "1.2-RC-SNAPSHOT",
            "-1.0.3-gamma+b7718",
            "+justmeta",
            "9.8.7+meta+meta",
            "9.8.7-whatever+meta+meta",
            "1.2.3-",
            "1.2.3+",
            "1.2.3 ",
            " 1.2.3",
            "1.2.3-a b",
            "١.2.3",
        ] {
            assert!(!is_semver(bad), "{bad:?}");
        }
    }

    proptest! {
        /// The hand-written check agrees with the official regular expression
        /// on strings built from the characters that matter.
        #[test]
        fn semver_matches_the_official_regex(s in "[0-9a-zA-Z.+\\-_ ]{0,16}") {
            let re = regex::Regex::new(SEMVER_REGEX).unwrap();
            prop_assert_eq!(is_semver(&s), re.is_match(&s), "{:?}", s);
        }

        /// Strings that look like versions (the interesting part of the space).
        #[test]
        fn semver_matches_on_version_shapes(
            s in "(0|00|1|01|12)\\.(0|01|3)\\.(0|7|07)(-((0|01|a|0a|-|1-)(\\.(0|01|x|))*))?(\\+((0|01|b|-)(\\.(0|b|))*))?"
        ) {
            let re = regex::Regex::new(SEMVER_REGEX).unwrap();
            prop_assert_eq!(is_semver(&s), re.is_match(&s), "{:?}", s);
        }

        #[test]
        fn names_match_the_regex(s in "[a-zA-Z0-9_\\-. *>$]{0,8}") {
            let re = regex::Regex::new(r"^[A-Za-z0-9\-_]+$").unwrap();
            prop_assert_eq!(is_valid_name(&s), re.is_match(&s));
        }
    }

    #[test]
    fn subjects_prefixes_and_queues() {
        assert!(endpoint_subject("a.b").is_ok());
        assert!(endpoint_subject("a.*.c").is_ok());
        assert!(endpoint_subject("a.>").is_ok());
        assert!(endpoint_subject("a b").is_err());
        assert!(endpoint_subject("a.>.c").is_err());
        assert!(endpoint_subject("").is_err());
        assert!(group_prefix("").is_ok());
        assert!(group_prefix("math.v1").is_ok());
        assert!(group_prefix("math.*").is_ok());
        assert!(matches!(
            group_prefix("math.>"),
            Err(ServiceError::InvalidGroup(_))
        ));
        assert!(group_prefix("a..b").is_err());
        assert!(queue_group("q").is_ok());
        assert!(queue_group("").is_err());
        assert!(queue_group("a b").is_err());
    }
}
