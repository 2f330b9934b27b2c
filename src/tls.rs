//! TLS with rustls and the *ring* provider for everything that leaves the machine (PostgreSQL,
//! HTTP steps and metrics, webhooks): certificates are checked against the system's roots.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls_platform_verifier::ConfigVerifierExt;

/// Makes *ring* the process-wide provider; reqwest and tokio-postgres-rustls both look it up.
/// Safe to call more than once.
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client configuration that verifies the server against the platform's trust store.
pub fn verifying() -> Result<ClientConfig, String> {
    install_provider();
    ClientConfig::with_platform_verifier().map_err(|e| format!("TLS setup: {e}"))
}

/// Encryption without authentication: what libpq's `sslmode=require` (and `prefer`) means.
/// Hosted PostgreSQL often serves certificates from its own CA, which libpq accepts there too.
pub fn encrypt_only() -> ClientConfig {
    install_provider();
    let algorithms = rustls::crypto::ring::default_provider().signature_verification_algorithms;
    ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert { algorithms }))
        .with_no_client_auth()
}

/// Accepts any certificate (still checking the handshake signatures); used only where libpq
/// would not check the certificate either.
#[derive(Debug)]
struct AnyCert {
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The process's HTTP client (HTTP steps, webhooks): built once, since loading the trust
/// store is the expensive part; timeouts are set per request.
pub fn http_client() -> Result<reqwest::Client, String> {
    static CLIENT: std::sync::OnceLock<Result<reqwest::Client, String>> =
        std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            install_provider();
            reqwest::Client::builder()
                .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(std::time::Duration::from_secs(10))
                .build()
                .map_err(|e| format!("HTTP client: {e}"))
        })
        .clone()
}

/// reqwest's top-level text hides the cause (refused, timed out, DNS): keep the chain.
/// The URL is left out: a webhook URL is itself a credential.
pub fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        source = s.source();
    }
    text
}
