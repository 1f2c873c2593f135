//! Percent-encoding as both vendors sign it: RFC 3986, where only `A-Z a-z 0-9 - _ . ~` stay as
//! they are, so a space is `%20` (never `+`) and `*` is `%2A`.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What stays unencoded: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_encoding() {
        assert_eq!(encode("a b"), "a%20b");
        assert_eq!(encode("*"), "%2A");
        assert_eq!(encode("~-_."), "~-_.");
        assert_eq!(encode("db1,db2"), "db1%2Cdb2");
        assert_eq!(encode("a+b=c&d/e"), "a%2Bb%3Dc%26d%2Fe");
        assert_eq!(encode("未命名"), "%E6%9C%AA%E5%91%BD%E5%90%8D");
    }
}
