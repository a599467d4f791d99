//! Stream and consumer reports with blocking iterators (see [`crate::report`]).

use super::{Iter, JetStream, Listing};
use crate::api::consumer::ConsumerListResponse;
use crate::api::stream::StreamListResponse;
use crate::report::{ConsumerReport, StreamReport};

impl JetStream {
    /// The stream report: a row per stream (storing `subject`, when given),
    /// a page fetched as the last one is consumed.
    pub fn stream_report(
        &self,
        subject: Option<&str>,
    ) -> Listing<StreamListResponse, StreamReport> {
        Iter(self.inner.stream_report(subject))
    }

    /// The consumer report of `stream`: a row per consumer, a page fetched
    /// as the last one is consumed.
    pub fn consumer_report(&self, stream: &str) -> Listing<ConsumerListResponse, ConsumerReport> {
        Iter(self.inner.consumer_report(stream))
    }
}
