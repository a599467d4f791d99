//! Clusters joined by gateways on loopback: [`SuperclusterConfig`] and [`Supercluster`].

use std::fmt::Write as _;
use std::time::Duration;

use crate::cluster::{Cluster, ClusterConfig, DEFAULT_FORM_TIMEOUT, NodeExtra, free_ports};
use crate::error::{HarnessError, Result};
use crate::process;
use crate::server::{HOST, Server};
use crate::wait::poll_until;

/// How many times [`SuperclusterConfig::start`] starts again with fresh gateway ports when
/// one it picked was taken before a server bound it.
const PORT_RACE_ATTEMPTS: usize = 4;

/// How to start a [`Supercluster`]: a builder, consumed by [`SuperclusterConfig::start`].
///
/// Defaults: two clusters of three, named `c1`, `c2`, ... (the gateway names too), nodes
/// named `c1-n1`, `c1-n2`, ..., JetStream on with every node tagged `cluster:<name>`
/// (`server_tags`), monitoring on every node.
#[derive(Debug, Clone)]
pub struct SuperclusterConfig {
    sizes: Vec<usize>,
    jetstream: bool,
    config_text: Option<String>,
    form_timeout: Duration,
}

impl Default for SuperclusterConfig {
    fn default() -> Self {
        SuperclusterConfig {
            sizes: vec![3, 3],
            jetstream: true,
            config_text: None,
            form_timeout: DEFAULT_FORM_TIMEOUT,
        }
    }
}

impl SuperclusterConfig {
    /// The defaults (see the type docs).
    pub fn new() -> SuperclusterConfig {
        SuperclusterConfig::default()
    }

    /// One cluster per entry, of that many nodes: `&[3, 3]` is two clusters of three.
    pub fn sizes(mut self, sizes: &[usize]) -> SuperclusterConfig {
        self.sizes = sizes.to_vec();
        self
    }

    /// JetStream on (the default) or off.
    pub fn jetstream(mut self, on: bool) -> SuperclusterConfig {
        self.jetstream = on;
        self
    }

    /// Config file text given to every node (see [`crate::ServerConfig::config`]). The
    /// harness writes its gateway block and `server_tags` after it, so don't set those.
    pub fn config(mut self, text: impl Into<String>) -> SuperclusterConfig {
        self.config_text = Some(text.into());
        self
    }

    /// How long [`SuperclusterConfig::start`] and [`Supercluster::wait_formed`] wait.
    pub fn form_timeout(mut self, timeout: Duration) -> SuperclusterConfig {
        self.form_timeout = timeout;
        self
    }

    /// Starts every node of every cluster, then waits until the supercluster has formed
    /// (see [`Supercluster::wait_formed`]).
    ///
    /// Gateway ports are picked by binding port 0; if another process takes one before
    /// its server binds it, everything is stopped and started again with fresh ports.
    pub fn start(self) -> Result<Supercluster> {
        if self.sizes.len() < 2 || self.sizes.contains(&0) {
            return Err(HarnessError::Usage(format!(
                "a supercluster needs at least two clusters of at least one node, not {:?}",
                self.sizes
            )));
        }
        let mut attempt = 0;
        let clusters = loop {
            attempt += 1;
            match self.start_clusters() {
                Ok(clusters) => break clusters,
                Err(e) if attempt < PORT_RACE_ATTEMPTS && process::is_port_in_use(&e) => continue,
                Err(e) => return Err(e),
            }
        };
        let supercluster = Supercluster {
            clusters,
            jetstream: self.jetstream,
            form_timeout: self.form_timeout,
        };
        supercluster.wait_formed()?;
        Ok(supercluster)
    }

    fn start_clusters(&self) -> Result<Vec<Cluster>> {
        let names: Vec<String> = (1..=self.sizes.len()).map(|i| format!("c{i}")).collect();
        let total: usize = self.sizes.iter().sum();
        let all_ports = free_ports(total)?;
        let mut ports_of = Vec::with_capacity(self.sizes.len());
        let mut rest = &all_ports[..];
        for &size in &self.sizes {
            let (mine, others) = rest.split_at(size);
            ports_of.push(mine.to_vec());
            rest = others;
        }
        let peers: Vec<(&str, &[u16])> = names
            .iter()
            .map(String::as_str)
            .zip(ports_of.iter().map(Vec::as_slice))
            .collect();
        let mut clusters = Vec::with_capacity(self.sizes.len());
        for (c, name) in names.iter().enumerate() {
            let mut config = ClusterConfig::new()
                .size(self.sizes[c])
                .jetstream(self.jetstream)
                .name(name.clone())
                .node_name_prefix(format!("{name}-n"))
                .form_timeout(self.form_timeout);
            if let Some(text) = &self.config_text {
                config = config.config(text.clone());
            }
            config.node_extras = ports_of[c]
                .iter()
                .map(|&port| {
                    let mut generated = gateway_block(name, port, &peers);
                    if self.jetstream {
                        let _ = writeln!(generated, "server_tags: [\"cluster:{name}\"]");
                    }
                    NodeExtra {
                        generated,
                        gateway_port: Some(port),
                    }
                })
                .collect();
            // On an error the clusters started so far stop as they are dropped.
            clusters.push(config.start_unformed()?);
        }
        Ok(clusters)
    }
}

/// The `gateway { ... }` block of a node of cluster `name` listening on `port`, with a
/// gateway entry (every node's URL) for each cluster in `peers`.
fn gateway_block(name: &str, port: u16, peers: &[(&str, &[u16])]) -> String {
    let mut text =
        format!("gateway {{\n  name: \"{name}\"\n  listen: \"{HOST}:{port}\"\n  gateways: [\n");
    for (peer, ports) in peers {
        let urls: Vec<String> = ports
            .iter()
            .map(|p| format!("\"nats://{HOST}:{p}\""))
            .collect();
        let _ = writeln!(
            text,
            "    {{name: \"{peer}\", urls: [{}]}}",
            urls.join(", ")
        );
    }
    text.push_str("  ]\n}\n");
    text
}

/// Clusters started by [`Supercluster::start`], each a [`Cluster`] named `c1`, `c2`, ...
/// whose nodes (`c1-n1`, ...) also connect to every other cluster through gateways.
///
/// Reach a node with [`Supercluster::cluster`]`(i).node(j)` to stop, restart, kill, pause
/// or lame-duck it; call [`Supercluster::wait_formed`] after restarts. With JetStream,
/// every node carries the tag `cluster:<name>`, so a stream is placed in one cluster with
/// `placement { cluster: "c1" }` or `placement { tags: ["cluster:c1"] }`. Dropping it
/// stops every node.
#[derive(Debug)]
pub struct Supercluster {
    clusters: Vec<Cluster>,
    jetstream: bool,
    form_timeout: Duration,
}

impl Supercluster {
    /// Starts one cluster per entry of `sizes` (`&[3, 3]`: two clusters of three) with the
    /// defaults of [`SuperclusterConfig`].
    pub fn start(sizes: &[usize]) -> Result<Supercluster> {
        SuperclusterConfig::new().sizes(sizes).start()
    }

    /// A builder; the same as [`SuperclusterConfig::new`].
    pub fn builder() -> SuperclusterConfig {
        SuperclusterConfig::new()
    }

    /// Cluster `index` (0-based; named `c{index + 1}`). Panics when out of range.
    pub fn cluster(&self, index: usize) -> &Cluster {
        &self.clusters[index]
    }

    /// All clusters.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// Every node of every cluster, cluster by cluster.
    pub fn nodes(&self) -> impl Iterator<Item = &Server> {
        self.clusters.iter().flat_map(|c| c.nodes())
    }

    /// The node with server name `name` (e.g. a stream leader's), if any.
    pub fn node_named(&self, name: &str) -> Option<&Server> {
        self.nodes().find(|n| n.server_name() == Some(name))
    }

    /// The client URLs of every node, cluster by cluster.
    pub fn urls(&self) -> Vec<String> {
        self.nodes().map(Server::url).collect()
    }

    /// Waits until every cluster has formed (see [`Cluster::wait_formed`]), every running
    /// node has an outbound gateway connection to every other cluster (`/gatewayz`), and, with JetStream, every running node's meta group counts all
    /// nodes (`/jsz`).
    pub fn wait_formed(&self) -> Result<()> {
        let mut last_problem = String::from("nothing checked yet");
        let formed = poll_until("the supercluster to form", self.form_timeout, || match self
            .formation_problem()?
        {
            None => Ok(Some(())),
            Some(problem) => {
                last_problem = problem;
                Ok(None)
            }
        });
        match formed {
            Err(HarnessError::Timeout { waited, .. }) => Err(HarnessError::Timeout {
                what: format!("the supercluster to form; last check: {last_problem}"),
                waited,
            }),
            other => other,
        }
    }

    fn formation_problem(&self) -> Result<Option<String>> {
        for cluster in &self.clusters {
            if let Some(problem) = cluster.formation_problem()? {
                return Ok(Some(format!("{}: {problem}", cluster.name())));
            }
        }
        let total = self.nodes().count();
        for cluster in &self.clusters {
            for node in cluster.nodes().iter().filter(|n| n.is_running()) {
                let me = node.server_name().unwrap_or("?");
                let gatewayz = match node.monitor_json("/gatewayz") {
                    Ok(v) => v,
                    Err(e) => return Ok(Some(format!("{me}: /gatewayz: {e}"))),
                };
                for other in self.clusters.iter().filter(|c| c.name() != cluster.name()) {
                    if let Some(problem) = gateway_problem(&gatewayz, other.name()) {
                        return Ok(Some(format!("{me}: {problem}")));
                    }
                }
                if self.jetstream {
                    let jsz = match node.monitor_json("/jsz") {
                        Ok(v) => v,
                        Err(e) => return Ok(Some(format!("{me}: /jsz: {e}"))),
                    };
                    let size = meta_cluster_size(&jsz);
                    if size != Some(total) {
                        return Ok(Some(format!(
                            "{me}: the JetStream meta group has size {size:?}, not {total}"
                        )));
                    }
                }
            }
        }
        Ok(None)
    }
}

impl Drop for Supercluster {
    fn drop(&mut self) {
        for node in self.nodes() {
            node.begin_stop();
        }
        // Each cluster's and node's own drop then waits for its nodes to exit.
    }
}

/// What a `/gatewayz` response lacks for an outbound connection to cluster `other`.
/// (Inbound connections are the other nodes' outbound ones: each node dials one node of
/// every other cluster, so not every node has an inbound connection from every cluster.)
fn gateway_problem(gatewayz: &serde_json::Value, other: &str) -> Option<String> {
    let outbound = gatewayz
        .get("outbound_gateways")
        .and_then(|o| o.get(other))
        .is_some_and(|g| g.get("connection").is_some());
    (!outbound).then(|| format!("no outbound gateway to {other}"))
}

/// `meta_cluster.cluster_size` of a `/jsz` response, once a meta leader is known.
fn meta_cluster_size(jsz: &serde_json::Value) -> Option<usize> {
    crate::cluster::meta_leader_of(jsz)?;
    let size = jsz.get("meta_cluster")?.get("cluster_size")?.as_u64()?;
    usize::try_from(size).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_gateway_blocks() {
        let text = gateway_block("c1", 7001, &[("c1", &[7001, 7002]), ("c2", &[7003])]);
        assert_eq!(
            text,
            "gateway {\n  name: \"c1\"\n  listen: \"127.0.0.1:7001\"\n  gateways: [\n    \
             {name: \"c1\", urls: [\"nats://127.0.0.1:7001\", \"nats://127.0.0.1:7002\"]}\n    \
             {name: \"c2\", urls: [\"nats://127.0.0.1:7003\"]}\n  ]\n}\n"
        );
    }

    #[test]
    fn reads_gatewayz_and_jsz() {
        let both = json!({
            "outbound_gateways": {"c2": {"configured": true, "connection": {"name": "x"}}},
            "inbound_gateways": {"c2": [{"configured": false}]}
        });
        assert_eq!(gateway_problem(&both, "c2"), None);
        assert!(gateway_problem(&both, "c3").unwrap().contains("outbound"));
        let unconnected = json!({"outbound_gateways": {"c2": {"configured": true}}});
        assert!(gateway_problem(&unconnected, "c2").is_some());
        let jsz = json!({"meta_cluster": {"leader": "c1-n1", "cluster_size": 6}});
        assert_eq!(meta_cluster_size(&jsz), Some(6));
        let no_leader = json!({"meta_cluster": {"leader": "", "cluster_size": 6}});
        assert_eq!(meta_cluster_size(&no_leader), None);
    }

    #[test]
    fn refuses_fewer_than_two_clusters() {
        assert!(matches!(
            Supercluster::start(&[3]),
            Err(HarnessError::Usage(_))
        ));
        assert!(matches!(
            Supercluster::start(&[3, 0]),
            Err(HarnessError::Usage(_))
        ));
    }
}
