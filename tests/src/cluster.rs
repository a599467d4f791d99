//! A routed nats-server cluster on loopback: [`ClusterConfig`] and [`Cluster`].

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::error::{HarnessError, Result};
use crate::process;
use crate::server::{ClusterArgs, HOST, Server, ServerConfig};
use crate::wait::poll_until;

/// How long [`Cluster`] waits for routes, gossip and the JetStream meta leader unless
/// told otherwise.
pub const DEFAULT_FORM_TIMEOUT: Duration = Duration::from_secs(60);

/// How many times [`ClusterConfig::start`] tries again with fresh route ports when one it
/// picked was taken before the server bound it.
const PORT_RACE_ATTEMPTS: usize = 4;

/// How to start a [`Cluster`]: a builder, consumed by [`ClusterConfig::start`].
///
/// Defaults: 3 nodes named `n1`, `n2`, ..., JetStream on (per-node store dirs), a
/// cluster name unique to the process, monitoring on every node.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    size: usize,
    jetstream: bool,
    config_text: Option<String>,
    name: Option<String>,
    start_timeout: Option<Duration>,
    form_timeout: Duration,
    node_prefix: String,
    /// What each node gets besides the shared config (set by [`crate::Supercluster`]).
    pub(crate) node_extras: Vec<NodeExtra>,
}

/// Config one node of a cluster gets on top of the shared text.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeExtra {
    /// Config text the harness writes after the shared text.
    pub(crate) generated: String,
    /// The gateway port that text makes the node listen on.
    pub(crate) gateway_port: Option<u16>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            size: 3,
            jetstream: true,
            config_text: None,
            name: None,
            start_timeout: None,
            form_timeout: DEFAULT_FORM_TIMEOUT,
            node_prefix: "n".to_owned(),
            node_extras: Vec::new(),
        }
    }
}

impl ClusterConfig {
    /// The defaults (see the type docs).
    pub fn new() -> ClusterConfig {
        ClusterConfig::default()
    }

    /// The number of nodes (at least 1).
    pub fn size(mut self, size: usize) -> ClusterConfig {
        self.size = size;
        self
    }

    /// JetStream on (the default) or off.
    pub fn jetstream(mut self, on: bool) -> ClusterConfig {
        self.jetstream = on;
        self
    }

    /// Config file text given to every node (see [`ServerConfig::config`]); the
    /// harness's listen, route and store settings win over it.
    pub fn config(mut self, text: impl Into<String>) -> ClusterConfig {
        self.config_text = Some(text.into());
        self
    }

    /// The cluster name (default: unique per cluster in this process).
    pub fn name(mut self, name: impl Into<String>) -> ClusterConfig {
        self.name = Some(name.into());
        self
    }

    /// Nodes are named `<prefix>1`, `<prefix>2`, ... (default prefix `n`). Server names
    /// must be unique among servers that JetStream connects (a supercluster, leaf nodes).
    pub fn node_name_prefix(mut self, prefix: impl Into<String>) -> ClusterConfig {
        self.node_prefix = prefix.into();
        self
    }

    /// How long each node may take to accept clients.
    pub fn start_timeout(mut self, timeout: Duration) -> ClusterConfig {
        self.start_timeout = Some(timeout);
        self
    }

    /// How long [`ClusterConfig::start`] and [`Cluster::wait_formed`] wait for the
    /// nodes to see each other (and for a JetStream meta leader).
    pub fn form_timeout(mut self, timeout: Duration) -> ClusterConfig {
        self.form_timeout = timeout;
        self
    }

    /// Starts every node and waits until the cluster has formed (see
    /// [`Cluster::wait_formed`]).
    ///
    /// Route ports are picked by binding port 0 and released just before the nodes bind
    /// them; if another process takes one meanwhile, the nodes are stopped and the
    /// cluster starts again with fresh ports.
    pub fn start(self) -> Result<Cluster> {
        let cluster = self.start_unformed()?;
        cluster.wait_formed()?;
        Ok(cluster)
    }

    /// Starts every node without waiting for the cluster to form.
    pub(crate) fn start_unformed(self) -> Result<Cluster> {
        if self.size == 0 {
            return Err(HarnessError::Usage(
                "a cluster needs at least one node".to_owned(),
            ));
        }
        let name = self.name.clone().unwrap_or_else(unique_cluster_name);
        let mut attempt = 0;
        let nodes = loop {
            attempt += 1;
            match self.start_nodes(&name) {
                Ok(nodes) => break nodes,
                Err(e) if attempt < PORT_RACE_ATTEMPTS && process::is_port_in_use(&e) => continue,
                Err(e) => return Err(e),
            }
        };
        Ok(Cluster {
            nodes,
            name,
            jetstream: self.jetstream,
            form_timeout: self.form_timeout,
        })
    }

    fn start_nodes(&self, name: &str) -> Result<Vec<Server>> {
        let ports = free_ports(self.size)?;
        let mut nodes = Vec::with_capacity(self.size);
        for (i, &port) in ports.iter().enumerate() {
            let mut config = ServerConfig::new()
                .jetstream(self.jetstream)
                .monitoring(true)
                .server_name(format!("{}{}", self.node_prefix, i + 1));
            if let Some(text) = &self.config_text {
                config = config.config(text.clone());
            }
            if let Some(extra) = self.node_extras.get(i) {
                if !extra.generated.is_empty() {
                    config.generated.push(extra.generated.clone());
                }
                config.gateway_port = extra.gateway_port;
            }
            if let Some(timeout) = self.start_timeout {
                config = config.start_timeout(timeout);
            }
            config.cluster = Some(ClusterArgs {
                name: name.to_owned(),
                port,
                routes: ports.clone(),
            });
            nodes.push(config.start()?);
        }
        Ok(nodes)
    }
}

/// Nodes started by [`Cluster::start`]: each a [`Server`] named `n1`..`nN` (see
/// [`ClusterConfig::node_name_prefix`]), with its own
/// ports and store, routed to the others.
///
/// Reach a node with [`Cluster::node`] to stop, restart (same ports and store), kill,
/// pause or lame-duck it; call [`Cluster::wait_formed`] after restarts. Dropping the
/// cluster stops every node (SIGTERM to all, then the usual bounded wait per node).
#[derive(Debug)]
pub struct Cluster {
    nodes: Vec<Server>,
    name: String,
    jetstream: bool,
    form_timeout: Duration,
}

impl Cluster {
    /// Starts a cluster of `size` nodes with the defaults of [`ClusterConfig`].
    pub fn start(size: usize) -> Result<Cluster> {
        ClusterConfig::new().size(size).start()
    }

    /// A builder; the same as [`ClusterConfig::new`].
    pub fn builder() -> ClusterConfig {
        ClusterConfig::new()
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the cluster has no nodes (never true for a started cluster).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Node `index` (0-based; named `n{index + 1}`). Panics when out of range.
    pub fn node(&self, index: usize) -> &Server {
        &self.nodes[index]
    }

    /// All nodes.
    pub fn nodes(&self) -> &[Server] {
        &self.nodes
    }

    /// The client URLs of all nodes, in node order.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Server::url).collect()
    }

    /// The cluster name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the JetStream meta leader as the first running node reports it
    /// (`None` while there is none).
    pub fn meta_leader(&self) -> Result<Option<String>> {
        let node = self
            .nodes
            .iter()
            .find(|n| n.is_running())
            .ok_or_else(|| HarnessError::Usage("no node is running".to_owned()))?;
        let jsz = node.monitor_json("/jsz")?;
        Ok(meta_leader_of(&jsz))
    }

    /// Waits until every running node is routed to every other running node (`/routez`),
    /// advertises all their client URLs (`connect_urls` in `/varz`, which is what clients
    /// get in INFO), and (with JetStream) knows a meta leader and
    /// reports healthy.
    pub fn wait_formed(&self) -> Result<()> {
        let mut last_problem = String::from("nothing checked yet");
        let formed = poll_until("the cluster to form", self.form_timeout, || {
            match self.formation_problem()? {
                None => Ok(Some(())),
                Some(problem) => {
                    last_problem = problem;
                    Ok(None)
                }
            }
        });
        match formed {
            Err(HarnessError::Timeout { waited, .. }) => Err(HarnessError::Timeout {
                what: format!("cluster {} to form; last check: {last_problem}", self.name),
                waited,
            }),
            other => other,
        }
    }

    /// What still keeps the cluster from being formed, `None` once it is.
    pub(crate) fn formation_problem(&self) -> Result<Option<String>> {
        let running: Vec<&Server> = self.nodes.iter().filter(|n| n.is_running()).collect();
        for node in &running {
            let me = node.server_name().unwrap_or("?");
            let routez = match node.monitor_json("/routez") {
                Ok(v) => v,
                Err(e) => return Ok(Some(format!("{me}: /routez: {e}"))),
            };
            let seen = route_names(&routez);
            for other in &running {
                let name = other.server_name().unwrap_or("?");
                if name != me && !seen.contains(name) {
                    return Ok(Some(format!("{me} has no route to {name} (sees {seen:?})")));
                }
            }
            let info = match node.monitor_json("/varz") {
                Ok(v) => v,
                Err(e) => return Ok(Some(format!("{me}: /varz: {e}"))),
            };
            let urls = connect_urls(&info);
            // A lone node advertises no URLs: only routed servers gossip them.
            for other in running.iter().filter(|_| running.len() > 1) {
                let url = other.addr().to_string();
                if !urls.contains(&url) {
                    return Ok(Some(format!(
                        "{me} does not advertise {url} (connect_urls {urls:?})"
                    )));
                }
            }
            if self.jetstream {
                match node.monitor_json("/jsz") {
                    Ok(jsz) if meta_leader_of(&jsz).is_some() => {}
                    Ok(_) => return Ok(Some(format!("{me} knows no JetStream meta leader"))),
                    Err(e) => return Ok(Some(format!("{me}: /jsz: {e}"))),
                }
                if let Err(e) = node.monitor_json("/healthz") {
                    return Ok(Some(format!("{me}: /healthz: {e}")));
                }
            }
        }
        Ok(None)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &self.nodes {
            node.begin_stop();
        }
        // Each node's own drop then waits for its exit (SIGKILL after its timeout).
    }
}

/// The distinct `remote_name`s in a `/routez` response.
fn route_names(routez: &serde_json::Value) -> BTreeSet<String> {
    routez
        .get("routes")
        .and_then(|r| r.as_array())
        .map(|routes| {
            routes
                .iter()
                .filter_map(|r| r.get("remote_name")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `connect_urls` of an INFO or a `/varz` response.
fn connect_urls(info: &serde_json::Value) -> Vec<String> {
    info.get("connect_urls")
        .and_then(|u| u.as_array())
        .map(|urls| {
            urls.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `meta_cluster.leader` of a `/jsz` response, when non-empty.
pub(crate) fn meta_leader_of(jsz: &serde_json::Value) -> Option<String> {
    jsz.get("meta_cluster")?
        .get("leader")?
        .as_str()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
}

/// `n` distinct free loopback ports (all held at once while picking, then released).
pub(crate) fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((HOST, 0)))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| HarnessError::io("binding a loopback port to pick a route port", e))?;
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(|e| HarnessError::io("reading a picked port", e))
        })
        .collect()
}

fn unique_cluster_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "natrs-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_monitoring_answers() {
        let routez = json!({"routes": [
            {"remote_name": "n2"}, {"remote_name": "n2"}, {"remote_name": "n3"}, {"rid": 1}
        ]});
        let names: Vec<String> = route_names(&routez).into_iter().collect();
        assert_eq!(names, ["n2", "n3"]);
        assert!(route_names(&json!({})).is_empty());
        assert_eq!(
            connect_urls(&json!({"connect_urls": ["127.0.0.1:1", 2]})),
            ["127.0.0.1:1"]
        );
        assert_eq!(
            meta_leader_of(&json!({"meta_cluster": {"leader": "n1"}})).as_deref(),
            Some("n1")
        );
        assert_eq!(
            meta_leader_of(&json!({"meta_cluster": {"leader": ""}})),
            None
        );
        assert_eq!(meta_leader_of(&json!({})), None);
    }

    #[test]
    fn picks_distinct_ports() {
        let ports = free_ports(5).unwrap();
        let distinct: BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), 5);
        assert!(ports.iter().all(|&p| p != 0));
    }

    #[test]
    fn recognizes_port_races() {
        let race = HarnessError::Start {
            reason: "exited".to_owned(),
            log_tail: "[FTL] Error listening on router port: 127.0.0.1:1, listen tcp 127.0.0.1:1: bind: address already in use".to_owned(),
        };
        assert!(process::is_port_in_use(&race));
        assert!(!process::is_port_in_use(&HarnessError::Usage(
            "x".to_owned()
        )));
    }
}
