//! Durations as the nats CLI writes them: `500ms`, `5s`, `1h30m`, `2d`,
//! `1w`, `1y`; a bare number is seconds.

use std::time::Duration;
use time::OffsetDateTime;

/// Parses a duration; the error says what is accepted.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("invalid duration {text:?} (use e.g. 500ms, 5s, 1h30m, 2d)");
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|_| bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 7.0 * 86400.0,
            "y" => 365.0 * 86400.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        let part = Duration::try_from_secs_f64(number * unit).map_err(|_| bad())?;
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    Ok(total)
}

/// The time `ahead` from now, or `None` past the last one a date holds
/// (the end of the year 9999).
pub(crate) fn from_now(ahead: Duration) -> Option<OffsetDateTime> {
    OffsetDateTime::now_utc().checked_add(time::Duration::try_from(ahead).ok()?)
}

/// The time `ago` before now, or `None` before the first one a date holds
/// (the start of the year -9999).
pub(crate) fn before_now(ago: Duration) -> Option<OffsetDateTime> {
    OffsetDateTime::now_utc().checked_sub(time::Duration::try_from(ago).ok()?)
}

/// A duration for people: `1h30m`, `5s`, `250ms`.
pub(crate) fn format_duration(d: Duration) -> String {
    if d.is_zero() {
        return "0s".to_string();
    }
    let secs = d.as_secs();
    if secs == 0 {
        let micros = d.as_micros();
        return if micros >= 1000 {
            format!("{:.2}ms", d.as_secs_f64() * 1e3)
        } else {
            format!("{micros}µs")
        };
    }
    if secs < 60 {
        return format!("{:.2}s", d.as_secs_f64());
    }
    let (days, hours, minutes, seconds) =
        (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86400)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("").is_err());
        // Each part fits a Duration, their sum does not: an error, not a panic.
        assert!(parse_duration("500000000000y500000000000y").is_err());
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.50s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_micros(1500)), "1.50ms");
    }
}
