//! Unsigned decimal numbers on the wire, parsed and formatted by hand (no
//! allocation, no locale, no sign).

use bytes::BufMut;

/// Longest decimal form of a `u64`.
pub(crate) const MAX_U64_DIGITS: usize = 20;

/// Parses an unsigned decimal number: digits only, at least one, no overflow.
#[inline]
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    if digits.len() < MAX_U64_DIGITS {
        // At most 19 digits cannot overflow.
        let mut n: u64 = 0;
        for &d in digits {
            let v = d.wrapping_sub(b'0');
            if v > 9 {
                return None;
            }
            n = n * 10 + u64::from(v);
        }
        return Some(n);
    }
    let mut n: u64 = 0;
    for &d in digits {
        let v = d.wrapping_sub(b'0');
        if v > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(v))?;
    }
    Some(n)
}

/// Parses a size: a decimal number that fits in `usize`.
#[inline]
pub(crate) fn parse_usize(digits: &[u8]) -> Option<usize> {
    parse_u64(digits).and_then(|n| usize::try_from(n).ok())
}

/// Appends the decimal form of `n` to `out`.
///
/// Numbers below 10,000 (most payload lengths and subscription ids) go out as
/// one write of a fixed size, straight from registers. Formatting on the
/// stack and copying the digits as a slice would make a `memmove` call for
/// one or two digits, whose wide loads wait for the one-byte stores that
/// formatted them (no store forwarding).
#[inline(always)]
pub(crate) fn put_u64(out: &mut impl BufMut, n: u64) {
    let digit = |d: u64| b'0' + (d % 10) as u8;
    match n {
        0..=9 => out.put_u8(digit(n)),
        10..=99 => out.put_slice(&[digit(n / 10), digit(n)]),
        100..=999 => out.put_slice(&[digit(n / 100), digit(n / 10), digit(n)]),
        1000..=9999 => out.put_slice(&[digit(n / 1000), digit(n / 100), digit(n / 10), digit(n)]),
        _ => put_u64_long(out, n),
    }
}

/// [`put_u64`] for numbers of five digits and more, a byte at a time.
#[inline(never)]
fn put_u64_long(out: &mut impl BufMut, mut n: u64) {
    let mut digits = [0u8; MAX_U64_DIGITS];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.put_u8(digit);
    }
}

/// Number of decimal digits of `n`.
pub(crate) fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"0042"), Some(42));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"99999999999999999999"), None);
        assert_eq!(
            parse_u64(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_u64(b"0000000000000000000042"), Some(42));
        assert_eq!(parse_u64(b"000000000000000000x"), None);
        for bad in [&b""[..], b"-1", b"+1", b"1a", b"1 ", b":", b"/", b"\xff"] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
        assert_eq!(parse_usize(b"65536"), Some(65536));
    }

    #[test]
    fn formats() {
        for n in [
            0,
            1,
            9,
            10,
            42,
            99,
            100,
            507,
            999,
            1000,
            1024,
            9999,
            10000,
            12345,
            u64::MAX / 10,
            u64::MAX,
        ] {
            let text = alloc::format!("{n}");
            let mut out = alloc::vec::Vec::new();
            put_u64(&mut out, n);
            assert_eq!(out, text.as_bytes());
            assert_eq!(decimal_len(n), text.len());
        }
    }
}
