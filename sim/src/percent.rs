//! Percent-encoding as the vendors' signatures define it, and query/form decoding.

use std::fmt::Write;

/// A query string or form body that does not decode to UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed percent-encoding in `{0}`")]
pub(crate) struct MalformedEncoding(pub String);

/// RFC 3986 encoding: every byte but `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex).
pub(crate) fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// Decodes one component of a query string or form body: `%XX` escapes, and `+` as a space.
pub(crate) fn decode(text: &str) -> Result<String, MalformedEncoding> {
    let malformed = || MalformedEncoding(text.to_owned());
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(malformed)?;
                let hex = std::str::from_utf8(hex).map_err(|_| malformed())?;
                decoded.push(u8::from_str_radix(hex, 16).map_err(|_| malformed())?);
                i += 3;
            }
            b'+' => {
                decoded.push(b' ');
                i += 1;
            }
            byte => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|_| malformed())
}

/// Splits `a=1&b=2` into decoded pairs; a key without `=` has an empty value.
pub(crate) fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, MalformedEncoding> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(key)?, decode(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_rfc3986_way() {
        assert_eq!(encode("a b*c~d"), "a%20b%2Ac~d");
        assert_eq!(encode("ReadWrite,ReadOnly"), "ReadWrite%2CReadOnly");
        assert_eq!(encode("名"), "%E5%90%8D");
        assert_eq!(encode("2016-02-23T12:46:24Z"), "2016-02-23T12%3A46%3A24Z");
    }

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(decode("a%20b+c%2A").as_deref(), Ok("a b c*"));
        assert!(decode("%4").is_err());
        assert!(decode("%zz").is_err());
        assert!(decode("%ff").is_err());
    }

    #[test]
    fn parses_pairs() {
        let pairs = parse_pairs("b=2&a=&flag&&c=x%3Dy").expect("pairs");
        let expected = [("b", "2"), ("a", ""), ("flag", ""), ("c", "x=y")];
        assert_eq!(pairs.len(), expected.len());
        for ((key, value), (k, v)) in pairs.iter().zip(expected) {
            assert_eq!((key.as_str(), value.as_str()), (k, v));
        }
    }
}
