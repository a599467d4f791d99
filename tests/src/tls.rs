//! TLS material generated at test time with rcgen (never committed): [`TlsMaterial`].

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::error::{HarnessError, Result};

/// The names the server certificate is valid for.
pub const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// The only name the wrong-name server certificate is valid for.
pub const WRONG_NAME: &str = "wrong-name.invalid";

/// A certificate and its private key, as PEM files and as DER.
#[derive(Debug)]
pub struct CertFiles {
    cert_path: PathBuf,
    key_path: PathBuf,
    cert_der: CertificateDer<'static>,
    key_pkcs8: Vec<u8>,
}

impl CertFiles {
    /// The certificate PEM file.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The private key PEM file (PKCS#8).
    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// The certificate, DER encoded.
    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.cert_der.clone()
    }

    /// The private key, PKCS#8 DER, as rustls takes it.
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()))
    }
}

/// A certificate authority: its certificate (as files) and what it needs to sign.
struct Authority {
    files: CertFiles,
    cert: Certificate,
    key: KeyPair,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// Which CA a client trusts (see [`TlsMaterial::client_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trust {
    /// The CA that signed the server certificates.
    Ca,
    /// The unrelated second CA (handshakes with the server must fail).
    OtherCa,
}

/// Which certificate a client presents (see [`TlsMaterial::client_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCert {
    /// None.
    None,
    /// The client certificate signed by the CA (accepted with `verify: true`).
    Trusted,
    /// A client certificate signed by the other CA (rejected with `verify: true`).
    Untrusted,
}

/// Options for the nats-server `tls { ... }` block made by
/// [`TlsMaterial::server_config_block`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TlsOptions {
    verify: bool,
    handshake_first: bool,
    wrong_name: bool,
}

impl TlsOptions {
    /// Plain server TLS: no client certificates, INFO before the handshake.
    pub fn new() -> TlsOptions {
        TlsOptions::default()
    }

    /// Require and verify client certificates against the CA (`verify: true`, mTLS).
    pub fn verify(mut self, on: bool) -> TlsOptions {
        self.verify = on;
        self
    }

    /// TLS before INFO (`handshake_first: true`).
    pub fn handshake_first(mut self, on: bool) -> TlsOptions {
        self.handshake_first = on;
        self
    }

    /// Serve the certificate for [`WRONG_NAME`] instead of the `localhost` one.
    pub fn wrong_name(mut self, on: bool) -> TlsOptions {
        self.wrong_name = on;
        self
    }
}

/// A fresh set of TLS certificates written as PEM files into a temp dir (removed on
/// drop):
/// - a CA;
/// - a server certificate for `localhost` and `127.0.0.1` signed by it;
/// - a client certificate signed by it (for mTLS);
/// - a second, unrelated CA and a client certificate signed by that one;
/// - a server certificate signed by the CA for [`WRONG_NAME`] only.
///
/// All keys are ECDSA P-256.
#[derive(Debug)]
pub struct TlsMaterial {
    dir: tempfile::TempDir,
    ca: Authority,
    other_ca: Authority,
    server: CertFiles,
    client: CertFiles,
    other_client: CertFiles,
    wrong_name_server: CertFiles,
}

impl TlsMaterial {
    /// Generates everything and writes the PEM files.
    pub fn generate() -> Result<TlsMaterial> {
        let dir = tempfile::Builder::new()
            .prefix("natrs-tls-")
            .tempdir()
            .map_err(|e| HarnessError::io("creating the TLS temp dir", e))?;
        let ca = authority(dir.path(), "ca", "natrs test CA")?;
        let other_ca = authority(dir.path(), "other-ca", "natrs unrelated test CA")?;
        let server = leaf(
            dir.path(),
            "server",
            &SERVER_NAMES,
            ExtendedKeyUsagePurpose::ServerAuth,
            &ca,
        )?;
        let wrong_name_server = leaf(
            dir.path(),
            "wrong-name-server",
            &[WRONG_NAME],
            ExtendedKeyUsagePurpose::ServerAuth,
            &ca,
        )?;
        let client = leaf(
            dir.path(),
            "client",
            &["natrs-test-client"],
            ExtendedKeyUsagePurpose::ClientAuth,
            &ca,
        )?;
        let other_client = leaf(
            dir.path(),
            "other-client",
            &["natrs-untrusted-client"],
            ExtendedKeyUsagePurpose::ClientAuth,
            &other_ca,
        )?;
        Ok(TlsMaterial {
            dir,
            ca,
            other_ca,
            server,
            client,
            other_client,
            wrong_name_server,
        })
    }

    /// The directory holding the PEM files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The CA certificate PEM file.
    pub fn ca_cert_path(&self) -> &Path {
        self.ca.files.cert_path()
    }

    /// The CA certificate, DER encoded.
    pub fn ca_cert_der(&self) -> CertificateDer<'static> {
        self.ca.files.cert_der()
    }

    /// The unrelated second CA's certificate PEM file.
    pub fn other_ca_cert_path(&self) -> &Path {
        self.other_ca.files.cert_path()
    }

    /// The unrelated second CA's certificate, DER encoded.
    pub fn other_ca_cert_der(&self) -> CertificateDer<'static> {
        self.other_ca.files.cert_der()
    }

    /// The server certificate (for `localhost` and `127.0.0.1`) and key.
    pub fn server(&self) -> &CertFiles {
        &self.server
    }

    /// The server certificate for [`WRONG_NAME`] only, and its key.
    pub fn wrong_name_server(&self) -> &CertFiles {
        &self.wrong_name_server
    }

    /// The client certificate signed by the CA, and its key.
    pub fn client(&self) -> &CertFiles {
        &self.client
    }

    /// A client certificate signed by the other CA, and its key.
    pub fn untrusted_client(&self) -> &CertFiles {
        &self.other_client
    }

    /// The nats-server `tls { ... }` block for these files, e.g. to pass to
    /// [`crate::ServerConfig::add_config`]. It always names the CA as `ca_file`.
    pub fn server_config_block(&self, options: TlsOptions) -> String {
        let server = if options.wrong_name {
            &self.wrong_name_server
        } else {
            &self.server
        };
        let mut block = format!(
            "tls {{\n  cert_file: {}\n  key_file: {}\n  ca_file: {}\n  timeout: 5\n",
            quote(server.cert_path()),
            quote(server.key_path()),
            quote(self.ca_cert_path()),
        );
        if options.verify {
            block.push_str("  verify: true\n");
        }
        if options.handshake_first {
            block.push_str("  handshake_first: true\n");
        }
        block.push_str("}\n");
        block
    }

    /// A rustls client configuration (ring provider) trusting `trust` and presenting
    /// `cert`.
    pub fn client_config(&self, trust: Trust, cert: ClientCert) -> Result<Arc<ClientConfig>> {
        let mut roots = RootCertStore::empty();
        let anchor = match trust {
            Trust::Ca => self.ca_cert_der(),
            Trust::OtherCa => self.other_ca_cert_der(),
        };
        roots.add(anchor).map_err(HarnessError::Tls)?;
        // ring's provider is deprecated from rustls 0.23.48 (no post-quantum
        // key exchange); test certificates do not need it.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots);
        let config = match cert {
            ClientCert::None => builder.with_no_client_auth(),
            ClientCert::Trusted => builder
                .with_client_auth_cert(vec![self.client.cert_der()], self.client.key_der())?,
            ClientCert::Untrusted => builder.with_client_auth_cert(
                vec![self.other_client.cert_der()],
                self.other_client.key_der(),
            )?,
        };
        Ok(Arc::new(config))
    }
}

/// A config-file string literal for `path`.
fn quote(path: &Path) -> String {
    format!("{:?}", path.to_string_lossy())
}

fn authority(dir: &Path, stem: &str, common_name: &str) -> Result<Authority> {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let files = write_files(dir, stem, &cert, &key)?;
    Ok(Authority { files, cert, key })
}

fn leaf(
    dir: &Path,
    stem: &str,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
    issuer: &Authority,
) -> Result<CertFiles> {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names.clone())?;
    params.distinguished_name = name(&names[0]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer.cert, &issuer.key)?;
    write_files(dir, stem, &cert, &key)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "natrs tests");
    dn
}

fn write_files(dir: &Path, stem: &str, cert: &Certificate, key: &KeyPair) -> Result<CertFiles> {
    let cert_path = dir.join(format!("{stem}-cert.pem"));
    let key_path = dir.join(format!("{stem}-key.pem"));
    fs::write(&cert_path, cert.pem())
        .map_err(|e| HarnessError::io(format!("writing {}", cert_path.display()), e))?;
    fs::write(&key_path, key.serialize_pem())
        .map_err(|e| HarnessError::io(format!("writing {}", key_path.display()), e))?;
    Ok(CertFiles {
        cert_path,
        key_path,
        cert_der: cert.der().clone(),
        key_pkcs8: key.serialize_der(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_files_and_config_blocks() {
        let tls = TlsMaterial::generate().unwrap();
        for path in [
            tls.ca_cert_path(),
            tls.other_ca_cert_path(),
            tls.server().cert_path(),
            tls.server().key_path(),
            tls.client().cert_path(),
            tls.untrusted_client().key_path(),
            tls.wrong_name_server().cert_path(),
        ] {
            let text = fs::read_to_string(path).unwrap();
            assert!(text.starts_with("-----BEGIN "), "{}", path.display());
        }
        let plain = tls.server_config_block(TlsOptions::new());
        assert!(plain.contains("server-cert.pem"));
        assert!(!plain.contains("verify"));
        assert!(!plain.contains("handshake_first"));
        let mtls = tls.server_config_block(
            TlsOptions::new()
                .verify(true)
                .handshake_first(true)
                .wrong_name(true),
        );
        assert!(mtls.contains("verify: true"));
        assert!(mtls.contains("handshake_first: true"));
        assert!(mtls.contains("wrong-name-server-cert.pem"));
        for trust in [Trust::Ca, Trust::OtherCa] {
            for cert in [ClientCert::None, ClientCert::Trusted, ClientCert::Untrusted] {
                tls.client_config(trust, cert).unwrap();
            }
        }
    }

    #[test]
    fn material_is_fresh_each_time() {
        let a = TlsMaterial::generate().unwrap();
        let b = TlsMaterial::generate().unwrap();
        assert_ne!(a.ca_cert_der(), b.ca_cert_der());
        assert_ne!(a.dir(), b.dir());
    }
}
