//! TLS settings and the rustls client configuration built from them.

use crate::error::ConnectError;
use natrs_core::error::{TransportCause, TransportError};
use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The text of a TLS failure that surfaced as an io error, for a driver to
/// report: the rustls error inside it when there is one (see
/// [`tls_failure_text`]), else the io error's own text.
pub fn tls_error_text(e: &io::Error) -> String {
    match rustls_error(e) {
        Some(tls) => tls_failure_text(tls),
        None => e.to_string(),
    }
}

/// A failed TLS handshake that surfaced as an io error, as the cause a
/// driver reports: the text of [`tls_error_text`], with the rustls error
/// inside (or else the io error itself) as its source.
pub fn tls_cause(e: io::Error) -> TransportCause {
    match rustls_error(&e) {
        Some(tls) => TransportCause::with_source(tls_failure_text(tls), tls.clone()),
        None => TransportCause::with_source(e.to_string(), e),
    }
}

/// A read or write failure, as a driver reports it: a TLS alert or bad
/// record after the handshake (for example the server refusing a missing
/// client certificate, which TLS 1.3 reports only after the client finished
/// its side) is a TLS error with the rustls error as its source; anything
/// else an io error with the io error as its source.
pub fn io_failure(e: io::Error) -> TransportError {
    match rustls_error(&e) {
        Some(tls) => TransportError::Tls(TransportCause::with_source(
            tls_failure_text(tls),
            tls.clone(),
        )),
        None => TransportError::Io(TransportCause::with_source(e.to_string(), e)),
    }
}

/// The rustls error an io error carries, if it carries one.
pub(crate) fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// rustls' text for `e`, followed by what it means where rustls' words leave
/// the cause to guess (plain text where a TLS record was due is a server
/// that sent its INFO first, one not set up for `handshake_first`) or the
/// remedy unsaid.
pub fn tls_failure_text(e: &rustls::Error) -> String {
    use rustls::{AlertDescription, CertificateError, Error, InvalidMessage};
    let meaning = match e {
        Error::InvalidMessage(InvalidMessage::InvalidContentType) => {
            "the server sent plain text where TLS was due; a server sends its INFO in \
             plain text first unless its tls block sets handshake_first, which tls_first \
             needs"
        }
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the server's certificate is not signed by a trusted root; trust its CA with \
             add_root_certificates"
        }
        Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => "the server's certificate is not for the host name in the URL",
        Error::AlertReceived(AlertDescription::CertificateRequired) => {
            "the server requires a client certificate (mutual TLS); set one with \
             add_client_certificate"
        }
        Error::AlertReceived(
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown,
        ) => "the server did not accept the client certificate",
        _ => return e.to_string(),
    };
    format!("{e}: {meaning}")
}

/// PEM text: a file read when the client connects, or bytes given in memory.
#[derive(Clone)]
pub(crate) enum Pem {
    File(PathBuf),
    /// Wiped when the last copy is dropped (it may hold a private key).
    Bytes(Arc<Zeroizing<Vec<u8>>>),
}

impl Pem {
    pub(crate) fn bytes(pem: Vec<u8>) -> Pem {
        Pem::Bytes(Arc::new(Zeroizing::new(pem)))
    }

    /// How errors name it.
    fn name(&self) -> String {
        match self {
            Pem::File(path) => path.display().to_string(),
            Pem::Bytes(_) => String::from("the PEM bytes given"),
        }
    }

    fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, ConnectError> {
        let parsed: Result<Vec<_>, _> = match self {
            Pem::File(path) => CertificateDer::pem_file_iter(path)
                .map_err(|e| tls_config(format!("reading {}: {e}", self.name())))?
                .collect(),
            Pem::Bytes(bytes) => CertificateDer::pem_slice_iter(bytes).collect(),
        };
        let certs = parsed.map_err(|e| tls_config(format!("parsing {}: {e}", self.name())))?;
        if certs.is_empty() {
            return Err(tls_config(format!("no certificate in {}", self.name())));
        }
        Ok(certs)
    }

    fn private_key(&self) -> Result<PrivateKeyDer<'static>, ConnectError> {
        match self {
            Pem::File(path) => PrivateKeyDer::from_pem_file(path),
            Pem::Bytes(bytes) => PrivateKeyDer::from_pem_slice(bytes),
        }
        .map_err(|e| tls_config(format!("reading key {}: {e}", self.name())))
    }
}

impl fmt::Debug for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pem::File(path) => write!(f, "File({})", path.display()),
            Pem::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
        }
    }
}

fn tls_config(what: String) -> ConnectError {
    ConnectError::TlsConfig(what)
}

/// Where trusted root certificates come from.
#[derive(Debug, Clone, Default)]
pub(crate) enum Roots {
    /// The operating system's store (falling back to the bundled Mozilla roots
    /// when it has none).
    #[default]
    Native,
    /// Only the CA certificates in these PEM files or bytes.
    Pem(Vec<Pem>),
}

/// TLS settings of [`ConnectOptions`](crate::ConnectOptions).
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsOptions {
    pub(crate) roots: Roots,
    /// Client certificate chain and key, for mutual TLS.
    pub(crate) client_cert: Option<(Pem, Pem)>,
    /// A complete configuration supplied by the user, used as is.
    pub(crate) custom: Option<Arc<ClientConfig>>,
}

/// The crypto provider TLS connections use: the process default when the
/// application installed one (`CryptoProvider::install_default`), otherwise
/// aws-lc-rs with the `aws-lc-rs` feature, otherwise ring (the default
/// `ring` feature).
fn provider() -> Result<Arc<CryptoProvider>, ConnectError> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Ok(installed.clone());
    }
    #[cfg(feature = "aws-lc-rs")]
    {
        Ok(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
    }
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    {
        // rustls 0.23.48 deprecates ring's provider because ring has no
        // post-quantum key exchange; it is still supported. The `aws-lc-rs`
        // feature (rustls' own default) brings the post-quantum groups.
        #[allow(deprecated)]
        Ok(Arc::new(rustls::crypto::ring::default_provider()))
    }
    #[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
    {
        Err(ConnectError::TlsConfig(String::from(
            "no TLS crypto provider: enable natrs' `ring` or `aws-lc-rs` feature, \
             or install a process default with rustls' CryptoProvider::install_default",
        )))
    }
}

impl TlsOptions {
    /// Builds the rustls configuration.
    pub(crate) fn build(&self) -> Result<Arc<ClientConfig>, ConnectError> {
        if let Some(custom) = &self.custom {
            return Ok(custom.clone());
        }
        let mut roots = rustls::RootCertStore::empty();
        match &self.roots {
            Roots::Native => {
                let loaded = rustls_native_certs::load_native_certs();
                for cert in loaded.certs {
                    let _ = roots.add(cert);
                }
                if roots.is_empty() {
                    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                }
            }
            Roots::Pem(sources) => {
                for source in sources {
                    for cert in source.certificates()? {
                        roots.add(cert).map_err(|e| {
                            tls_config(format!("bad CA certificate in {}: {e}", source.name()))
                        })?;
                    }
                }
            }
        }
        let builder = ClientConfig::builder_with_provider(provider()?)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_config(e.to_string()))?
            .with_root_certificates(roots);
        let config = match &self.client_cert {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => builder
                .with_client_auth_cert(cert.certificates()?, key.private_key()?)
                .map_err(|e| tls_config(format!("client certificate: {e}")))?,
        };
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod provider_tests {
    use rustls::NamedGroup;

    #[test]
    fn the_features_pick_the_crypto_provider() {
        // aws-lc-rs offers the post-quantum hybrid group; ring has none.
        let provider = super::provider().unwrap();
        let post_quantum = provider
            .kx_groups
            .iter()
            .any(|g| g.name() == NamedGroup::X25519MLKEM768);
        assert_eq!(post_quantum, cfg!(feature = "aws-lc-rs"));
    }
}
