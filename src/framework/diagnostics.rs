//! Diagnostics: the errors and warnings a provider reports to Terraform, optionally tied to an attribute.

use std::fmt;

use crate::value::AttributePath;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttributePath>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(diagnostics: I) -> Self {
        Diagnostics(diagnostics.into_iter().collect())
    }
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    /// A single error, for the common `Err(Diagnostics::from_error(..))`.
    pub fn from_error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut diags = Self::new();
        diags.error(summary, detail);
        diags
    }

    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary.into(), detail.into(), None);
    }

    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary.into(), detail.into(), None);
    }

    pub fn attribute_error(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Severity::Error, summary.into(), detail.into(), Some(path));
    }

    fn push(
        &mut self,
        severity: Severity,
        summary: String,
        detail: String,
        path: Option<AttributePath>,
    ) {
        self.0.push(Diagnostic {
            severity,
            summary,
            detail,
            path,
        });
    }

    /// Every detail preceded by `prefix` (which says what they are about).
    pub fn prefixed(self, prefix: &str) -> Self {
        self.0
            .into_iter()
            .map(|diagnostic| Diagnostic {
                detail: format!("{prefix}{}", diagnostic.detail),
                ..diagnostic
            })
            .collect()
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// At most `limit` diagnostics: when there are more, the first `limit` and one error that
    /// counts the rest, so thousands of bad values do not bury the output.
    pub fn bounded(mut self, limit: usize) -> Self {
        let rest = self.0.len().saturating_sub(limit);
        if rest > 0 {
            self.0.truncate(limit);
            self.error(
                "Too many problems",
                format!("{rest} more problems like those above are not shown. Mend these and plan again to see the rest."),
            );
        }
        self
    }

    /// `Ok(())` when nothing is an error, so validation can end with `diags.into_result()?`.
    pub fn into_result(self) -> Result<Diagnostics, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(self)
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            match &d.path {
                Some(path) => {
                    writeln!(f, "{:?}: {}: {}: {}", d.severity, path, d.summary, d.detail)?
                }
                None => writeln!(f, "{:?}: {}: {}", d.severity, d.summary, d.detail)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_keeps_the_first_and_counts_the_rest() {
        let mut diags = Diagnostics::new();
        for i in 0..25 {
            diags.error(format!("bad {i}"), "");
        }
        let bounded = diags.clone().bounded(20);
        assert_eq!(bounded.iter().count(), 21);
        assert_eq!(
            bounded.iter().nth(19).map(|d| d.summary.as_str()),
            Some("bad 19")
        );
        let last = bounded.iter().last().expect("a count");
        assert!(
            last.detail.starts_with("5 more problems"),
            "{}",
            last.detail
        );
        assert_eq!(diags.clone().bounded(25), diags);
    }
}
