//! Ordered consumers (ADR-17) as a sans-IO state machine: an ephemeral,
//! unacknowledged, memory-backed, single-replica pull consumer whose
//! deliveries are checked for gaps in the consumer sequence. On a gap, a
//! deleted consumer, missed heartbeats or a reconnect the application layer
//! asks this machine for the next consumer: a new serial name starting at
//! the stream sequence after the last one delivered. Deliveries from older
//! consumers are skipped, so the application sees every message once, in
//! order.

use crate::api::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy};
use crate::consumer::OrderedOptions;
use crate::metadata::AckSubject;

/// What to do with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderedStep {
    /// Hand it to the application.
    Deliver,
    /// Drop it: it comes from a consumer that was replaced.
    Skip,
    /// A message is missing: drop this one and move to the next consumer.
    Reset,
}

/// The sequence bookkeeping of an ordered consumer.
#[derive(Debug, Clone)]
pub struct Ordered {
    options: OrderedOptions,
    prefix: String,
    serial: u64,
    current: Option<String>,
    stream_sequence: u64,
    consumer_sequence: u64,
}

impl Ordered {
    /// An ordered consumer whose consumers are named `<prefix>_<serial>`
    /// (pick a unique prefix, such as a NUID).
    pub fn new(options: OrderedOptions, prefix: impl Into<String>) -> Ordered {
        Ordered {
            options,
            prefix: prefix.into(),
            serial: 0,
            current: None,
            stream_sequence: 0,
            consumer_sequence: 0,
        }
    }

    /// The name of the current consumer.
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The stream sequence of the last message delivered (0: none yet).
    pub fn last_stream_sequence(&self) -> u64 {
        self.stream_sequence
    }

    /// How many consumers were made so far.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// Moves to a new consumer and returns its configuration: it starts
    /// where the application left off (or as configured, before anything was
    /// delivered).
    pub fn next_consumer(&mut self) -> ConsumerConfig {
        self.serial += 1;
        self.consumer_sequence = 0;
        let name = format!("{}_{}", self.prefix, self.serial);
        self.current = Some(name.clone());
        let o = &self.options;
        let (deliver_policy, opt_start_seq, opt_start_time) = if self.stream_sequence == 0 {
            (o.deliver_policy, o.opt_start_seq, o.opt_start_time)
        } else {
            match self.stream_sequence.checked_add(1) {
                Some(next) => (DeliverPolicy::ByStartSequence, Some(next), None),
                // The last sequence a stream can hold was delivered: only
                // what is stored from now on can follow.
                None => (DeliverPolicy::New, None, None),
            }
        };
        let (filter_subject, filter_subjects) = match o.filter_subjects.as_slice() {
            [one] => (Some(one.clone()), Vec::new()),
            many => (None, many.to_vec()),
        };
        ConsumerConfig {
            name: Some(name),
            deliver_policy,
            opt_start_seq,
            opt_start_time,
            ack_policy: AckPolicy::None,
            replay_policy: o.replay_policy,
            headers_only: o.headers_only,
            inactive_threshold: Some(o.inactive_threshold),
            num_replicas: 1,
            memory_storage: true,
            filter_subject,
            filter_subjects,
            metadata: o.metadata.clone(),
            ..ConsumerConfig::default()
        }
    }

    /// Checks a delivery's metadata.
    pub fn handle_delivery(&mut self, meta: &AckSubject<'_>) -> OrderedStep {
        if self.current.as_deref() != Some(meta.consumer) {
            return OrderedStep::Skip;
        }
        if meta.consumer_sequence != self.consumer_sequence + 1 {
            return OrderedStep::Reset;
        }
        self.consumer_sequence = meta.consumer_sequence;
        self.stream_sequence = meta.stream_sequence;
        OrderedStep::Deliver
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(consumer: &str, cseq: u64, sseq: u64) -> String {
        format!("$JS.ACK.S.{consumer}.1.{sseq}.{cseq}.1700000000000000000.0")
    }

    #[test]
    fn gaps_reset_from_the_next_stream_sequence() {
        let mut o = Ordered::new(
            OrderedOptions {
                filter_subjects: vec!["a.>".into()],
                ..Default::default()
            },
            "P",
        );
        let c1 = o.next_consumer();
        assert_eq!(c1.name.as_deref(), Some("P_1"));
        assert_eq!(c1.deliver_policy, DeliverPolicy::All);
        assert_eq!(c1.ack_policy, AckPolicy::None);
        assert!(c1.memory_storage);
        assert_eq!(c1.num_replicas, 1);
        assert_eq!(c1.filter_subject.as_deref(), Some("a.>"));
        let step = |o: &mut Ordered, s: &str| o.handle_delivery(&AckSubject::parse(s).unwrap());
        assert_eq!(step(&mut o, &meta("P_1", 1, 10)), OrderedStep::Deliver);
        assert_eq!(step(&mut o, &meta("P_1", 2, 12)), OrderedStep::Deliver);
        // Consumer sequence 4 after 2: message 3 is missing.
        assert_eq!(step(&mut o, &meta("P_1", 4, 15)), OrderedStep::Reset);
        assert_eq!(o.last_stream_sequence(), 12);
        let c2 = o.next_consumer();
        assert_eq!(c2.name.as_deref(), Some("P_2"));
        assert_eq!(c2.deliver_policy, DeliverPolicy::ByStartSequence);
        assert_eq!(c2.opt_start_seq, Some(13));
        // Late deliveries of the old consumer are skipped.
        assert_eq!(step(&mut o, &meta("P_1", 5, 16)), OrderedStep::Skip);
        assert_eq!(step(&mut o, &meta("P_2", 1, 13)), OrderedStep::Deliver);
        assert_eq!(o.last_stream_sequence(), 13);
        assert_eq!(o.serial(), 2);
    }

    #[test]
    fn several_filters_and_start_options() {
        let mut o = Ordered::new(
            OrderedOptions {
                filter_subjects: vec!["a".into(), "b".into()],
                deliver_policy: DeliverPolicy::ByStartSequence,
                opt_start_seq: Some(7),
                ..Default::default()
            },
            "Q",
        );
        let c = o.next_consumer();
        assert_eq!(c.filter_subject, None);
        assert_eq!(c.filter_subjects, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(c.opt_start_seq, Some(7));
        // Reset before anything was delivered keeps the configured start.
        let c = o.next_consumer();
        assert_eq!(c.opt_start_seq, Some(7));
    }

    #[test]
    fn a_delivery_at_the_last_stream_sequence_resets_to_new_messages() {
        let mut o = Ordered::new(OrderedOptions::default(), "M");
        o.next_consumer();
        let last = meta("M_1", 1, u64::MAX);
        let step = o.handle_delivery(&AckSubject::parse(&last).unwrap());
        assert_eq!(step, OrderedStep::Deliver);
        // No sequence follows u64::MAX: the next consumer takes what is
        // stored from now on.
        let c = o.next_consumer();
        assert_eq!(c.deliver_policy, DeliverPolicy::New);
        assert_eq!(c.opt_start_seq, None);
    }
}
