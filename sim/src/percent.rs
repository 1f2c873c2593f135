//! Percent-encoding as the vendors' signatures define it, and query/form decoding.

use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// A query string or form body that does not decode to UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed percent-encoding in `{0}`")]
pub(crate) struct MalformedEncoding(pub String);

/// RFC 3986's unreserved characters, which stay as they are.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// RFC 3986 encoding: every byte but `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex).
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// Decodes one component of a query string or form body: `%XX` escapes, and `+` as a space.
/// A `%` not followed by two hex digits is refused, where the crate would pass it through.
pub(crate) fn decode(text: &str) -> Result<String, MalformedEncoding> {
    let malformed = || MalformedEncoding(text.to_owned());
    let bytes = text.as_bytes();
    let escapes_are_whole = bytes.iter().enumerate().all(|(i, byte)| {
        *byte != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_are_whole {
        return Err(malformed());
    }
    let spaced = text.replace('+', " ");
    percent_decode(spaced.as_bytes())
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| malformed())
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
