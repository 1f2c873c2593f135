//! How the names of one emulated instance map to one shared database server: each instance's
//! databases and accounts take the prefix `<instance id>__`, so that instances never collide
//! and every name on the server says which instance it belongs to.

/// The names of one instance (or PolarDB cluster) on a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Namespace {
    prefix: String,
}

impl Namespace {
    pub(crate) fn of(instance: &str) -> Self {
        Namespace {
            prefix: format!("{instance}__"),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn database(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub(crate) fn user(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The instance's name of a server database or user, if it is this instance's.
    pub(crate) fn name_of<'a>(&self, server_name: &'a str) -> Option<&'a str> {
        server_name.strip_prefix(&self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_take_the_instance_prefix_and_come_back() {
        let namespace = Namespace::of("cdb-quick01");
        assert_eq!(namespace.database("shop"), "cdb-quick01__shop");
        assert_eq!(namespace.user("app"), "cdb-quick01__app");
        assert_eq!(namespace.name_of("cdb-quick01__shop"), Some("shop"));
        assert_eq!(namespace.name_of("cdb-other__shop"), None);
    }
}
