//! The subscription table: what to resend after a reconnect and how many
//! messages each subscription may still receive.

use crate::client::event::Sid;
use crate::client::sid_map::SidMap;
use alloc::string::String;
use alloc::vec::Vec;

/// One subscription.
#[derive(Debug, Clone)]
pub(crate) struct Sub {
    pub(crate) subject: String,
    pub(crate) queue: Option<String>,
    /// Auto-unsubscribe after this many messages in total.
    pub(crate) max: Option<u64>,
    /// Messages delivered so far.
    pub(crate) delivered: u64,
    /// Unsubscribed on the server; waiting for the PONG that proves nothing more comes.
    pub(crate) draining: bool,
}

impl Sub {
    /// Messages it may still receive before auto-unsubscribing, if limited.
    pub(crate) fn remaining(&self) -> Option<u64> {
        self.max.map(|m| m.saturating_sub(self.delivered))
    }
}

/// Subscriptions by sid (sids only grow, so their order is the order the
/// subscriptions were made in).
#[derive(Debug, Default)]
pub(crate) struct Subs {
    map: SidMap<Sub>,
    next_sid: u64,
}

impl Subs {
    pub(crate) fn insert(&mut self, subject: String, queue: Option<String>) -> Sid {
        self.next_sid += 1;
        let sid = self.next_sid;
        self.map.insert(
            sid,
            Sub {
                subject,
                queue,
                max: None,
                delivered: 0,
                draining: false,
            },
        );
        Sid(sid)
    }

    pub(crate) fn get(&self, sid: Sid) -> Option<&Sub> {
        self.map.get(&sid.0)
    }

    pub(crate) fn get_mut(&mut self, sid: Sid) -> Option<&mut Sub> {
        self.map.get_mut(&sid.0)
    }

    pub(crate) fn remove(&mut self, sid: Sid) -> Option<Sub> {
        self.map.remove(&sid.0)
    }

    /// Every subscription, in the order they were made.
    pub(crate) fn in_order(&self) -> Vec<(Sid, &Sub)> {
        let mut all: Vec<(Sid, &Sub)> = self.map.iter().map(|(k, v)| (Sid(*k), v)).collect();
        all.sort_unstable_by_key(|(sid, _)| sid.0);
        all
    }

    /// Every sid, in the order the subscriptions were made.
    pub(crate) fn sids(&self) -> Vec<Sid> {
        let mut sids: Vec<Sid> = self.map.keys().map(|k| Sid(*k)).collect();
        sids.sort_unstable_by_key(|sid| sid.0);
        sids
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}
