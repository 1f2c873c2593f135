//! A configured value as messages repeat it: quoted as `{:?}` writes it, and cut when it is
//! long, so that a name of 10,000 characters is not printed back whole, once for every problem
//! found in it.

/// Values up to this many characters are shown whole.
const SHOWN_WHOLE: usize = 120;
/// How much of a longer value is shown.
const SHOWN_START: usize = 80;

/// The start of `text` and its length in characters, when it is too long to show whole.
fn cut(text: &str) -> Option<(String, usize)> {
    let length = text.chars().count();
    (length > SHOWN_WHOLE).then(|| (text.chars().take(SHOWN_START).collect(), length))
}

/// `shop`, or `xxxx… (10000 characters)` for a long value, unquoted, for a name inside prose.
pub fn shortened(text: &str) -> String {
    match cut(text) {
        None => text.to_owned(),
        Some((start, length)) => format!("{start}… ({length} characters)"),
    }
}

/// `"shop"`, or `"xxxx…" (10000 characters)` for a long value.
pub fn quoted(text: &str) -> String {
    match cut(text) {
        None => format!("{text:?}"),
        Some((start, length)) => {
            let start = format!("{start:?}");
            let open = start.strip_suffix('"').unwrap_or(&start);
            format!("{open}…\" ({length} characters)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_cut_and_counted_a_short_one_shown_whole() {
        assert_eq!(quoted("shop"), "\"shop\"");
        assert_eq!(quoted("a\"b\n"), "\"a\\\"b\\n\"");
        let long = "x".repeat(10_000);
        assert_eq!(
            quoted(&long),
            format!("\"{}…\" (10000 characters)", "x".repeat(80))
        );
        let escaped = format!("\u{7}{}", "y".repeat(200));
        assert!(
            quoted(&escaped).starts_with("\"\\u{7}yyy"),
            "{}",
            quoted(&escaped)
        );
        assert_eq!(shortened("shop"), "shop");
        assert_eq!(
            shortened(&long),
            format!("{}… (10000 characters)", "x".repeat(80))
        );
    }
}
