//! NUIDs: 22-character base62 unique ids, from a seeded generator.
//!
//! The algorithm is the one of the NATS reference implementation (`nats-io/nuid`):
//! 12 random base62 characters of prefix followed by 10 base62 digits of a
//! sequence. The sequence starts at a random value below 62^10 and grows by a
//! random increment in `[33, 333)`; when it reaches 62^10 the prefix is renewed
//! and the sequence restarts at a new random value with a new increment.
//!
//! Randomness comes from a [`fastrand::Rng`] seeded by the caller (the core never
//! draws OS entropy), so the same seed always gives the same ids. Ids are unique
//! per generator; generators in different processes need different seeds.

use alloc::string::String;
use core::fmt;

/// The base62 alphabet, in the reference implementation's order.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: u64 = 62;
const PREFIX_LEN: usize = 12;
const SEQ_LEN: usize = 10;
/// 62^10: the sequence wraps (and the prefix is renewed) here.
const MAX_SEQ: u64 = 839_299_365_868_340_224;
const MIN_INC: u64 = 33;
const MAX_INC: u64 = 333;

/// Length of a NUID in bytes (all ASCII).
pub const NUID_LEN: usize = PREFIX_LEN + SEQ_LEN;

/// A NUID generator.
pub struct Nuid {
    rng: fastrand::Rng,
    prefix: [u8; PREFIX_LEN],
    seq: u64,
    inc: u64,
}

impl Nuid {
    /// A generator whose ids are determined by `rng_seed`.
    pub fn new(rng_seed: u64) -> Self {
        let mut nuid = Nuid {
            rng: fastrand::Rng::with_seed(rng_seed),
            prefix: [b'0'; PREFIX_LEN],
            seq: 0,
            inc: MIN_INC,
        };
        nuid.renew_prefix();
        nuid.reset_sequence();
        nuid
    }

    /// The next id, as 22 ASCII bytes of `[0-9A-Za-z]`.
    #[allow(
        clippy::should_implement_trait,
        reason = "the generator never ends; an Option would only add an unwrap at every call"
    )]
    pub fn next(&mut self) -> [u8; NUID_LEN] {
        self.seq += self.inc;
        if self.seq >= MAX_SEQ {
            self.renew_prefix();
            self.reset_sequence();
        }
        let mut out = [0u8; NUID_LEN];
        out[..PREFIX_LEN].copy_from_slice(&self.prefix);
        let mut rest = self.seq;
        for slot in out[PREFIX_LEN..].iter_mut().rev() {
            // `rest % BASE` is below 62, so the index is in range.
            *slot = DIGITS[(rest % BASE) as usize];
            rest /= BASE;
        }
        out
    }

    /// The next id as a new string.
    pub fn next_string(&mut self) -> String {
        let mut out = String::with_capacity(NUID_LEN);
        self.push_next(&mut out);
        out
    }

    /// Appends the next id to `out` (no allocation when `out` has room), for
    /// building inbox subjects such as `_INBOX.<nuid>` in place.
    pub fn push_next(&mut self, out: &mut String) {
        let id = self.next();
        out.extend(id.iter().map(|&b| char::from(b)));
    }

    fn renew_prefix(&mut self) {
        for slot in &mut self.prefix {
            *slot = DIGITS[self.rng.usize(..DIGITS.len())];
        }
    }

    fn reset_sequence(&mut self) {
        self.seq = self.rng.u64(..MAX_SEQ);
        self.inc = self.rng.u64(MIN_INC..MAX_INC);
    }
}

impl fmt::Debug for Nuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nuid").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::vec::Vec;

    #[test]
    fn max_seq_is_62_to_the_10th() {
        assert_eq!(MAX_SEQ, BASE.pow(SEQ_LEN as u32));
    }

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Nuid::new(42);
        let mut b = Nuid::new(42);
        for _ in 0..1000 {
            assert_eq!(a.next(), b.next());
        }
        let mut c = Nuid::new(43);
        let from_a: Vec<_> = (0..10).map(|_| a.next()).collect();
        let from_c: Vec<_> = (0..10).map(|_| c.next()).collect();
        assert_ne!(from_a, from_c);
    }

    #[test]
    fn ids_are_unique_base62_and_22_long() {
        let mut nuid = Nuid::new(7);
        let mut seen = BTreeSet::new();
        for _ in 0..100_000 {
            let id = nuid.next();
            assert!(id.iter().all(u8::is_ascii_alphanumeric), "{id:?}");
            assert!(seen.insert(id), "duplicate {id:?}");
        }
        let s = nuid.next_string();
        assert_eq!(s.len(), NUID_LEN);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn consecutive_ids_share_the_prefix_and_step_by_the_increment() {
        let mut nuid = Nuid::new(1);
        let inc = nuid.inc;
        assert!((MIN_INC..MAX_INC).contains(&inc));
        let a = nuid.next();
        let b = nuid.next();
        assert_eq!(a[..PREFIX_LEN], b[..PREFIX_LEN]);
        assert_eq!(decode(&b[PREFIX_LEN..]) - decode(&a[PREFIX_LEN..]), inc);
    }

    #[test]
    fn prefix_is_renewed_when_the_sequence_overflows() {
        let mut nuid = Nuid::new(9);
        let before = nuid.next();
        nuid.seq = MAX_SEQ - 1;
        let after = nuid.next();
        assert_ne!(before[..PREFIX_LEN], after[..PREFIX_LEN]);
        assert!(nuid.seq < MAX_SEQ);
        assert_eq!(decode(&after[PREFIX_LEN..]), nuid.seq);
        assert!((MIN_INC..MAX_INC).contains(&nuid.inc));
        // The largest sequence value still encodes in 10 digits.
        nuid.seq = MAX_SEQ - 1 - nuid.inc;
        let last = nuid.next();
        assert_eq!(&last[PREFIX_LEN..], b"zzzzzzzzzz");
    }

    #[test]
    fn push_next_appends() {
        let mut a = Nuid::new(5);
        let mut b = Nuid::new(5);
        let mut out = String::from("_INBOX.");
        a.push_next(&mut out);
        assert_eq!(out.len(), 7 + NUID_LEN);
        assert_eq!(&out.as_bytes()[7..], b.next());
    }

    fn decode(digits: &[u8]) -> u64 {
        digits.iter().fold(0, |acc, &d| {
            let v = DIGITS.iter().position(|&x| x == d).unwrap() as u64;
            acc * BASE + v
        })
    }
}
