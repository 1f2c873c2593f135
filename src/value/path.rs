//! Attribute paths: where in a value something is, written the way Terraform writes it.

use std::fmt;

/// A path from the root of a value to one of its parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributePath {
    pub steps: Vec<PathStep>,
}

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An attribute of an object or block.
    Attribute(String),
    /// An element of a map.
    ElementKeyString(String),
    /// An element of a list, set or tuple, by position.
    ElementKeyInt(i64),
}

impl AttributePath {
    /// The empty path: the value itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// True for the path of the value itself.
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// This path extended by an attribute step.
    pub fn attribute(&self, name: impl Into<String>) -> Self {
        self.with(PathStep::Attribute(name.into()))
    }

    /// This path extended by a map key step.
    pub fn key(&self, key: impl Into<String>) -> Self {
        self.with(PathStep::ElementKeyString(key.into()))
    }

    /// This path extended by a list, set or tuple index step.
    pub fn index(&self, index: i64) -> Self {
        self.with(PathStep::ElementKeyInt(index))
    }

    /// This path extended by `step`.
    pub fn with(&self, step: PathStep) -> Self {
        let mut extended = self.clone();
        extended.push(step);
        extended
    }

    /// Extends this path in place.
    pub fn push(&mut self, step: PathStep) {
        self.steps.push(step);
    }

    /// Puts `step` in front: used to build paths as errors travel out of nested values.
    pub fn prepend(&mut self, step: PathStep) {
        self.steps.insert(0, step);
    }
}

impl From<Vec<PathStep>> for AttributePath {
    fn from(steps: Vec<PathStep>) -> Self {
        Self { steps }
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::ElementKeyString(key) => write!(f, "[{}]", Quoted(key))?,
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A string in double quotes with the escapes Terraform uses in paths.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_path_displays_as_nothing() {
        assert_eq!(AttributePath::root().to_string(), "");
        assert!(AttributePath::root().is_root());
    }

    #[test]
    fn a_map_element_displays_with_a_quoted_key() {
        let path = AttributePath::root()
            .attribute("database_privileges")
            .key("shop");
        assert_eq!(path.to_string(), r#"database_privileges["shop"]"#);
    }

    #[test]
    fn a_list_element_attribute_displays_with_index_and_dot() {
        let path = AttributePath::root()
            .attribute("table")
            .index(0)
            .attribute("privileges");
        assert_eq!(path.to_string(), "table[0].privileges");
    }

    #[test]
    fn quotes_and_backslashes_in_keys_are_escaped() {
        let path = AttributePath::root().attribute("m").key("a\"b\\c\n");
        assert_eq!(path.to_string(), r#"m["a\"b\\c\n"]"#);
    }

    #[test]
    fn builders_leave_the_original_path_unchanged() {
        let base = AttributePath::root().attribute("a");
        let extended = base.index(3);
        assert_eq!(base.steps.len(), 1);
        assert_eq!(extended.steps.len(), 2);
    }

    #[test]
    fn prepend_puts_the_step_first() {
        let mut path = AttributePath::root().attribute("b");
        path.prepend(PathStep::Attribute("a".into()));
        assert_eq!(path.to_string(), "a.b");
    }

    #[test]
    fn push_extends_in_place() {
        let mut path = AttributePath::root();
        path.push(PathStep::Attribute("a".into()));
        path.push(PathStep::ElementKeyInt(2));
        assert_eq!(path.to_string(), "a[2]");
    }
}
