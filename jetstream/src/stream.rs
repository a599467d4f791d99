//! [`Stream`]: a handle to one stream: its info, purging, reading and
//! deleting messages (through the leader or by direct get), and its consumers.

use crate::api::consumer::{ConsumerConfig, ConsumerInfo, PauseResponse};
use crate::api::message::{
    self as mapi, DirectGet, DirectReply, MessageGetRequest, StreamMessage, parse_direct_reply,
};
use crate::api::paging::{Page, Pager};
use crate::api::stream::{
    self as sapi, PurgeRequest, PurgeResponse, StreamInfo, StreamInfoRequest,
};
use crate::consumer::OrderedOptions;
use crate::consumer::{Consumer, OrderedConsumer};
use crate::context::JetStream;
use crate::error::Error;
use crate::transport::Transport;
use futures_core::Stream as FuturesStream;
use natrs_client::Client;
use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle to a stream, with the info it was created or looked up with.
pub struct Stream<T: Transport = Client> {
    js: JetStream<T>,
    info: StreamInfo,
}

impl<T: Transport> Clone for Stream<T> {
    fn clone(&self) -> Self {
        Stream {
            js: self.js.clone(),
            info: self.info.clone(),
        }
    }
}

impl<T: Transport> std::fmt::Debug for Stream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("name", &self.info.config.name)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Stream<T> {
    /// A handle for the stream `info` describes.
    pub fn new(js: JetStream<T>, info: StreamInfo) -> Stream<T> {
        Stream { js, info }
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.info.config.name
    }

    /// The info it was created with or last refreshed to.
    pub fn cached_info(&self) -> &StreamInfo {
        &self.info
    }

    /// The context.
    pub fn context(&self) -> &JetStream<T> {
        &self.js
    }

    /// Refreshes and returns the info.
    pub async fn info(&mut self) -> Result<&StreamInfo, Error> {
        self.info = self.js.stream_info(self.name()).await?;
        Ok(&self.info)
    }

    /// The info with extra details (deleted sequences, per-subject counts)
    /// as `request` asks; one page of subjects.
    pub async fn info_with(
        &self,
        request: &StreamInfoRequest,
    ) -> Result<sapi::StreamInfoResponse, Error> {
        self.js
            .call(sapi::info(self.js.prefix(), self.name(), request)?)
            .await
    }

    /// Message counts of every subject matching `filter`, across all pages
    /// (paged as the listings are, see [`Pager`]: a page that is not at the
    /// offset asked for is an [`Error::InvalidResponse`]).
    pub async fn subjects(&self, filter: &str) -> Result<BTreeMap<String, u64>, Error> {
        let mut subjects = BTreeMap::new();
        let mut pager = Pager::new();
        while let Some(offset) = pager.next_offset() {
            let request = StreamInfoRequest {
                offset,
                subjects_filter: Some(filter.to_string()),
                ..StreamInfoRequest::default()
            };
            let page = self.info_with(&request).await?;
            pager.advance(
                Page {
                    total: page.total,
                    offset: page.offset,
                    limit: page.limit,
                },
                page.info.state.subjects.len(),
            )?;
            subjects.extend(page.info.state.subjects);
        }
        Ok(subjects)
    }

    /// Deletes the stream.
    pub async fn delete(&self) -> Result<bool, Error> {
        self.js.delete_stream(self.name()).await
    }

    // ----- purge -----

    /// Removes every message.
    pub async fn purge(&self) -> Result<PurgeResponse, Error> {
        self.purge_with(&PurgeRequest::default()).await
    }

    /// Removes the messages `request` selects (by subject, up to a sequence,
    /// or all but the newest `keep`).
    pub async fn purge_with(&self, request: &PurgeRequest) -> Result<PurgeResponse, Error> {
        self.js
            .call(sapi::purge(self.js.prefix(), self.name(), request)?)
            .await
    }

    /// Removes the messages on subjects matching `filter`.
    pub async fn purge_subject(&self, filter: &str) -> Result<PurgeResponse, Error> {
        self.purge_with(&PurgeRequest {
            filter: Some(filter.to_string()),
            ..PurgeRequest::default()
        })
        .await
    }

    // ----- messages through the leader -----

    /// Reads the message(s) `request` selects through the stream leader.
    pub async fn get_message_with(
        &self,
        request: &MessageGetRequest,
    ) -> Result<StreamMessage, Error> {
        Ok(self
            .js
            .call(mapi::get(self.js.prefix(), self.name(), request)?)
            .await?
            .message)
    }

    /// The message with sequence `sequence`.
    pub async fn get_message(&self, sequence: u64) -> Result<StreamMessage, Error> {
        self.get_message_with(&MessageGetRequest::sequence(sequence))
            .await
    }

    /// The last message on `subject`.
    pub async fn get_last_message(&self, subject: &str) -> Result<StreamMessage, Error> {
        self.get_message_with(&MessageGetRequest::last_by_subject(subject))
            .await
    }

    /// The first message on `subject` at or after sequence `from`.
    pub async fn get_next_message(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        self.get_message_with(&MessageGetRequest::next_by_subject(subject, from))
            .await
    }

    /// Deletes message `sequence` (its bytes stay on disk until compacted).
    pub async fn delete_message(&self, sequence: u64) -> Result<bool, Error> {
        Ok(self
            .js
            .call(mapi::delete(
                self.js.prefix(),
                self.name(),
                sequence,
                false,
            )?)
            .await?
            .success)
    }

    /// Deletes message `sequence` and overwrites its bytes.
    pub async fn erase_message(&self, sequence: u64) -> Result<bool, Error> {
        Ok(self
            .js
            .call(mapi::delete(self.js.prefix(), self.name(), sequence, true)?)
            .await?
            .success)
    }

    // ----- direct get -----

    async fn direct_one(&self, get: DirectGet) -> Result<StreamMessage, Error> {
        let transport = self.js.transport();
        let reply = transport
            .request(&get.subject, get.payload, None, self.js.timeout())?
            .await
            .map_err(|e| match e {
                natrs_client::RequestError::NoResponders => Error::Status {
                    code: 503,
                    description:
                        "no responders: the stream does not exist or does not allow direct get"
                            .to_string(),
                },
                other => Error::from_request(other, true),
            })?;
        match parse_direct_reply(reply)? {
            DirectReply::Message { message, .. } => Ok(message),
            DirectReply::EndOfBatch { .. } => Err(Error::MessageNotFound),
        }
    }

    /// Direct get (any replica answers; needs `allow_direct`) of the message
    /// `request` selects. Batch requests go through [`Stream::direct_batch`].
    pub async fn direct_get_with(
        &self,
        request: &MessageGetRequest,
    ) -> Result<StreamMessage, Error> {
        if request.is_batch() {
            return Err(Error::InvalidArgument(
                "batch requests go through direct_batch".to_string(),
            ));
        }
        self.direct_one(mapi::direct_get(self.js.prefix(), self.name(), request)?)
            .await
    }

    /// Direct get of message `sequence`.
    pub async fn direct_get(&self, sequence: u64) -> Result<StreamMessage, Error> {
        self.direct_get_with(&MessageGetRequest::sequence(sequence))
            .await
    }

    /// Direct get of the last message on `subject` (the subject travels in
    /// the request subject).
    pub async fn direct_get_last(&self, subject: &str) -> Result<StreamMessage, Error> {
        self.direct_one(mapi::direct_get_last(
            self.js.prefix(),
            self.name(),
            subject,
        )?)
        .await
    }

    /// Direct get of the first message on `subject` at or after `from`.
    pub async fn direct_get_next(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        self.direct_get_with(&MessageGetRequest::next_by_subject(subject, from))
            .await
    }

    /// A batched direct get (`batch` or `multi_last`): streams the messages
    /// until the server's `EOB`. With `all_pages`, asks for the next page
    /// while the `EOB` reports more pending (multi-last pages keep the same
    /// `up_to_seq` snapshot).
    pub fn direct_batch(
        &self,
        request: MessageGetRequest,
        all_pages: bool,
    ) -> Result<DirectBatch<T>, Error> {
        if !request.is_batch() {
            return Err(Error::InvalidArgument(
                "direct_batch needs batch or multi_last".to_string(),
            ));
        }
        let mut b = DirectBatch {
            js: self.js.clone(),
            stream: self.name().to_string(),
            request,
            all_pages,
            replies: None,
            end: None,
            done: false,
        };
        b.send()?;
        Ok(b)
    }

    // ----- consumers -----

    /// Creates a consumer on this stream.
    pub async fn create_consumer(&self, config: ConsumerConfig) -> Result<Consumer<T>, Error> {
        self.js.create_consumer(self.name(), config).await
    }

    /// Updates a consumer of this stream.
    pub async fn update_consumer(&self, config: ConsumerConfig) -> Result<Consumer<T>, Error> {
        self.js.update_consumer(self.name(), config).await
    }

    /// Creates or updates a consumer of this stream.
    pub async fn create_or_update_consumer(
        &self,
        config: ConsumerConfig,
    ) -> Result<Consumer<T>, Error> {
        self.js.create_or_update_consumer(self.name(), config).await
    }

    /// A handle to an existing consumer.
    pub async fn get_consumer(&self, name: &str) -> Result<Consumer<T>, Error> {
        self.js.get_consumer(self.name(), name).await
    }

    /// A consumer's info.
    pub async fn consumer_info(&self, name: &str) -> Result<ConsumerInfo, Error> {
        self.js.consumer_info(self.name(), name).await
    }

    /// Deletes a consumer.
    pub async fn delete_consumer(&self, name: &str) -> Result<bool, Error> {
        self.js.delete_consumer(self.name(), name).await
    }

    /// The names of all consumers, a page fetched as the last one is
    /// consumed.
    pub fn consumer_names(&self) -> crate::listing::ConsumerNames<T> {
        self.js.consumer_names(self.name())
    }

    /// The infos of all consumers, a page fetched as the last one is
    /// consumed.
    pub fn consumers(&self) -> crate::listing::ConsumerInfos<T> {
        self.js.consumers(self.name())
    }

    /// Pauses a consumer until `until` (2.11+).
    pub async fn pause_consumer(
        &self,
        name: &str,
        until: time::OffsetDateTime,
    ) -> Result<PauseResponse, Error> {
        self.js.pause_consumer(self.name(), name, until).await
    }

    /// Resumes a consumer (2.11+).
    pub async fn resume_consumer(&self, name: &str) -> Result<PauseResponse, Error> {
        self.js.resume_consumer(self.name(), name).await
    }

    /// An ordered consumer of this stream.
    pub fn ordered_consumer(&self, options: OrderedOptions) -> Result<OrderedConsumer<T>, Error> {
        OrderedConsumer::new(self.js.clone(), self.name(), options)
    }
}

/// Where a batched direct get ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchEnd {
    /// Messages still matching after the last one sent.
    pub num_pending: u64,
    /// The last sequence sent.
    pub last_sequence: u64,
    /// The snapshot sequence of a multi-last read.
    pub up_to_sequence: Option<u64>,
}

/// The messages of a batched direct get, as a stream of `Result<StreamMessage>`.
pub struct DirectBatch<T: Transport = Client> {
    js: JetStream<T>,
    stream: String,
    request: MessageGetRequest,
    all_pages: bool,
    replies: Option<T::Replies>,
    end: Option<BatchEnd>,
    done: bool,
}

impl<T: Transport> std::fmt::Debug for DirectBatch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectBatch")
            .field("stream", &self.stream)
            .field("request", &self.request)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> DirectBatch<T> {
    fn send(&mut self) -> Result<(), Error> {
        let get = mapi::direct_get(self.js.prefix(), &self.stream, &self.request)?;
        let timeout = self.js.timeout();
        self.replies = Some(self.js.transport().request_many(
            &get.subject,
            get.payload,
            timeout,
            Some(timeout),
        )?);
        Ok(())
    }

    /// How the last page ended (after the stream ended).
    pub fn end(&self) -> Option<BatchEnd> {
        self.end
    }

    fn finish(&mut self) {
        self.replies = None;
        self.done = true;
    }
}

impl<T: Transport> FuturesStream for DirectBatch<T> {
    type Item = Result<StreamMessage, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let Some(replies) = this.replies.as_mut() else {
                return Poll::Ready(None);
            };
            let reply = match Pin::new(replies).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    // No EOB before the timeout.
                    this.finish();
                    return Poll::Ready(Some(Err(Error::TimedOut(this.js.timeout()))));
                }
                Poll::Ready(Some(Err(e))) => {
                    this.finish();
                    let e = match e {
                        natrs_client::RequestError::NoResponders => Error::Status {
                            code: 503,
                            description: "no responders: the stream does not exist or does not allow direct get".to_string(),
                        },
                        other => Error::from_request(other, true),
                    };
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(m))) => m,
            };
            match parse_direct_reply(reply) {
                Ok(DirectReply::Message { message, .. }) => return Poll::Ready(Some(Ok(message))),
                Ok(DirectReply::EndOfBatch {
                    num_pending,
                    last_sequence,
                    up_to_sequence,
                }) => {
                    this.end = Some(BatchEnd {
                        num_pending,
                        last_sequence,
                        up_to_sequence,
                    });
                    let more = this.all_pages && num_pending > 0 && last_sequence > 0;
                    // A page holds messages from the sequence asked for on;
                    // one that ends before it would be asked for again.
                    let asked = this.request.sequence.unwrap_or(0);
                    if more && last_sequence < asked {
                        this.finish();
                        return Poll::Ready(Some(Err(Error::InvalidResponse(format!(
                            "a direct get page asked to start at sequence {asked} ended at sequence {last_sequence}"
                        )))));
                    }
                    // No page follows one that ended at the last sequence
                    // a stream can hold.
                    let Some(next) = last_sequence.checked_add(1).filter(|_| more) else {
                        this.finish();
                        return Poll::Ready(None);
                    };
                    this.request.sequence = Some(next);
                    if !this.request.multi_last.is_empty() {
                        this.request.up_to_sequence =
                            up_to_sequence.or(this.request.up_to_sequence);
                    }
                    if let Err(e) = this.send() {
                        this.finish();
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                // A batch whose first match does not exist: nothing to read.
                Err(Error::MessageNotFound) => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Err(e) => {
                    this.finish();
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_transport::FakeTransport;
    use bytes::Bytes;
    use natrs_client::{HeaderMap, Message, StatusCode, Subject};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Waker;

    fn end_of_batch(num_pending: u64, last_sequence: u64) -> Message {
        let mut headers = HeaderMap::with_status(StatusCode(204), Some("EOB"));
        headers.insert("Nats-Num-Pending", num_pending.to_string());
        headers.insert("Nats-Last-Sequence", last_sequence.to_string());
        Message {
            subject: Subject::from_static("_INBOX.fake1"),
            reply: None,
            headers: Some(headers),
            payload: Bytes::new(),
            length: 0,
        }
    }

    /// A stream handle on `fake`.
    fn stream_on(fake: FakeTransport) -> Stream<FakeTransport> {
        Stream::new(
            JetStream::new(fake),
            StreamInfo {
                config: crate::api::stream::StreamConfig::new("S"),
                ..StreamInfo::default()
            },
        )
    }

    /// Polls `fut` once: the fake answers at once, so it is ready.
    fn ready<F: std::future::Future>(fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("the fake answers at once"),
        }
    }

    #[test]
    fn subject_pages_repeated_by_the_server_end_with_an_error() {
        // Every request gets the first page of subjects back, with a total
        // out of reach; the hundredth request fails the test.
        let asked = AtomicUsize::new(0);
        let fake = FakeTransport::answering(move |_, _| {
            assert!(
                asked.fetch_add(1, Ordering::Relaxed) < 100,
                "subjects kept asking for pages"
            );
            Ok(
                r#"{"total":1000000,"offset":0,"limit":2,"state":{"subjects":{"a":1,"b":2}}}"#
                    .to_string(),
            )
        });
        let result = ready(stream_on(fake.clone()).subjects(">"));
        assert!(
            matches!(result, Err(Error::InvalidResponse(_))),
            "{result:?}"
        );
        assert_eq!(fake.requests(), 2);
    }

    #[test]
    fn subject_pages_are_read_to_the_total() {
        let fake = FakeTransport::answering(|_, payload| {
            let request: serde_json::Value = serde_json::from_slice(payload).unwrap();
            let offset = request["offset"].as_u64().unwrap_or(0);
            Ok(format!(
                r#"{{"total":5,"offset":{offset},"limit":2,"state":{{"subjects":{{"a{offset}":1,"b{offset}":2}}}}}}"#
            ))
        });
        let subjects = ready(stream_on(fake.clone()).subjects(">")).unwrap();
        let names: Vec<&str> = subjects.keys().map(String::as_str).collect();
        assert_eq!(names, ["a0", "a2", "a4", "b0", "b2", "b4"]);
        assert_eq!(fake.requests(), 3);
    }

    #[test]
    fn a_batch_whose_pages_do_not_advance_ends_with_an_error() {
        let fake = FakeTransport::default();
        // The first page (from 1) ends at 5; the second, asked from 6, ends
        // at 5 again with more pending.
        fake.queue_replies(vec![end_of_batch(10, 5)]);
        fake.queue_replies(vec![end_of_batch(10, 5)]);
        let mut batch = stream_on(fake)
            .direct_batch(MessageGetRequest::batch("a", 1, 5), true)
            .expect("the first page is asked for");
        let mut cx = Context::from_waker(Waker::noop());
        let first = Pin::new(&mut batch).poll_next(&mut cx);
        assert!(
            matches!(first, Poll::Ready(Some(Err(Error::InvalidResponse(_))))),
            "{first:?}"
        );
        assert!(matches!(
            Pin::new(&mut batch).poll_next(&mut cx),
            Poll::Ready(None)
        ));
    }

    #[test]
    fn a_page_ending_at_the_last_sequence_ends_the_batch() {
        let fake = FakeTransport::default();
        // More pending after u64::MAX: no sequence is left to ask from.
        fake.queue_replies(vec![end_of_batch(5, u64::MAX)]);
        fake.queue_replies(vec![end_of_batch(0, 0)]);
        let stream = Stream::new(
            JetStream::new(fake),
            StreamInfo {
                config: crate::api::stream::StreamConfig::new("S"),
                ..StreamInfo::default()
            },
        );
        let mut batch = stream
            .direct_batch(MessageGetRequest::batch("a", 1, 10), true)
            .expect("the first page is asked for");
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(
            Pin::new(&mut batch).poll_next(&mut cx),
            Poll::Ready(None)
        ));
        assert_eq!(batch.end().map(|e| e.last_sequence), Some(u64::MAX));
    }
}
