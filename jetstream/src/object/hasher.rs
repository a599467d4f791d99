//! The SHA-256 of an object's bytes, fed a chunk at a time, reading ahead.
//!
//! SHA-256 takes its input one 64-byte block after another, each block's
//! rounds waiting for the previous block's, so the processor runs only a
//! little ahead of the hashing and a chunk that is not in its caches (an
//! object put from memory) arrives about a cache line at a time. Before
//! hashing each 4 KiB the hasher reads one byte of every cache line of the
//! next 4 KiB: those loads depend on nothing, so they are in flight together
//! and the next 4 KiB is in cache when the hashing gets there. The README's
//! object store section has what this does to a put and a get.

use sha2::{Digest, Sha256};

/// Bytes hashed between reads ahead, and read ahead each time.
const STEP: usize = 4096;
/// The cache line, the unit memory is fetched in.
const LINE: usize = 64;

/// The SHA-256 of an object's bytes.
#[derive(Default)]
pub(crate) struct ObjectHasher(Sha256);

impl ObjectHasher {
    /// Hashes `bytes`, the next bytes of the object.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut read = 0;
        for (i, step) in bytes.chunks(STEP).enumerate() {
            if let Some(next) = bytes.get((i + 1) * STEP..) {
                read ^= read_lines(&next[..next.len().min(STEP)]);
            }
            self.0.update(step);
        }
        // The reads' only purpose is their loads: keep them.
        std::hint::black_box(read);
    }

    /// The digest of everything hashed.
    pub(crate) fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// One byte of every cache line of `bytes`, folded.
fn read_lines(bytes: &[u8]) -> u8 {
    bytes.iter().step_by(LINE).fold(0, |acc, b| acc ^ b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_sha256_whatever_the_pieces() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let want: [u8; 32] = Sha256::digest(&data).into();
        for piece in [1, 63, 64, 4095, 4096, 4097, 10_000, 100_000] {
            let mut hasher = ObjectHasher::default();
            for bytes in data.chunks(piece) {
                hasher.update(bytes);
            }
            assert_eq!(hasher.finalize(), want, "pieces of {piece}");
        }
        assert_eq!(
            ObjectHasher::default().finalize(),
            <[u8; 32]>::from(Sha256::digest(b""))
        );
    }
}
