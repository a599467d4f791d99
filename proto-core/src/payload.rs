//! What a publish takes as its payload: borrowed bytes or a [`Bytes`] handle.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

/// The payload of a message to publish.
///
/// Every publish and request takes `impl Into<Payload>`: a [`Bytes`],
/// `Vec<u8>`, `String`, `BytesMut` or `Box<[u8]>` by value, or a `&Bytes`,
/// `&[u8]`, `&[u8; N]`, `&str`, `&Vec<u8>` or `&String` by reference.
///
/// A short payload is copied into the connection's write buffer whatever its
/// form, so publishing by reference (`&payload`) costs no reference count
/// and no allocation. A long one (see
/// [`WriteBuffer::share_threshold`](crate::proto::WriteBuffer::share_threshold))
/// is queued without a copy when it is, or borrows, a [`Bytes`]; borrowed
/// slices are copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload<'a> {
    /// Borrowed bytes, always copied.
    Slice(&'a [u8]),
    /// A borrowed handle, cloned when the payload is queued without a copy.
    Shared(&'a Bytes),
    /// An owned handle.
    Owned(Bytes),
}

impl Payload<'_> {
    /// The payload's bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Slice(bytes) => bytes,
            Payload::Shared(bytes) => bytes,
            Payload::Owned(bytes) => bytes,
        }
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether the payload is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The payload as an owned [`Bytes`]: the handle itself when owned, a
    /// clone of a borrowed handle, a copy of borrowed bytes.
    pub fn into_bytes(self) -> Bytes {
        match self {
            Payload::Slice(bytes) => Bytes::copy_from_slice(bytes),
            Payload::Shared(bytes) => bytes.clone(),
            Payload::Owned(bytes) => bytes,
        }
    }

    /// The handle to queue when the payload has one (`None` for a slice).
    #[inline]
    pub(crate) fn shared(&self) -> Option<&Bytes> {
        match self {
            Payload::Slice(_) => None,
            Payload::Shared(bytes) => Some(bytes),
            Payload::Owned(bytes) => Some(bytes),
        }
    }
}

/// Borrows a payload again, for a call that takes `impl Into<Payload>`.
impl<'a> From<&'a Payload<'_>> for Payload<'a> {
    #[inline]
    fn from(payload: &'a Payload<'_>) -> Self {
        match payload {
            Payload::Slice(bytes) => Payload::Slice(bytes),
            Payload::Shared(bytes) => Payload::Shared(bytes),
            Payload::Owned(bytes) => Payload::Shared(bytes),
        }
    }
}

impl<'a> From<&'a Bytes> for Payload<'a> {
    #[inline]
    fn from(bytes: &'a Bytes) -> Self {
        Payload::Shared(bytes)
    }
}

impl<'a> From<&'a [u8]> for Payload<'a> {
    #[inline]
    fn from(bytes: &'a [u8]) -> Self {
        Payload::Slice(bytes)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Payload<'a> {
    #[inline]
    fn from(bytes: &'a [u8; N]) -> Self {
        Payload::Slice(bytes)
    }
}

impl<'a> From<&'a str> for Payload<'a> {
    #[inline]
    fn from(text: &'a str) -> Self {
        Payload::Slice(text.as_bytes())
    }
}

impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    #[inline]
    fn from(bytes: &'a Vec<u8>) -> Self {
        Payload::Slice(bytes)
    }
}

impl<'a> From<&'a String> for Payload<'a> {
    #[inline]
    fn from(text: &'a String) -> Self {
        Payload::Slice(text.as_bytes())
    }
}

impl From<Bytes> for Payload<'_> {
    #[inline]
    fn from(bytes: Bytes) -> Self {
        Payload::Owned(bytes)
    }
}

impl From<BytesMut> for Payload<'_> {
    fn from(bytes: BytesMut) -> Self {
        Payload::Owned(bytes.freeze())
    }
}

impl From<Vec<u8>> for Payload<'_> {
    fn from(bytes: Vec<u8>) -> Self {
        Payload::Owned(Bytes::from(bytes))
    }
}

impl From<Box<[u8]>> for Payload<'_> {
    fn from(bytes: Box<[u8]>) -> Self {
        Payload::Owned(Bytes::from(bytes))
    }
}

impl From<String> for Payload<'_> {
    fn from(text: String) -> Self {
        Payload::Owned(Bytes::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_gives_the_same_bytes() {
        let bytes = Bytes::from_static(b"hello");
        let vec = b"hello".to_vec();
        let text = String::from("hello");
        let forms: [Payload<'_>; 11] = [
            Payload::from(&bytes),
            Payload::from(&b"hello"[..]),
            Payload::from(b"hello"),
            Payload::from("hello"),
            Payload::from(&vec),
            Payload::from(&text),
            Payload::from(bytes.clone()),
            Payload::from(BytesMut::from(&b"hello"[..])),
            Payload::from(vec.clone()),
            Payload::from(vec.clone().into_boxed_slice()),
            Payload::from(text.clone()),
        ];
        for form in &forms {
            assert_eq!(form.as_slice(), b"hello");
            assert_eq!(form.len(), 5);
            assert_eq!(form.clone().into_bytes(), bytes);
            assert_eq!(Payload::from(form).as_slice(), b"hello");
        }
    }

    #[test]
    fn only_handles_are_shared() {
        let bytes = Bytes::from(alloc::vec![7u8; 1000]);
        let shared = Payload::from(&bytes);
        let handle = shared.shared().expect("a handle");
        assert_eq!(
            handle.as_ptr(),
            bytes.as_ptr(),
            "the same buffer, not a copy"
        );
        let owned = Payload::from(bytes.clone());
        assert_eq!(owned.shared().map(|b| b.as_ptr()), Some(bytes.as_ptr()));
        assert!(Payload::from(&bytes[..]).shared().is_none());
        assert!(matches!(Payload::from(&owned), Payload::Shared(_)));
        assert_eq!(
            owned.into_bytes().as_ptr(),
            bytes.as_ptr(),
            "moved, not copied"
        );
    }
}
