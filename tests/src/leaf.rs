//! A hub server and a leaf node server connected to it, each with its own JetStream
//! domain: [`LeafNodeConfig`] and [`LeafNode`].

use std::time::Duration;

use crate::cluster::{DEFAULT_FORM_TIMEOUT, free_ports};
use crate::error::{HarnessError, Result};
use crate::process;
use crate::server::{HOST, Server, ServerConfig};
use crate::wait::poll_until;

/// How many times [`LeafNodeConfig::start`] starts the hub again with a fresh leaf node
/// port when the one it picked was taken before the hub bound it.
const PORT_RACE_ATTEMPTS: usize = 4;

/// How long one probe of a JetStream domain waits for its answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// How to start a [`LeafNode`]: a builder, consumed by [`LeafNodeConfig::start`].
///
/// Defaults: JetStream on both servers, the hub in domain `hub`, the leaf in domain
/// `leaf`, servers named `hub` and `leaf`, monitoring on both, the global account on both
/// sides of the leaf node connection.
#[derive(Debug, Clone)]
pub struct LeafNodeConfig {
    jetstream: bool,
    hub_domain: String,
    leaf_domain: String,
    hub_config: Option<String>,
    leaf_config: Option<String>,
    link_timeout: Duration,
}

impl Default for LeafNodeConfig {
    fn default() -> Self {
        LeafNodeConfig {
            jetstream: true,
            hub_domain: "hub".to_owned(),
            leaf_domain: "leaf".to_owned(),
            hub_config: None,
            leaf_config: None,
            link_timeout: DEFAULT_FORM_TIMEOUT,
        }
    }
}

impl LeafNodeConfig {
    /// The defaults (see the type docs).
    pub fn new() -> LeafNodeConfig {
        LeafNodeConfig::default()
    }

    /// JetStream on both servers (the default) or on neither.
    pub fn jetstream(mut self, on: bool) -> LeafNodeConfig {
        self.jetstream = on;
        self
    }

    /// The hub's JetStream domain (default `hub`).
    pub fn hub_domain(mut self, domain: impl Into<String>) -> LeafNodeConfig {
        self.hub_domain = domain.into();
        self
    }

    /// The leaf's JetStream domain (default `leaf`).
    pub fn leaf_domain(mut self, domain: impl Into<String>) -> LeafNodeConfig {
        self.leaf_domain = domain.into();
        self
    }

    /// Config file text for the hub. The harness writes its `leafnodes` block (and, with
    /// JetStream, its `jetstream { domain }` block) after it, so don't set those.
    pub fn hub_config(mut self, text: impl Into<String>) -> LeafNodeConfig {
        self.hub_config = Some(text.into());
        self
    }

    /// Config file text for the leaf, with the same reservations as
    /// [`LeafNodeConfig::hub_config`].
    pub fn leaf_config(mut self, text: impl Into<String>) -> LeafNodeConfig {
        self.leaf_config = Some(text.into());
        self
    }

    /// How long [`LeafNodeConfig::start`] and [`LeafNode::wait_linked`] wait.
    pub fn link_timeout(mut self, timeout: Duration) -> LeafNodeConfig {
        self.link_timeout = timeout;
        self
    }

    /// Starts the hub, then the leaf, and waits until they are linked (see
    /// [`LeafNode::wait_linked`]).
    pub fn start(self) -> Result<LeafNode> {
        if self.jetstream && self.hub_domain == self.leaf_domain {
            return Err(HarnessError::Usage(format!(
                "the hub and the leaf need different JetStream domains, not both {:?}",
                self.hub_domain
            )));
        }
        let mut attempt = 0;
        let hub = loop {
            attempt += 1;
            match self.start_hub() {
                Ok(hub) => break hub,
                Err(e) if attempt < PORT_RACE_ATTEMPTS && process::is_port_in_use(&e) => continue,
                Err(e) => return Err(e),
            }
        };
        let hub_port = hub
            .leafnode_port()
            .ok_or_else(|| HarnessError::Usage("the hub has no leaf node port".to_owned()))?;
        let mut leaf = ServerConfig::new()
            .jetstream(self.jetstream)
            .monitoring(true)
            .server_name("leaf");
        if let Some(text) = &self.leaf_config {
            leaf = leaf.config(text.clone());
        }
        leaf.generated.push(format!(
            "leafnodes {{\n  remotes: [ {{ url: \"nats-leaf://{HOST}:{hub_port}\" }} ]\n}}\n"
        ));
        if self.jetstream {
            leaf.generated.push(domain_block(&self.leaf_domain));
        }
        let leaf = leaf.start()?;
        let node = LeafNode {
            hub,
            leaf,
            domains: self
                .jetstream
                .then(|| (self.hub_domain.clone(), self.leaf_domain.clone())),
            link_timeout: self.link_timeout,
        };
        node.wait_linked()?;
        Ok(node)
    }

    fn start_hub(&self) -> Result<Server> {
        let port = free_ports(1)?[0];
        let mut hub = ServerConfig::new()
            .jetstream(self.jetstream)
            .monitoring(true)
            .server_name("hub");
        if let Some(text) = &self.hub_config {
            hub = hub.config(text.clone());
        }
        hub.generated
            .push(format!("leafnodes {{\n  listen: \"{HOST}:{port}\"\n}}\n"));
        hub.leafnode_port = Some(port);
        if self.jetstream {
            hub.generated.push(domain_block(&self.hub_domain));
        }
        hub.start()
    }
}

/// `jetstream { domain: .. }` (the harness's `-js -sd` flags add the store dir).
fn domain_block(domain: &str) -> String {
    format!("jetstream {{\n  domain: \"{domain}\"\n}}\n")
}

/// A hub [`Server`] and a leaf node [`Server`] connected to it, started by
/// [`LeafNode::start`].
///
/// With JetStream each has its own domain: a client of either reaches the other's
/// JetStream through the domain's API prefix (`$JS.<domain>.API`, a context made with
/// `with_domain`), and its own through `$JS.API` or its own domain. Both servers can be
/// stopped, restarted (same ports, store and link config) and killed; call
/// [`LeafNode::wait_linked`] after that. Dropping it stops both.
#[derive(Debug)]
pub struct LeafNode {
    // The leaf is declared first so that it stops first (its drop runs first).
    leaf: Server,
    hub: Server,
    domains: Option<(String, String)>,
    link_timeout: Duration,
}

impl LeafNode {
    /// Starts a hub and a leaf with the defaults of [`LeafNodeConfig`].
    pub fn start() -> Result<LeafNode> {
        LeafNodeConfig::new().start()
    }

    /// A builder; the same as [`LeafNodeConfig::new`].
    pub fn builder() -> LeafNodeConfig {
        LeafNodeConfig::new()
    }

    /// The hub (the server that accepts the leaf node connection).
    pub fn hub(&self) -> &Server {
        &self.hub
    }

    /// The leaf node server.
    pub fn leaf(&self) -> &Server {
        &self.leaf
    }

    /// The hub's JetStream domain (`None` without JetStream).
    pub fn hub_domain(&self) -> Option<&str> {
        self.domains.as_ref().map(|(hub, _)| hub.as_str())
    }

    /// The leaf's JetStream domain (`None` without JetStream).
    pub fn leaf_domain(&self) -> Option<&str> {
        self.domains.as_ref().map(|(_, leaf)| leaf.as_str())
    }

    /// Waits until the hub lists the leaf in `/leafz` and the leaf lists its connection,
    /// both report healthy (`/healthz`), and, with JetStream, the JetStream API of each
    /// domain answers from the other server (`$JS.<domain>.API.INFO`).
    pub fn wait_linked(&self) -> Result<()> {
        let mut last_problem = String::from("nothing checked yet");
        let linked = poll_until("the leaf node to link", self.link_timeout, || {
            match self.link_problem()? {
                None => Ok(Some(())),
                Some(problem) => {
                    last_problem = problem;
                    Ok(None)
                }
            }
        });
        match linked {
            Err(HarnessError::Timeout { waited, .. }) => Err(HarnessError::Timeout {
                what: format!("the leaf node to link; last check: {last_problem}"),
                waited,
            }),
            other => other,
        }
    }

    fn link_problem(&self) -> Result<Option<String>> {
        let leaf_name = self.leaf.server_name().unwrap_or("leaf");
        match self.hub.monitor_json("/leafz") {
            Ok(leafz) if leaf_names(&leafz).iter().any(|n| n == leaf_name) => {}
            Ok(leafz) => {
                return Ok(Some(format!(
                    "the hub lists leaf nodes {:?}, not {leaf_name}",
                    leaf_names(&leafz)
                )));
            }
            Err(e) => return Ok(Some(format!("hub: /leafz: {e}"))),
        }
        match self.leaf.monitor_json("/leafz") {
            Ok(leafz) if !leaf_names(&leafz).is_empty() => {}
            Ok(_) => return Ok(Some("the leaf lists no connection to the hub".to_owned())),
            Err(e) => return Ok(Some(format!("leaf: /leafz: {e}"))),
        }
        for (who, server) in [("hub", &self.hub), ("leaf", &self.leaf)] {
            if let Err(e) = server.monitor_json("/healthz") {
                return Ok(Some(format!("{who}: /healthz: {e}")));
            }
        }
        if let Some((hub_domain, leaf_domain)) = &self.domains {
            for (from, server, domain) in [
                ("hub", &self.hub, leaf_domain),
                ("leaf", &self.leaf, hub_domain),
            ] {
                if let Some(problem) = domain_problem(server, domain) {
                    return Ok(Some(format!("from the {from}: {problem}")));
                }
            }
        }
        Ok(None)
    }
}

/// Why `$JS.<domain>.API.INFO` sent to `server` got no account info, `None` if it did.
fn domain_problem(server: &Server, domain: &str) -> Option<String> {
    let subject = format!("$JS.{domain}.API.INFO");
    let answer = (|| {
        let mut client = server.raw_client()?;
        client.set_timeout(PROBE_TIMEOUT);
        client.handshake()?;
        let reply = client.request(&subject, b"")?;
        client.close();
        Ok::<_, HarnessError>(reply)
    })();
    match answer {
        Ok(reply) => match serde_json::from_slice::<serde_json::Value>(&reply.payload) {
            Ok(info) if info.get("error").is_none() => None,
            Ok(info) => Some(format!("{subject} answered {info}")),
            Err(_) => Some(format!(
                "{subject} answered {:?} (no responders yet?)",
                String::from_utf8_lossy(&reply.payload)
            )),
        },
        Err(e) => Some(format!("{subject}: {e}")),
    }
}

/// The `name`s of the connections in a `/leafz` response.
fn leaf_names(leafz: &serde_json::Value) -> Vec<String> {
    leafz
        .get("leafs")
        .and_then(|l| l.as_array())
        .map(|leafs| {
            leafs
                .iter()
                .filter_map(|l| l.get("name")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_leafz() {
        let leafz =
            json!({"leafnodes": 2, "leafs": [{"name": "leaf"}, {"name": "other"}, {"id": 3}]});
        assert_eq!(leaf_names(&leafz), ["leaf", "other"]);
        assert!(leaf_names(&json!({"leafnodes": 0})).is_empty());
    }

    #[test]
    fn refuses_one_domain_for_both() {
        let same = LeafNode::builder().hub_domain("x").leaf_domain("x").start();
        assert!(matches!(same, Err(HarnessError::Usage(_))));
        assert_eq!(domain_block("hub"), "jetstream {\n  domain: \"hub\"\n}\n");
    }
}
