//! The connection flags, merged with the selected context, and connecting.

use crate::context::{self, Context};
use crate::duration::parse_duration;
use anyhow::{Context as _, Result, anyhow};
use clap::Args;
use natrs_tokio::jetstream::{JetStream, JetStreamOptions};
use natrs_tokio::{Client, ConnectOptions};
use std::path::PathBuf;
use std::time::Duration;

/// The default server when neither a flag, `NATS_URL` nor a context names one.
pub(crate) const DEFAULT_SERVER: &str = "nats://127.0.0.1:4222";

/// How to connect: the nats CLI's flags. A flag given overrides the context.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ConnectArgs {
    /// NATS server URLs, comma-separated [default: the context's, else nats://127.0.0.1:4222]
    #[arg(short = 's', long = "server", env = "NATS_URL", global = true)]
    pub(crate) server: Option<String>,
    /// Username
    #[arg(long, env = "NATS_USER", global = true)]
    pub(crate) user: Option<String>,
    /// Password
    #[arg(long, env = "NATS_PASSWORD", global = true, hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// Authentication token
    #[arg(long, env = "NATS_TOKEN", global = true, hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// User credentials file (.creds)
    #[arg(long, env = "NATS_CREDS", global = true)]
    pub(crate) creds: Option<PathBuf>,
    /// File holding a user nkey seed
    #[arg(long, env = "NATS_NKEY", global = true)]
    pub(crate) nkey: Option<PathBuf>,
    /// TLS client certificate (PEM)
    #[arg(long, env = "NATS_CERT", global = true)]
    pub(crate) tlscert: Option<PathBuf>,
    /// TLS client key (PEM)
    #[arg(long, env = "NATS_KEY", global = true)]
    pub(crate) tlskey: Option<PathBuf>,
    /// TLS CA certificates to trust (PEM)
    #[arg(long, env = "NATS_CA", global = true)]
    pub(crate) tlsca: Option<PathBuf>,
    /// Start TLS before the server's INFO (servers with handshake_first)
    #[arg(long, global = true)]
    pub(crate) tlsfirst: bool,
    /// Time to wait for connecting and for each answer [default: 5s]
    #[arg(long, env = "NATS_TIMEOUT", global = true, value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// JetStream domain
    #[arg(long = "js-domain", global = true)]
    pub(crate) js_domain: Option<String>,
    /// JetStream API subject prefix
    #[arg(long = "js-api-prefix", global = true)]
    pub(crate) js_api_prefix: Option<String>,
    /// Prefix of the inboxes replies come to
    #[arg(long = "inbox-prefix", global = true)]
    pub(crate) inbox_prefix: Option<String>,
    /// Context to use instead of the selected one
    #[arg(long, env = "NATS_CONTEXT", global = true)]
    pub(crate) context: Option<String>,
}

/// What a connection is made with: the context's settings under the flags.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub(crate) servers: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) creds: Option<PathBuf>,
    pub(crate) nkey: Option<PathBuf>,
    pub(crate) cert: Option<PathBuf>,
    pub(crate) key: Option<PathBuf>,
    pub(crate) ca: Option<PathBuf>,
    pub(crate) tls_first: bool,
    pub(crate) timeout: Duration,
    pub(crate) js_domain: Option<String>,
    pub(crate) js_api_prefix: Option<String>,
    pub(crate) inbox_prefix: Option<String>,
}

impl ConnectArgs {
    /// The context these flags select: `--context`, else the selected one.
    pub(crate) fn context(&self) -> Result<Option<Context>> {
        let name = match &self.context {
            Some(name) => name.clone(),
            None => match context::selected()? {
                Some(name) => name,
                None => return Ok(None),
            },
        };
        let context = context::load(&name)?;
        context.check_supported()?;
        Ok(Some(context))
    }

    /// The settings: the flags, then the context, then the defaults.
    pub(crate) fn settings(&self) -> Result<Settings> {
        let ctx = self.context()?;
        let text = |flag: &Option<String>, field: &str| {
            flag.clone()
                .or_else(|| ctx.as_ref().and_then(|c| c.get(field)).map(str::to_string))
        };
        let path = |flag: &Option<PathBuf>, field: &str| {
            flag.clone()
                .or_else(|| ctx.as_ref().and_then(|c| c.get(field)).map(expand_home))
        };
        Ok(Settings {
            servers: text(&self.server, "url"),
            user: text(&self.user, "user"),
            password: text(&self.password, "password"),
            token: text(&self.token, "token"),
            creds: path(&self.creds, "creds"),
            nkey: path(&self.nkey, "nkey"),
            cert: path(&self.tlscert, "cert"),
            key: path(&self.tlskey, "key"),
            ca: path(&self.tlsca, "ca"),
            tls_first: self.tlsfirst || ctx.as_ref().is_some_and(Context::tls_first),
            timeout: self.timeout.unwrap_or(Duration::from_secs(5)),
            js_domain: text(&self.js_domain, "jetstream_domain"),
            js_api_prefix: text(&self.js_api_prefix, "jetstream_api_prefix"),
            inbox_prefix: text(&self.inbox_prefix, "inbox_prefix"),
        })
    }
}

/// `~/x` as `$HOME/x`, as the nats CLI writes paths in contexts.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

impl Settings {
    /// The server list to connect to.
    pub(crate) fn server_list(&self) -> &str {
        self.servers.as_deref().unwrap_or(DEFAULT_SERVER)
    }

    /// The client options for these settings.
    pub(crate) fn options(&self, name: &str) -> Result<ConnectOptions> {
        let mut options = ConnectOptions::new()
            .name(name)
            .connection_timeout(self.timeout)
            .request_timeout(self.timeout);
        if let Some(user) = &self.user {
            options = options.user_and_password(user, self.password.clone().unwrap_or_default());
        }
        if let Some(token) = &self.token {
            options = options.token(token);
        }
        if let Some(creds) = &self.creds {
            options = options.credentials_file(creds);
        }
        if let Some(path) = &self.nkey {
            let seed = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the nkey seed file {}", path.display()))?;
            options = options.nkey(seed.trim());
        }
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => options = options.add_client_certificate(cert, key),
            (None, None) => {}
            _ => return Err(anyhow!("--tlscert and --tlskey go together")),
        }
        if let Some(ca) = &self.ca {
            options = options.add_root_certificates(ca).require_tls();
        }
        if self.cert.is_some() {
            options = options.require_tls();
        }
        if self.tls_first {
            options = options.tls_first();
        }
        if let Some(prefix) = &self.inbox_prefix {
            options = options.inbox_prefix(prefix);
        }
        Ok(options)
    }

    /// The JetStream options for these settings.
    pub(crate) fn jetstream_options(&self) -> JetStreamOptions {
        let mut options = JetStreamOptions::new().timeout(self.timeout);
        if let Some(domain) = &self.js_domain {
            options = options.domain(domain);
        }
        if let Some(prefix) = &self.js_api_prefix {
            options = options.api_prefix(prefix);
        }
        options
    }

    /// Connects, with a one-line error naming the servers.
    pub(crate) async fn connect(&self) -> Result<Client> {
        self.connect_named("natrs").await
    }

    /// Connects with a connection name.
    pub(crate) async fn connect_named(&self, name: &str) -> Result<Client> {
        let options = self.options(name)?;
        let servers = self.server_list();
        natrs_tokio::connect_with_options(servers, options)
            .await
            .map_err(|e| anyhow!("cannot connect to {}: {e}", redact(servers)))
    }

    /// Connects and makes a JetStream context.
    pub(crate) async fn jetstream(&self) -> Result<JetStream> {
        let client = self.connect().await?;
        Ok(JetStream::with_options(client, self.jetstream_options()))
    }
}

/// The server list with any password or token in a URL replaced.
pub(crate) fn redact(servers: &str) -> String {
    servers
        .split(',')
        .map(|url| match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}xxxxx{}", &url[..scheme + 3], &url[at..])
            }
            _ => url.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}
