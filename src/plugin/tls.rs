//! Strict mutual TLS for the plugin connection: a fresh server certificate per launch, and a
//! client verifier that accepts exactly the certificate Terraform handed us in PLUGIN_CLIENT_CERT.

use std::sync::Arc;

use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, PKCS_ECDSA_P256_SHA256};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};

/// Why a TLS handshake was refused, in words: rustls prints its reasons as debug structures.
pub fn describe_refusal(error: &std::io::Error) -> String {
    let reason = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match reason {
        Some(rustls::Error::InvalidCertificate(CertificateError::Other(other))) => {
            other.0.to_string()
        }
        Some(rustls::Error::NoCertificatesPresented) => {
            "the client sent no certificate, and Terraform always sends one".to_owned()
        }
        _ => error.to_string(),
    }
}

/// Why a client certificate is refused: only the one Terraform handed over is accepted.
#[derive(Debug, thiserror::Error)]
#[error("the client certificate is not the one Terraform gave in PLUGIN_CLIENT_CERT")]
struct NotTerraform;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCertificate(String),
    #[error("could not generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("could not build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The certificate this process presents, and its key.
pub struct ServerIdentity {
    pub certificate: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// A self-signed certificate for `localhost`, valid from a minute ago, made fresh for this launch.
    pub fn generate() -> Result<Self, TlsError> {
        let key_pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "terraform-provider-clouddb");
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::minutes(1);
        params.not_after = now + time::Duration::days(365);
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let certificate = params.self_signed(&key_pair)?;
        Ok(ServerIdentity {
            certificate: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key_pair.serialize_der()),
        })
    }
}

pub fn parse_certificate_pem(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| TlsError::ClientCertificate(e.to_string()))
}

fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The server side of the plugin connection: our certificate, HTTP/2 only, and only `client` may connect.
pub fn server_config(
    identity: &ServerIdentity,
    client: CertificateDer<'static>,
) -> Result<ServerConfig, TlsError> {
    let provider = crypto_provider();
    let verifier = ExactClientCertVerifier {
        expected: client,
        provider: provider.clone(),
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![identity.certificate.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Requires a client certificate and accepts it only if it is byte-for-byte the expected one.
///
/// Terraform's certificate is a self-signed CA used as an end entity, which webpki-based
/// verifiers reject; pinning the exact bytes is both stricter and correct here.
#[derive(Debug)]
struct ExactClientCertVerifier {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for ExactClientCertVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(NotTerraform)),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_offers_p521_with_sha512_because_terraform_signs_with_it() {
        let identity = ServerIdentity::generate().expect("certificate");
        let verifier = ExactClientCertVerifier {
            expected: identity.certificate.clone(),
            provider: crypto_provider(),
        };
        assert!(verifier
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        assert!(verifier.client_auth_mandatory());
    }

    #[test]
    fn only_the_expected_certificate_is_accepted() {
        let expected = ServerIdentity::generate().expect("certificate").certificate;
        let other = ServerIdentity::generate().expect("certificate").certificate;
        let verifier = ExactClientCertVerifier {
            expected: expected.clone(),
            provider: crypto_provider(),
        };
        let now = UnixTime::now();
        assert!(verifier.verify_client_cert(&expected, &[], now).is_ok());
        assert!(verifier.verify_client_cert(&other, &[], now).is_err());
    }
}
