//! Paging through the list and name APIs (`STREAM.NAMES` gives 1024 names a
//! page, `STREAM.LIST` 256 infos, and the consumer APIs the same) and the
//! subject counts of `STREAM.INFO`.

use crate::error::Error;
use serde::{Deserialize, Serialize};

/// The paging fields of a list response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Page {
    /// Items in the whole list.
    pub total: usize,
    /// The offset of this page.
    pub offset: usize,
    /// The most items a page holds.
    pub limit: usize,
}

/// Where the next page starts, and when to stop: the offset is the number of
/// items received so far (as nats.go counts); the listing ends when it
/// reaches the total or a page comes back empty (as async-nats ends). A page
/// with items must be the page asked for: the server answers with the offset
/// it was sent (it lowers it only past the end, where the page is empty), so
/// a page at another offset is a server repeating or skipping pages, which
/// would otherwise be asked for again and again while the total stays out of
/// reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pager {
    offset: usize,
    done: bool,
}

impl Pager {
    /// A pager at the first page.
    pub fn new() -> Pager {
        Pager::default()
    }

    /// The offset to request next, `None` once every page was read.
    pub fn next_offset(&self) -> Option<usize> {
        (!self.done).then_some(self.offset)
    }

    /// Records a page of `items` items from a response reporting `page`;
    /// fails (and asks for nothing more) when a page with items is not at
    /// the offset asked for.
    pub fn advance(&mut self, page: Page, items: usize) -> Result<(), Error> {
        if items > 0 && page.offset != self.offset {
            self.finish();
            return Err(Error::InvalidResponse(format!(
                "asked for the page at offset {}, the server answered with the page at offset {}",
                self.offset, page.offset
            )));
        }
        self.offset = self.offset.saturating_add(items);
        if items == 0 || self.offset >= page.total {
            self.done = true;
        }
        Ok(())
    }

    /// Ends the paging: nothing more is asked for.
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// Whether every page was read.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_until_total() {
        let mut p = Pager::new();
        assert_eq!(p.next_offset(), Some(0));
        let page = |offset| Page {
            total: 2500,
            offset,
            limit: 1024,
        };
        p.advance(page(0), 1024).unwrap();
        assert_eq!(p.next_offset(), Some(1024));
        p.advance(page(1024), 1024).unwrap();
        assert_eq!(p.next_offset(), Some(2048));
        p.advance(page(2048), 452).unwrap();
        assert_eq!(p.next_offset(), None);
        assert!(p.is_done());
    }

    #[test]
    fn stops_on_empty_page() {
        let mut p = Pager::new();
        p.advance(
            Page {
                total: 10,
                offset: 0,
                limit: 1024,
            },
            0,
        )
        .unwrap();
        assert!(p.is_done());
    }

    #[test]
    fn a_repeated_page_is_an_error() {
        let mut p = Pager::new();
        let first = Page {
            total: usize::MAX,
            offset: 0,
            limit: 1024,
        };
        p.advance(first, 1024).unwrap();
        let err = p.advance(first, 1024).unwrap_err();
        assert!(matches!(err, Error::InvalidResponse(_)), "{err}");
        assert_eq!(p.next_offset(), None);
    }

    #[test]
    fn an_empty_page_past_a_shrunk_list_ends_it() {
        // The server lowers the offset to the list's length past its end.
        let mut p = Pager::new();
        p.advance(
            Page {
                total: 2000,
                offset: 0,
                limit: 1024,
            },
            1024,
        )
        .unwrap();
        p.advance(
            Page {
                total: 500,
                offset: 500,
                limit: 1024,
            },
            0,
        )
        .unwrap();
        assert!(p.is_done());
    }
}
