//! [`SidMap`]: a hash map keyed by a `u64` the client numbered itself
//! (subscription ids, request tokens), hashed by one multiplication.
//!
//! Messages are routed by sid once each, so the lookup is on the hottest
//! path of a connection with many subscriptions: a `BTreeMap` of 10,000
//! subscriptions walks four or five nodes per message. The keys are counted
//! up from 1 by the client, never chosen by the server (a sid the server
//! makes up only misses), so no keyed hash (SipHash) is needed against
//! flooding.

use core::hash::{BuildHasherDefault, Hasher};

/// A hash map from a client-numbered `u64` key to `V`.
pub type SidMap<V> = hashbrown::HashMap<u64, V, BuildHasherDefault<SidHasher>>;

/// Fibonacci hashing of one `u64`: multiplied by 2^64 / φ. The product's
/// low bits are a bijection of the key's low bits (the factor is odd), so
/// consecutive keys fill consecutive buckets; its high bits, which the map
/// uses as tags, mix every bit of the key.
#[derive(Debug, Default, Clone, Copy)]
pub struct SidHasher(u64);

const FACTOR: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for SidHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only for keys other than `u64` (the maps here have none).
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(FACTOR);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(FACTOR);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::BuildHasher;

    #[test]
    fn consecutive_keys_hash_apart() {
        let build = BuildHasherDefault::<SidHasher>::default();
        let mut low: alloc::vec::Vec<u64> =
            (1..=1024u64).map(|k| build.hash_one(k) & 1023).collect();
        low.sort_unstable();
        low.dedup();
        assert_eq!(low.len(), 1024, "1,024 consecutive keys, 1,024 buckets");
    }

    #[test]
    fn the_map_finds_what_it_holds() {
        let mut map = SidMap::default();
        for k in 1..=10_000u64 {
            map.insert(k, k * 2);
        }
        for k in (1..=10_000u64).step_by(7) {
            assert_eq!(map.remove(&k), Some(k * 2));
        }
        assert!((1..=10_000u64).all(|k| map.get(&k) == ((k - 1) % 7 != 0).then_some(&(k * 2))));
    }
}
