//! The outbound byte queue: small operations coalesced into one buffer, large
//! payloads kept as their own `Bytes` so they are written without a copy.

use alloc::collections::VecDeque;
use bytes::{Bytes, BytesMut};

/// Bytes waiting to be written, in order.
///
/// Implements [`bytes::Buf`], so an adapter can hand it to a vectored write and
/// call `advance` with what the socket took. Two buffers can be swapped with
/// [`core::mem::swap`] to write one while the other fills, without allocating.
#[derive(Debug, Default)]
pub struct WriteBuffer {
    /// Coalesced small operations.
    pub(crate) inline: BytesMut,
    /// Large payloads: each is written after `inline[..offset]` of the inline bytes
    /// that were pending when it was queued.
    pub(crate) shared: VecDeque<(usize, Bytes)>,
}
