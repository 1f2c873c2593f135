//! The regular expressions cdb DescribeAccounts takes in `AccountRegexp` and `HostRegexp`: a
//! pattern matches anywhere in the text unless anchored, as MySQL's `REGEXP` does.

/// A compiled `AccountRegexp` or `HostRegexp`.
#[derive(Debug, Clone)]
pub(crate) struct Pattern(regex::Regex);

impl Pattern {
    /// The pattern, or why it cannot be compiled.
    pub(crate) fn compile(text: &str) -> Result<Pattern, String> {
        regex::Regex::new(text)
            .map(Pattern)
            .map_err(|error| match error {
                regex::Error::Syntax(detail) => detail
                    .lines()
                    .last()
                    .unwrap_or("syntax error")
                    .trim_start_matches("error: ")
                    .to_owned(),
                other => other.to_string(),
            })
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern).expect("pattern").is_match(text)
    }

    #[test]
    fn patterns_match_like_mysql_regexp() {
        assert!(matches("app", "my_app_1"));
        assert!(!matches("^app$", "my_app"));
        assert!(matches("^app$", "app"));
        assert!(matches(".*", ""));
        assert!(matches("^a.c$", "abc"));
        assert!(matches("^ap+_?[0-9]*$", "app_42"));
        assert!(!matches("^ap+_?[0-9]*$", "a_42"));
        assert!(matches("^10\\.0\\.", "10.0.1.2"));
        assert!(!matches("^10\\.0\\.", "10a0b"));
        assert!(matches("^[^%]+$", "10.0.0.1"));
        assert!(!matches("^[^%]+$", "%"));
        assert!(matches("^(app|etl)$", "etl"));
    }

    #[test]
    fn what_cannot_be_compiled_is_refused_with_the_reason() {
        for bad in ["(a|b", "*a", "[abc", "a\\", "[z-a]"] {
            let why = Pattern::compile(bad).expect_err(bad);
            assert!(!why.is_empty(), "{bad}");
        }
    }
}
