//! go-plugin's launch contract: the magic cookie, the environment Terraform sets, and the
//! handshake line that must be the first thing on stdout.

use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const CORE_PROTOCOL_VERSION: u32 = 1;
pub const PROTOCOL_VERSION: u32 = 6;

/// What Terraform told us through the environment when it started this process.
#[derive(Debug, Clone)]
pub struct LaunchEnvironment {
    pub client_certificate_pem: Option<String>,
    pub min_port: u16,
    pub max_port: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error(
        "This binary is a plugin for Terraform. It is not meant to be run directly: \
         install it as the provider registry.terraform.io/clouddb/clouddb and let Terraform start it. \
         (To debug it, run it with --debug.)"
    )]
    NotLaunchedByTerraform,
    #[error("Terraform offers plugin protocol versions {offered:?}; this provider speaks only version {PROTOCOL_VERSION}. Use Terraform 0.15.4 or newer.")]
    UnsupportedProtocol { offered: String },
    #[error("{name} = {value:?} is not a port number")]
    BadPort { name: &'static str, value: String },
}

impl LaunchEnvironment {
    /// Reads and checks the variables go-plugin sets, with `lookup` standing for `std::env::var`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, HandshakeError> {
        if lookup(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotLaunchedByTerraform);
        }
        let offered = lookup("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
        let speaks_ours = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
        if !speaks_ours {
            return Err(HandshakeError::UnsupportedProtocol { offered });
        }
        Ok(LaunchEnvironment {
            client_certificate_pem: lookup("PLUGIN_CLIENT_CERT")
                .filter(|pem| !pem.trim().is_empty()),
            min_port: port(&lookup, "PLUGIN_MIN_PORT", 10000)?,
            max_port: port(&lookup, "PLUGIN_MAX_PORT", 25000)?,
        })
    }
}

fn port(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u16,
) -> Result<u16, HandshakeError> {
    match lookup(name) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse()
            .map_err(|_| HandshakeError::BadPort { name, value }),
    }
}

/// `1|6|tcp|127.0.0.1:PORT|grpc|<base64 DER certificate, no padding>`; no certificate in plaintext mode.
pub fn handshake_line(address: SocketAddr, server_certificate_der: Option<&[u8]>) -> String {
    let certificate = server_certificate_der
        .map(|der| STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|tcp|{address}|grpc|{certificate}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn without_the_magic_cookie_the_binary_explains_itself() {
        let err = LaunchEnvironment::from_lookup(env(&[])).unwrap_err();
        assert!(err.to_string().contains("plugin for Terraform"));
    }

    #[test]
    fn protocol_six_is_required() {
        let err = LaunchEnvironment::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5"),
        ]))
        .unwrap_err();
        assert!(matches!(err, HandshakeError::UnsupportedProtocol { .. }));
    }

    #[test]
    fn terraforms_variables_are_read() {
        let launch = LaunchEnvironment::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_MIN_PORT", "12000"),
            ("PLUGIN_MAX_PORT", "12010"),
            ("PLUGIN_CLIENT_CERT", "-----BEGIN CERTIFICATE-----"),
        ]))
        .expect("valid launch");
        assert_eq!((launch.min_port, launch.max_port), (12000, 12010));
        assert!(launch.client_certificate_pem.is_some());
    }

    #[test]
    fn the_handshake_line_carries_the_certificate_without_padding() {
        let line = handshake_line(
            "127.0.0.1:12345".parse().expect("address"),
            Some(&[1, 2, 3, 4]),
        );
        assert_eq!(line, "1|6|tcp|127.0.0.1:12345|grpc|AQIDBA");
    }
}
