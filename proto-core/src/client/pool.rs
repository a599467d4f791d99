//! The server pool: configured servers plus those the cluster announces, the
//! order they are tried in, and per-server attempt counts.

use crate::error::ServerError;
use crate::server_addr::ServerAddr;
use crate::time::Instant;
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

/// One server of the pool.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) addr: ServerAddr,
    /// Learned from INFO `connect_urls` rather than configured.
    pub(crate) implicit: bool,
    /// Reconnect attempts since the last successful connection to it.
    pub(crate) attempts: u32,
    /// The last authentication error it sent since the last successful
    /// connection to it.
    pub(crate) last_auth_error: Option<ServerError>,
    /// When the client last started connecting to it.
    pub(crate) last_attempt: Option<Instant>,
}

/// The servers to try, front first. The server being tried or used was moved
/// to the back when it was picked, so the next pick is another server.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    entries: Vec<Entry>,
    /// Index of the server of the current connection or attempt.
    current: Option<usize>,
}

impl Pool {
    /// A pool of the configured servers, shuffled unless `retain_order`.
    pub(crate) fn new(
        servers: Vec<ServerAddr>,
        retain_order: bool,
        rng: &mut fastrand::Rng,
    ) -> Pool {
        let mut entries: Vec<Entry> = Vec::with_capacity(servers.len());
        for addr in servers {
            if !entries.iter().any(|e| same_server(&e.addr, &addr)) {
                entries.push(Entry {
                    addr,
                    implicit: false,
                    attempts: 0,
                    last_auth_error: None,
                    last_attempt: None,
                });
            }
        }
        if !retain_order {
            rng.shuffle(&mut entries);
        }
        Pool {
            entries,
            current: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The servers, in the order they would be tried.
    pub(crate) fn addrs(&self) -> impl Iterator<Item = &ServerAddr> {
        self.entries.iter().map(|e| &e.addr)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The server of the current connection or attempt.
    pub(crate) fn current(&self) -> Option<&Entry> {
        self.current.and_then(|i| self.entries.get(i))
    }

    pub(crate) fn current_mut(&mut self) -> Option<&mut Entry> {
        self.current.and_then(|i| self.entries.get_mut(i))
    }

    /// Replaces the servers with `servers` (once each, shuffled unless
    /// `retain_order`); a server also in the old pool keeps its counts.
    /// Returns whether the current server is in the new pool (it then stays
    /// current, at the back); if not, nothing is current.
    pub(crate) fn replace(
        &mut self,
        servers: Vec<ServerAddr>,
        retain_order: bool,
        rng: &mut fastrand::Rng,
    ) -> bool {
        let current = self.current().map(|e| Key::of(&e.addr));
        let mut old: Vec<Entry> = core::mem::take(&mut self.entries);
        let mut entries: Vec<Entry> = Vec::with_capacity(servers.len());
        for addr in servers {
            if entries.iter().any(|e| same_server(&e.addr, &addr)) {
                continue;
            }
            let known = old.iter().position(|e| same_server(&e.addr, &addr));
            let mut entry = match known {
                Some(i) => old.swap_remove(i),
                None => Entry {
                    addr: addr.clone(),
                    implicit: false,
                    attempts: 0,
                    last_auth_error: None,
                    last_attempt: None,
                },
            };
            // The address as given now (its scheme and credentials).
            entry.addr = addr;
            entry.implicit = false;
            entries.push(entry);
        }
        if !retain_order {
            rng.shuffle(&mut entries);
        }
        self.entries = entries;
        self.current = None;
        let Some(key) = current else {
            return false;
        };
        match self.entries.iter().position(|e| Key::of(&e.addr) == key) {
            Some(i) => {
                let e = self.entries.remove(i);
                self.entries.push(e);
                self.current = Some(self.entries.len() - 1);
                true
            }
            None => false,
        }
    }

    /// Moves the server `addr` to the front, so that [`pick`](Pool::pick)
    /// takes it next; one not in the pool joins it as a configured server.
    pub(crate) fn promote(&mut self, addr: ServerAddr) {
        let entry = match self
            .entries
            .iter()
            .position(|e| same_server(&e.addr, &addr))
        {
            Some(i) => {
                if self.current == Some(i) {
                    self.current = None;
                }
                let e = self.entries.remove(i);
                if let Some(c) = self.current.as_mut() {
                    if *c > i {
                        *c -= 1;
                    }
                }
                e
            }
            None => Entry {
                addr,
                implicit: false,
                attempts: 0,
                last_auth_error: None,
                last_attempt: None,
            },
        };
        self.entries.insert(0, entry);
        if let Some(c) = self.current.as_mut() {
            *c += 1;
        }
    }

    /// When the server [`pick`](Pool::pick) would take next was last tried.
    pub(crate) fn next_last_attempt(&self, max_attempts: Option<u32>) -> Option<Instant> {
        self.entries
            .iter()
            .find(|e| max_attempts.is_none_or(|max| e.attempts < max))
            .and_then(|e| e.last_attempt)
    }

    /// Picks the server at the front, moves it to the back and makes it current.
    /// When `max_attempts` is set, servers that reached it are dropped first;
    /// `count_attempt` adds one to the picked server's attempts. `now` is
    /// remembered as its last attempt.
    pub(crate) fn pick(
        &mut self,
        max_attempts: Option<u32>,
        count_attempt: bool,
        now: Instant,
    ) -> Option<ServerAddr> {
        if let Some(max) = max_attempts {
            self.entries.retain(|e| e.attempts < max);
        }
        if self.entries.is_empty() {
            self.current = None;
            return None;
        }
        let mut entry = self.entries.remove(0);
        if count_attempt {
            entry.attempts += 1;
        }
        entry.last_attempt = Some(now);
        let addr = entry.addr.clone();
        self.entries.push(entry);
        self.current = Some(self.entries.len() - 1);
        Some(addr)
    }

    /// The current server connected: its attempts and its last authentication
    /// error start over.
    pub(crate) fn connected(&mut self) {
        if let Some(e) = self.current_mut() {
            e.attempts = 0;
            e.last_auth_error = None;
        }
    }

    /// Records an authentication error from the current server. Returns
    /// whether it is the same error that server sent last time (the rule that
    /// the same authentication error twice in a row from one server closes
    /// the client).
    pub(crate) fn repeated_auth_error(&mut self, err: &ServerError) -> bool {
        let Some(e) = self.current_mut() else {
            return false;
        };
        if e.last_auth_error.as_ref() == Some(err) {
            return true;
        }
        e.last_auth_error = Some(err.clone());
        false
    }

    /// Applies INFO `connect_urls`: adds servers not yet known as implicit ones
    /// and drops implicit ones no longer listed (never the current one).
    /// Returns the added servers as `host:port`.
    ///
    /// `secure`: the client uses TLS (required by the options, a configured
    /// `tls://` server, or the connection the list came from): every listed
    /// server is then used with TLS, whatever scheme the list gives it, so a
    /// server (or anyone who can write into a plain-text INFO) cannot steer
    /// the client, and its password, to plain text.
    ///
    /// Runs in O(n log n) for n listed servers (the client's lock is held
    /// meanwhile), and keeps at most [`MAX_DISCOVERED`] implicit servers: the
    /// first ones listed.
    pub(crate) fn update_discovered(
        &mut self,
        urls: &[String],
        secure: bool,
        retain_order: bool,
        rng: &mut fastrand::Rng,
    ) -> Vec<String> {
        let template = match self.current() {
            Some(e) => e.addr.clone(),
            None => return Vec::new(),
        };
        let current_key = Key::of(&template);
        let known: BTreeSet<Key> = self.entries.iter().map(|e| Key::of(&e.addr)).collect();
        // The listed servers, once each, in the order given, up to the cap.
        let mut listed: BTreeSet<Key> = BTreeSet::new();
        let mut fresh: Vec<Entry> = Vec::new();
        for url in urls {
            if listed.len() >= MAX_DISCOVERED {
                break;
            }
            let Ok(mut addr) = ServerAddr::from_discovered(url, template.scheme()) else {
                continue;
            };
            if secure {
                addr = addr.into_tls();
            }
            let key = Key::of(&addr);
            if !listed.insert(key.clone()) || known.contains(&key) {
                continue;
            }
            // Credentials given in a configured URL apply to the whole cluster.
            addr.inherit_credentials(&template);
            fresh.push(Entry {
                addr,
                implicit: true,
                attempts: 0,
                last_auth_error: None,
                last_attempt: None,
            });
        }
        self.entries.retain(|e| {
            let key = Key::of(&e.addr);
            !e.implicit || key == current_key || listed.contains(&key)
        });
        if secure {
            for e in self.entries.iter_mut().filter(|e| e.implicit) {
                if !e.addr.is_tls() {
                    e.addr = e.addr.clone().into_tls();
                }
            }
        }
        // Servers listed again stay; new ones fill what the cap leaves.
        let kept = self.entries.iter().filter(|e| e.implicit).count();
        fresh.truncate(MAX_DISCOVERED.saturating_sub(kept));
        let added = fresh.iter().map(|e| e.addr.host_port()).collect();
        if !retain_order {
            rng.shuffle(&mut fresh);
        }
        // New servers go in front of the current one (which sits at the back).
        self.entries.extend(fresh);
        self.current = self
            .entries
            .iter()
            .position(|e| Key::of(&e.addr) == current_key);
        if let Some(i) = self.current {
            let e = self.entries.remove(i);
            self.entries.push(e);
            self.current = Some(self.entries.len() - 1);
        }
        added
    }

    /// A host name to verify TLS certificates against for `addr`: its own host,
    /// unless it is a bare IP learned from the cluster, in which case the host
    /// name of a configured server is used.
    pub(crate) fn tls_name(&self, addr: &ServerAddr) -> String {
        let implicit = self
            .entries
            .iter()
            .any(|e| e.implicit && same_server(&e.addr, addr));
        if implicit && addr.is_ip() {
            if let Some(e) = self.entries.iter().find(|e| !e.implicit && !e.addr.is_ip()) {
                return String::from(e.addr.host());
            }
        }
        String::from(addr.host())
    }

    /// Whether any server uses TLS (for the reconnect jitter).
    pub(crate) fn any_tls(&self) -> bool {
        self.entries.iter().any(|e| e.addr.is_tls())
    }
}

fn same_server(a: &ServerAddr, b: &ServerAddr) -> bool {
    a.port() == b.port() && a.host().eq_ignore_ascii_case(b.host())
}

/// Most servers learned from INFO `connect_urls` kept in the pool. nats.go
/// keeps every one; a real cluster announces its own nodes (tens, rarely a
/// few hundred), so 1,024 leaves room for any of them while bounding what a
/// hostile or broken server can make the client hold, and the length of a
/// pass over the pool (each server tried once before the reconnect wait).
pub const MAX_DISCOVERED: usize = 1024;

/// Identifies a server as [`same_server`] does (host without case, port), in
/// an order, so lookups in large lists are logarithmic.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    host: String,
    port: u16,
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> core::cmp::Ordering {
        #[cfg(all(test, feature = "std"))]
        tests::COMPARISONS.with(|c| c.set(c.get() + 1));
        (self.host.as_str(), self.port).cmp(&(other.host.as_str(), other.port))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Key {
    fn of(addr: &ServerAddr) -> Key {
        Key {
            host: addr.host().to_ascii_lowercase(),
            port: addr.port(),
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use alloc::format;
    use core::cell::Cell;

    std::thread_local! {
        /// Key comparisons made on this thread.
        pub(super) static COMPARISONS: Cell<u64> = const { Cell::new(0) };
    }

    fn pool_connected_to(url: &str) -> (Pool, fastrand::Rng) {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut pool = Pool::new(alloc::vec![ServerAddr::parse(url).unwrap()], true, &mut rng);
        pool.pick(None, false, Instant::ZERO);
        (pool, rng)
    }

    fn urls(n: usize, offset: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    "10.{}.{}.{}:4222",
                    (i + offset) >> 16,
                    ((i + offset) >> 8) & 255,
                    (i + offset) & 255
                )
            })
            .collect()
    }

    /// 100,000 announced servers: the update makes O(n log n) comparisons
    /// (counted, not timed) and keeps `MAX_DISCOVERED` of them.
    #[test]
    fn a_huge_connect_urls_list_is_linearithmic_and_capped() {
        let n = 100_000;
        let (mut pool, mut rng) = pool_connected_to("nats://127.0.0.1:4222");
        let list = urls(n, 0);
        COMPARISONS.with(|c| c.set(0));
        let added = pool.update_discovered(&list, false, false, &mut rng);
        let first = COMPARISONS.with(Cell::get);
        assert_eq!(added.len(), MAX_DISCOVERED);
        assert_eq!(pool.len(), MAX_DISCOVERED + 1);
        // The same list again, then a wholly new one: nothing is added the
        // second time, the third replaces every implicit server.
        COMPARISONS.with(|c| c.set(0));
        assert!(
            pool.update_discovered(&list, false, false, &mut rng)
                .is_empty()
        );
        let list2 = urls(n, n);
        assert_eq!(
            pool.update_discovered(&list2, false, false, &mut rng).len(),
            MAX_DISCOVERED
        );
        let more = COMPARISONS.with(Cell::get);
        assert_eq!(pool.len(), MAX_DISCOVERED + 1);
        assert_eq!(pool.current().unwrap().addr.host(), "127.0.0.1");
        // n * log2(MAX_DISCOVERED) plus the set's own work: a quadratic update
        // would make billions.
        let bound = 40 * n as u64;
        assert!(
            first < bound && more < 2 * bound,
            "{first} and {more} comparisons for {n} urls"
        );
    }

    /// Duplicates (any case) count once and never take a place of the cap.
    #[test]
    fn duplicates_do_not_fill_the_cap() {
        let (mut pool, mut rng) = pool_connected_to("nats://127.0.0.1:4222");
        let mut list = alloc::vec![String::from("a.example:4222"); 5000];
        list.push(String::from("A.EXAMPLE:4222"));
        list.push(String::from("127.0.0.1:4222"));
        list.push(String::from("b.example:4222"));
        let added = pool.update_discovered(&list, false, true, &mut rng);
        assert_eq!(added, ["a.example:4222", "b.example:4222"]);
        assert_eq!(pool.len(), 3);
    }

    /// A secure client uses every discovered server with TLS, whatever the
    /// list says.
    #[test]
    fn a_secure_client_discovers_tls_servers() {
        let (mut pool, mut rng) = pool_connected_to("tls://127.0.0.1:4222");
        let list = alloc::vec![
            String::from("nats://127.0.0.2:4222"),
            String::from("127.0.0.3:4222")
        ];
        pool.update_discovered(&list, true, true, &mut rng);
        let schemes: Vec<String> = pool.addrs().map(|a| format!("{a}")).collect();
        assert_eq!(
            schemes,
            [
                "tls://127.0.0.2:4222",
                "tls://127.0.0.3:4222",
                "tls://127.0.0.1:4222"
            ]
        );
    }
}
