//! Paging through the list and name APIs (`STREAM.NAMES` gives 1024 names a
//! page, `STREAM.LIST` 256 infos, and the consumer APIs the same).

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
/// items received so far; the listing ends when it reaches the total or a
/// page comes back empty.
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

    /// Records a page of `items` items from a response reporting `page`.
    pub fn advance(&mut self, page: Page, items: usize) {
        self.offset += items;
        if items == 0 || self.offset >= page.total {
            self.done = true;
        }
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
        let page = Page {
            total: 2500,
            offset: 0,
            limit: 1024,
        };
        p.advance(page, 1024);
        assert_eq!(p.next_offset(), Some(1024));
        p.advance(page, 1024);
        assert_eq!(p.next_offset(), Some(2048));
        p.advance(page, 452);
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
        );
        assert!(p.is_done());
    }
}
