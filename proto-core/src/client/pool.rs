//! The server pool: configured servers plus those the cluster announces, the
//! order they are tried in, and per-server attempt counts.

use crate::error::ServerError;
use crate::server_addr::ServerAddr;
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

    /// Picks the server at the front, moves it to the back and makes it current.
    /// When `max_attempts` is set, servers that reached it are dropped first;
    /// `count_attempt` adds one to the picked server's attempts.
    pub(crate) fn pick(
        &mut self,
        max_attempts: Option<u32>,
        count_attempt: bool,
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
    pub(crate) fn update_discovered(
        &mut self,
        urls: &[String],
        retain_order: bool,
        rng: &mut fastrand::Rng,
    ) -> Vec<String> {
        let template = match self.current() {
            Some(e) => e.addr.clone(),
            None => return Vec::new(),
        };
        let mut listed: Vec<ServerAddr> = Vec::with_capacity(urls.len());
        for url in urls {
            if let Ok(mut addr) = ServerAddr::from_discovered(url, template.scheme()) {
                // Credentials given in a configured URL apply to the whole cluster.
                addr.inherit_credentials(&template);
                listed.push(addr);
            }
        }
        let current_addr = template;
        self.entries.retain(|e| {
            !e.implicit
                || same_server(&e.addr, &current_addr)
                || listed.iter().any(|l| same_server(l, &e.addr))
        });
        let mut added = Vec::new();
        let mut fresh: Vec<Entry> = Vec::new();
        for addr in listed {
            let known = self.entries.iter().any(|e| same_server(&e.addr, &addr))
                || fresh.iter().any(|e| same_server(&e.addr, &addr));
            if !known {
                added.push(addr.host_port());
                fresh.push(Entry {
                    addr,
                    implicit: true,
                    attempts: 0,
                    last_auth_error: None,
                });
            }
        }
        if !retain_order {
            rng.shuffle(&mut fresh);
        }
        // New servers go in front of the current one (which sits at the back).
        self.entries.extend(fresh);
        self.current = self
            .entries
            .iter()
            .position(|e| same_server(&e.addr, &current_addr));
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
