//! Reading `MSG`/`HMSG` control lines into a [`FrameLayout`].
//!
//! Two readers give the same answer:
//! - [`canonical`] reads the form nats-server sends (`MSG <subject> <sid>
//!   [reply] <#bytes>\r\n`, `HMSG <subject> <sid> [reply] <#hdr> <#total>\r\n`:
//!   upper case, single spaces, ASCII subjects, numbers of at most 19 digits,
//!   within the limits) in one pass, looking at subjects eight bytes at a time,
//!   and gives up (`None`) on anything else, including an incomplete line. It
//!   never reports an error.
//! - [`split_fields`] and [`layout`] read any complete line the protocol
//!   allows (any case, runs of blanks, tabs, bare LF) and report what is wrong
//!   with the others.
//!
//! For every line [`canonical`] accepts, the general reader gives the same
//! layout (checked by the tests below, and by the `parse_chunked` fuzz target,
//! which compares a stream fed whole with the same stream fed in pieces).

use crate::proto::decimal::{parse_u64, parse_usize};
use crate::proto::op::FrameLayout;
use crate::proto::{ParserLimits, ProtocolError};

/// Up to this many fields of a `MSG`/`HMSG` line are kept; more is an error.
const MAX_FIELDS: usize = 5;

/// Eight copies of a byte.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Reads a control line in the form the server sends, at the front of `buf`,
/// if it is one; `None` for anything else (another op, another spelling, an
/// incomplete line, a limit of `caps` exceeded), which the general reader
/// then handles. `caps` are [capped](ParserLimits::capped) limits.
#[inline(always)]
pub(crate) fn canonical(buf: &[u8], caps: &ParserLimits) -> Option<FrameLayout> {
    let head = u32::from_le_bytes(<[u8; 4]>::try_from(buf.get(..4)?).ok()?);
    let (hmsg, subject_start) = if head == u32::from_le_bytes(*b"MSG ") {
        (false, 4)
    } else if head == u32::from_le_bytes(*b"HMSG") && *buf.get(4)? == b' ' {
        (true, 5)
    } else {
        return None;
    };
    let subject_end = ascii_field(buf, subject_start)?;
    let (sid, sid_end) = digits(buf, subject_end + 1)?;
    if *buf.get(sid_end)? != b' ' {
        return None;
    }
    let after_sid = sid_end + 1;
    // Without a reply the sizes follow the sid; otherwise a reply does.
    let (reply, (header, total, line_len)) = match sizes(buf, after_sid, hmsg) {
        Some(sizes) => ((0, 0), sizes),
        None => {
            let reply_end = ascii_field(buf, after_sid)?;
            ((after_sid, reply_end), sizes(buf, reply_end + 1, hmsg)?)
        }
    };
    let total = usize::try_from(total).ok()?;
    let header = usize::try_from(header).ok()?;
    if header > total || total > caps.max_payload || line_len - 2 > caps.max_control_line {
        return None;
    }
    Some(frame_layout(
        sid,
        (subject_start, subject_end),
        reply,
        line_len,
        header,
        total,
        hmsg,
    ))
}

/// The end of the non-empty field of ASCII bytes above a space that starts at
/// `i` and is followed by a space; `None` if there is no such field.
///
/// Looks at eight bytes at a time. In the little-endian word `w`,
/// `(w - 0x2121..21) & !w & 0x8080..80` has the high bit set in the lowest byte
/// below `0x21`: the subtraction borrows there, and `!w` drops bytes of
/// `0x80` and above. Bytes after it may be flagged by the borrow, bytes before
/// it cannot be, so the lowest flag is exact. `w & 0x8080..80` flags the
/// non-ASCII bytes.
#[inline(always)]
fn ascii_field(buf: &[u8], start: usize) -> Option<usize> {
    const LOW: u64 = splat(0x21);
    const HIGH: u64 = splat(0x80);
    let mut i = start;
    let end = loop {
        let Some(word) = buf.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) else {
            // Fewer than eight bytes left: one at a time.
            loop {
                let b = *buf.get(i)?;
                if b <= b' ' {
                    break;
                }
                if !b.is_ascii() {
                    return None;
                }
                i += 1;
            }
            break i;
        };
        let w = u64::from_le_bytes(word);
        let control = w.wrapping_sub(LOW) & !w & HIGH;
        let non_ascii = w & HIGH;
        if control != 0 {
            // The bits below the lowest flag: the bytes before the field's end.
            let before = (control & control.wrapping_neg()) - 1;
            if non_ascii & before != 0 {
                return None;
            }
            break i + (control.trailing_zeros() / 8) as usize;
        }
        if non_ascii != 0 {
            return None;
        }
        i += 8;
    };
    (end > start && *buf.get(end)? == b' ').then_some(end)
}

/// The decimal number of 1 to 19 digits at `i` and the index after it.
#[inline(always)]
fn digits(buf: &[u8], start: usize) -> Option<(u64, usize)> {
    let mut n: u64 = 0;
    let mut i = start;
    while let Some(&b) = buf.get(i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i - start == 19 {
            // A twentieth digit; with at most 19, `n` cannot overflow.
            return None;
        }
        n = n * 10 + u64::from(d);
        i += 1;
    }
    (i > start).then_some((n, i))
}

/// `<#bytes>\r\n` (MSG) or `<#hdr> <#total>\r\n` (HMSG) at `i`: the header
/// size (0 for a MSG), the total size and the line's length.
#[inline(always)]
fn sizes(buf: &[u8], i: usize, hmsg: bool) -> Option<(u64, u64, usize)> {
    let (first, end) = digits(buf, i)?;
    let (header, total, end) = if hmsg {
        if *buf.get(end)? != b' ' {
            return None;
        }
        let (total, end) = digits(buf, end + 1)?;
        (first, total, end)
    } else {
        (0, first, end)
    };
    (buf.get(end..end + 2)? == b"\r\n").then_some((header, total, end + 2))
}

/// The fields of a `MSG`/`HMSG` line, as `start..end` offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fields {
    /// The first fields.
    fields: [(usize, usize); MAX_FIELDS],
    /// Number of fields (may be above `MAX_FIELDS`).
    count: usize,
}

/// Splits `line` (a complete control line, line end removed) into fields
/// separated by runs of spaces and tabs, from `from` (the end of the op name).
pub(crate) fn split_fields(line: &[u8], from: usize) -> Fields {
    let mut fields = Fields {
        fields: [(0, 0); MAX_FIELDS],
        count: 0,
    };
    let blank = |b: u8| b == b' ' || b == b'\t';
    let mut i = from;
    loop {
        while line.get(i).is_some_and(|&b| blank(b)) {
            i += 1;
        }
        if i >= line.len() {
            return fields;
        }
        let start = i;
        while line.get(i).is_some_and(|&b| !blank(b)) {
            i += 1;
        }
        if let Some(slot) = fields.fields.get_mut(fields.count) {
            *slot = (start, i);
        }
        fields.count += 1;
    }
}

/// The frame layout of a `MSG <subject> <sid> [reply] <#bytes>` or
/// `HMSG <subject> <sid> [reply] <#hdr> <#total>` line of `line_len` bytes
/// (line end included) at the front of `buf`, split into `fields`, within the
/// [capped](ParserLimits::capped) limits `caps`.
pub(crate) fn layout(
    buf: &[u8],
    fields: &Fields,
    line_len: usize,
    hmsg: bool,
    caps: &ParserLimits,
) -> Result<FrameLayout, ProtocolError> {
    let invalid = || ProtocolError::InvalidArguments(if hmsg { "HMSG" } else { "MSG" });
    let f = &fields.fields;
    let (reply, header_field, total_field) = match (hmsg, fields.count) {
        (false, 3) => ((0, 0), None, f[2]),
        (false, 4) => (f[2], None, f[3]),
        (true, 4) => ((0, 0), Some(f[2]), f[3]),
        (true, 5) => (f[2], Some(f[3]), f[4]),
        _ => return Err(invalid()),
    };
    let field = |(a, b): (usize, usize)| &buf[a..b];
    let sid = parse_u64(field(f[1])).ok_or_else(invalid)?;
    let total = parse_usize(field(total_field)).ok_or_else(invalid)?;
    let header = match header_field {
        Some(h) => parse_usize(field(h)).ok_or_else(invalid)?,
        None => 0,
    };
    if header > total {
        return Err(ProtocolError::HeaderSizeExceedsTotal);
    }
    let max = caps.max_payload;
    if total > max {
        return Err(ProtocolError::PayloadTooLarge { size: total, max });
    }
    Ok(frame_layout(
        sid, f[0], reply, line_len, header, total, hmsg,
    ))
}

/// A frame layout from offsets checked against the limits.
#[inline(always)]
fn frame_layout(
    sid: u64,
    subject: (usize, usize),
    reply: (usize, usize),
    line_len: usize,
    header: usize,
    total: usize,
    hmsg: bool,
) -> FrameLayout {
    // The line is at most `CONTROL_LINE_CAP` bytes plus its line end and
    // `total` at most `PAYLOAD_CAP`, so every offset is below 2^32 and the
    // conversions are exact.
    let body_start = line_len as u32;
    FrameLayout {
        sid,
        subject: (subject.0 as u32, subject.1 as u32),
        reply: (reply.0 as u32, reply.1 as u32),
        body_start,
        payload_start: body_start + header as u32,
        payload_end: body_start + total as u32,
        hmsg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    /// What the general reader makes of the complete line at the front of
    /// `buf`, as the parser runs it.
    fn general(buf: &[u8], caps: &ParserLimits) -> Option<Result<FrameLayout, ProtocolError>> {
        let newline = memchr::memchr(b'\n', buf)?;
        let line = &buf[..newline];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > caps.max_control_line {
            return Some(Err(ProtocolError::ControlLineTooLong {
                max: caps.max_control_line,
            }));
        }
        let name_end = line
            .iter()
            .position(|&b| b == b' ' || b == b'\t')
            .unwrap_or(line.len());
        let hmsg = match &line[..name_end] {
            n if n.eq_ignore_ascii_case(b"MSG") => false,
            n if n.eq_ignore_ascii_case(b"HMSG") => true,
            _ => return None,
        };
        let fields = split_fields(line, name_end);
        Some(layout(buf, &fields, newline + 1, hmsg, caps))
    }

    fn check(buf: &[u8], limits: &ParserLimits) -> Option<FrameLayout> {
        let limits = &limits.capped();
        let fast = canonical(buf, limits);
        if let Some(fast) = fast {
            assert_eq!(
                general(buf, limits),
                Some(Ok(fast)),
                "{:?}",
                String::from_utf8_lossy(buf)
            );
        }
        fast
    }

    #[test]
    fn canonical_lines() {
        let limits = ParserLimits::default();
        let layout = check(b"MSG foo.bar 9 11\r\nhello world\r\n", &limits).unwrap();
        assert_eq!(
            layout,
            FrameLayout {
                sid: 9,
                subject: (4, 11),
                reply: (0, 0),
                body_start: 18,
                payload_start: 18,
                payload_end: 29,
                hmsg: false
            }
        );
        let layout = check(
            b"HMSG a.very.long.subject 77 _INBOX.abcdefghij.k 12 15\r\n",
            &limits,
        )
        .unwrap();
        assert_eq!(
            layout,
            FrameLayout {
                sid: 77,
                subject: (5, 24),
                reply: (28, 47),
                body_start: 55,
                payload_start: 67,
                payload_end: 70,
                hmsg: true
            }
        );
        // A reply of digits is still a reply.
        let layout = check(b"MSG a 1 22 3\r\n", &limits).unwrap();
        assert_eq!((layout.reply, layout.payload_end), ((8, 10), 17));
        check(b"HMSG a 1 22 3 4\r\n", &limits).unwrap();
        check(b"MSG a 18446744073 0\r\n", &limits).unwrap();
    }

    #[test]
    fn other_forms_are_left_to_the_general_reader() {
        let limits = ParserLimits::default();
        for line in [
            &b"msg a 1 3\r\n"[..],
            b"MSG  a 1 3\r\n",
            b"MSG\ta 1 3\r\n",
            b"MSG a 1 3 \r\n",
            b"MSG a 1 3\n",
            b"MSG a 1 r 3\n",
            b"MSG a 1 3\r",
            b"MSG a 1 3",
            b"MSG a 1",
            b"MSG a",
            b"MSG ",
            b"MS",
            b"MSG a\x01 1 3\r\n",
            b"MSG \xc3\xbc 1 3\r\n",
            b"MSG abcdefgh\xc3\xbc 1 3\r\n",
            b"MSG a 1 r\xc3\xbc 3\r\n",
            b"MSG a 12345678901234567890 3\r\n",
            b"MSG a 1 12345678901234567890\r\n",
            b"MSG a 1 r 3 4\r\n",
            b"MSG a 1 r s 3\r\n",
            b"MSG a 1 -3\r\n",
            b"MSG a x 3\r\n",
            b"HMSG a 1 3\r\n",
            b"HMSG a 1 4 3\r\n",
            b"HMSG a 1 r 3\r\n",
            b"PING\r\n",
        ] {
            assert_eq!(
                check(line, &limits),
                None,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
        let small = ParserLimits {
            max_control_line: 10,
            max_payload: 5,
        };
        assert_eq!(check(b"MSG a 1 6\r\n", &small), None);
        assert!(check(b"MSG a 1 5\r\n", &small).is_some());
        assert_eq!(check(b"MSG abc 1 5\r\n", &small), None);
        assert!(check(b"MSG ab 1 5\r\n", &small).is_some());
    }

    #[test]
    fn fields_are_found_a_word_at_a_time() {
        // Every byte value at every position of a field, with a byte of 0x21
        // after it (where the subtraction borrows) and non-ASCII before it.
        for special in 0..=255u8 {
            for at in 0..20 {
                let mut buf = [b'a'; 24];
                buf[at] = special;
                buf[at + 1] = 0x21;
                buf[22] = b' ';
                for start in 0..=at {
                    let naive = buf[start..]
                        .iter()
                        .position(|&b| b <= b' ' || !b.is_ascii())
                        .map(|p| start + p)
                        .filter(|&end| end > start && buf[end] == b' ');
                    assert_eq!(
                        ascii_field(&buf, start),
                        naive,
                        "{special:#x} at {at} from {start}"
                    );
                }
            }
        }
    }

    /// A field for a generated line: mostly plausible, sometimes odd.
    fn field() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => "[a-zA-Z0-9_.]{1,24}".prop_map(String::into_bytes),
            3 => "[0-9]{1,4}".prop_map(String::into_bytes),
            1 => "[0-9]{18,21}".prop_map(String::into_bytes),
            1 => prop::collection::vec(any::<u8>(), 0..12),
        ]
    }

    fn separator() -> impl Strategy<Value = &'static [u8]> {
        prop_oneof![8 => Just(&b" "[..]), 1 => Just(&b"  "[..]), 1 => Just(&b"\t"[..])]
    }

    fn line() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::sample::select(vec![&b"MSG"[..], b"HMSG", b"msg", b"HMsg"]),
            prop::collection::vec((separator(), field()), 0..7),
            prop::sample::select(vec![&b"\r\n"[..], b"\n", b" \r\n", b"\r", b""]),
            prop::collection::vec(any::<u8>(), 0..40),
        )
            .prop_map(|(name, fields, end, rest)| {
                let mut line = name.to_vec();
                for (sep, field) in fields {
                    line.extend_from_slice(sep);
                    line.extend_from_slice(&field);
                }
                line.extend_from_slice(end);
                line.extend_from_slice(&rest);
                line
            })
    }

    proptest! {
        #[test]
        fn canonical_agrees_with_the_general_reader(
            line in line(),
            small in any::<bool>(),
        ) {
            let limits = if small {
                ParserLimits { max_control_line: 24, max_payload: 100 }
            } else {
                ParserLimits::default()
            };
            check(&line, &limits);
        }

        #[test]
        fn well_formed_lines_are_canonical(
            subject in "[a-zA-Z0-9_.]{1,40}",
            reply in proptest::option::of("[a-zA-Z0-9_.]{1,40}"),
            sid in any::<u64>(),
            header in proptest::option::of(0usize..1000),
            payload in 0usize..100_000,
        ) {
            let reply = reply.map(|r| format!(" {r}")).unwrap_or_default();
            let line = match header {
                None => format!("MSG {subject} {sid}{reply} {payload}\r\n"),
                Some(h) => format!("HMSG {subject} {sid}{reply} {h} {}\r\n", h + payload),
            };
            let layout = check(line.as_bytes(), &ParserLimits::default());
            prop_assert!(layout.is_some() || sid >= 10_000_000_000_000_000_000, "{}", line);
        }
    }
}
