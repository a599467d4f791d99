//! Listings that page lazily: a [`Listing`] is a `Stream` of the items of a
//! paged list API (`STREAM.NAMES`, `STREAM.LIST`, `CONSUMER.NAMES`,
//! `CONSUMER.LIST`) that asks for the next page only when the items of the
//! last one were taken. [`Listing::all`] collects every page in one call.

use crate::JetStream;
use crate::api::ApiCall;
use crate::api::consumer::{ConsumerInfo, ConsumerListResponse, ConsumerNamesResponse};
use crate::api::paging::{Page, Pager};
use crate::api::stream::{StreamInfo, StreamListResponse, StreamNamesResponse};
use crate::error::Error;
use crate::transport::Transport;
use futures_core::Stream;
use natrs_client::Client;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A page of a list API: its paging fields and its items.
pub trait Paged: DeserializeOwned + Send + 'static {
    /// One item of the list.
    type Item: Send + 'static;
    /// The paging fields and the items.
    fn into_page(self) -> (Page, Vec<Self::Item>);
}

impl Paged for StreamNamesResponse {
    type Item = String;
    fn into_page(self) -> (Page, Vec<String>) {
        (self.page, self.streams)
    }
}

impl Paged for StreamListResponse {
    type Item = StreamInfo;
    fn into_page(self) -> (Page, Vec<StreamInfo>) {
        (self.page, self.streams)
    }
}

impl Paged for ConsumerNamesResponse {
    type Item = String;
    fn into_page(self) -> (Page, Vec<String>) {
        (self.page, self.consumers)
    }
}

impl Paged for ConsumerListResponse {
    type Item = ConsumerInfo;
    fn into_page(self) -> (Page, Vec<ConsumerInfo>) {
        (self.page, self.consumers)
    }
}

type PageFuture<R> = Pin<Box<dyn Future<Output = Result<R, Error>> + Send>>;
type MakeCall<R> = Box<dyn Fn(usize) -> Result<ApiCall<R>, Error> + Send + Sync>;

/// The items of a paged list, as a `Stream` of `Result<O, Error>` that
/// fetches a page when the items of the previous one were taken, and ends
/// after the last page (or the first error). `O` is the API's item or what
/// the listing maps it to (bucket names from stream names, ...).
pub struct Listing<R: Paged, O = <R as Paged>::Item, T: Transport = Client> {
    js: JetStream<T>,
    make_call: MakeCall<R>,
    convert: fn(R::Item) -> Option<O>,
    pager: Pager,
    buffer: VecDeque<O>,
    in_flight: Option<PageFuture<R>>,
    failed: Option<Error>,
    pages: usize,
}

impl<R: Paged, O, T: Transport> fmt::Debug for Listing<R, O, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listing")
            .field("pager", &self.pager)
            .field("buffered", &self.buffer.len())
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

impl<R: Paged, T: Transport> Listing<R, R::Item, T> {
    /// A listing that sends `make_call(offset)` for each page.
    pub fn new(
        js: JetStream<T>,
        make_call: impl Fn(usize) -> Result<ApiCall<R>, Error> + Send + Sync + 'static,
    ) -> Listing<R, R::Item, T> {
        Listing::with_filter(js, make_call, Some)
    }
}

impl<R: Paged, O, T: Transport> Listing<R, O, T> {
    /// A listing whose items are `convert`ed, those it maps to `None`
    /// skipped.
    pub fn with_filter(
        js: JetStream<T>,
        make_call: impl Fn(usize) -> Result<ApiCall<R>, Error> + Send + Sync + 'static,
        convert: fn(R::Item) -> Option<O>,
    ) -> Listing<R, O, T> {
        Listing {
            js,
            make_call: Box::new(make_call),
            convert,
            pager: Pager::new(),
            buffer: VecDeque::new(),
            in_flight: None,
            failed: None,
            pages: 0,
        }
    }

    /// Pages requested so far.
    pub fn pages_requested(&self) -> usize {
        self.pages
    }

    /// Every remaining item, fetching every remaining page.
    pub async fn all(mut self) -> Result<Vec<O>, Error> {
        let mut items = Vec::new();
        while let Some(item) = poll_fn(|cx| Pin::new(&mut self).poll_next(cx)).await {
            items.push(item?);
        }
        Ok(items)
    }
}

impl<R: Paged, O, T: Transport> Unpin for Listing<R, O, T> {}

impl<R: Paged, O, T: Transport> Stream for Listing<R, O, T> {
    type Item = Result<O, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(e) = this.failed.take() {
                this.pager.finish();
                return Poll::Ready(Some(Err(e)));
            }
            if this.in_flight.is_none() {
                let Some(offset) = this.pager.next_offset() else {
                    return Poll::Ready(None);
                };
                match (this.make_call)(offset) {
                    Ok(call) => {
                        let js = this.js.clone();
                        this.pages += 1;
                        this.in_flight = Some(Box::pin(async move { js.call(call).await }));
                    }
                    Err(e) => {
                        this.pager.finish();
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
            let Some(fut) = this.in_flight.as_mut() else {
                continue;
            };
            let reply = match fut.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(reply) => reply,
            };
            this.in_flight = None;
            match reply {
                Ok(page) => {
                    let (page, items) = page.into_page();
                    match this.pager.advance(page, items.len()) {
                        Ok(()) => this
                            .buffer
                            .extend(items.into_iter().filter_map(this.convert)),
                        Err(e) => this.failed = Some(e),
                    }
                }
                Err(e) => this.failed = Some(e),
            }
        }
    }
}

/// Stream names, a page of 1024 at a time ([`JetStream::stream_names`]).
pub type StreamNames<T = Client> = Listing<StreamNamesResponse, String, T>;
/// Stream infos, a page of 256 at a time ([`JetStream::streams`]).
pub type StreamInfos<T = Client> = Listing<StreamListResponse, StreamInfo, T>;
/// Consumer names, a page of 1024 at a time ([`JetStream::consumer_names`]).
pub type ConsumerNames<T = Client> = Listing<ConsumerNamesResponse, String, T>;
/// Consumer infos, a page of 256 at a time ([`JetStream::consumers`]).
pub type ConsumerInfos<T = Client> = Listing<ConsumerListResponse, ConsumerInfo, T>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_transport::FakeTransport;
    use std::task::Waker;

    /// The offset a `STREAM.NAMES` request asks for.
    fn offset_asked(payload: &[u8]) -> usize {
        let request: serde_json::Value = serde_json::from_slice(payload).unwrap();
        request["offset"].as_u64().unwrap_or(0) as usize
    }

    /// Polls `listing` until it ends, at most `bound` items (the fake answers
    /// at once, so nothing is pending); `None` when it had not ended by then.
    fn drain<R: Paged, O, T: Transport>(
        listing: &mut Listing<R, O, T>,
        bound: usize,
    ) -> Option<Vec<Result<O, Error>>> {
        let mut cx = Context::from_waker(Waker::noop());
        let mut items = Vec::new();
        for _ in 0..bound {
            match Pin::new(&mut *listing).poll_next(&mut cx) {
                Poll::Ready(Some(item)) => items.push(item),
                Poll::Ready(None) => return Some(items),
                Poll::Pending => panic!("the fake answers at once"),
            }
        }
        None
    }

    #[test]
    fn a_server_answering_the_first_page_again_ends_the_listing_with_an_error() {
        // Every request gets the first page back, with a total out of reach.
        let fake = FakeTransport::answering(|_, _| {
            Ok(r#"{"total":1000000000,"offset":0,"limit":1024,"streams":["a","b"]}"#.to_string())
        });
        let mut names = JetStream::new(fake.clone()).stream_names(None);
        let items = drain(&mut names, 1000).expect("the listing ends");
        assert_eq!(items.len(), 3, "two names, then the error");
        assert!(matches!(items[2], Err(Error::InvalidResponse(_))));
        assert_eq!(fake.requests(), 2);
    }

    #[test]
    fn empty_pages_below_the_total_end_the_listing() {
        let fake = FakeTransport::answering(|_, payload| {
            Ok(format!(
                r#"{{"total":1000000000,"offset":{},"limit":1024,"streams":[]}}"#,
                offset_asked(payload)
            ))
        });
        let mut names = JetStream::new(fake.clone()).stream_names(None);
        let items = drain(&mut names, 1000).expect("the listing ends");
        assert!(items.is_empty());
        assert_eq!(fake.requests(), 1);
    }

    #[test]
    fn pages_at_the_offsets_asked_for_are_read_to_the_total() {
        let fake = FakeTransport::answering(|_, payload| {
            let offset = offset_asked(payload);
            Ok(format!(
                r#"{{"total":5,"offset":{offset},"limit":2,"streams":["s{offset}","t{offset}"]}}"#
            ))
        });
        let mut names = JetStream::new(fake.clone()).stream_names(None);
        let items = drain(&mut names, 1000).expect("the listing ends");
        let names: Vec<String> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(names, ["s0", "t0", "s2", "t2", "s4", "t4"]);
        assert_eq!(fake.requests(), 3);
    }
}
