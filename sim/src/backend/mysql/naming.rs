//! How the names of one emulated instance map to one shared server: each instance's
//! databases and users take the prefix `<instance id>__`, so that instances never collide
//! and every name on the server says which instance it belongs to.

/// The longest database, table, column or routine name MySQL and MariaDB accept.
const MAX_OBJECT_NAME: usize = 64;
/// The longest user name MariaDB accepts (MySQL 8: 32).
const MAX_USER_NAME: usize = 80;

/// The names of one instance (or PolarDB cluster) on the server.
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

    pub(crate) fn database(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub(crate) fn user(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The instance's name of a server database, if the database is this instance's.
    pub(crate) fn database_of<'a>(&self, server_name: &'a str) -> Option<&'a str> {
        server_name.strip_prefix(&self.prefix)
    }

    /// Why the server cannot hold this database, if it cannot.
    pub(crate) fn database_name_problem(&self, name: &str) -> Option<String> {
        let server_name = self.database(name);
        (server_name.chars().count() > MAX_OBJECT_NAME).then(|| {
            format!(
                "database `{name}` becomes `{server_name}` on the server, longer than the {MAX_OBJECT_NAME} characters MySQL allows"
            )
        })
    }

    /// Why the server cannot hold this user name, if it cannot.
    pub(crate) fn user_name_problem(&self, name: &str) -> Option<String> {
        let server_name = self.user(name);
        (server_name.chars().count() > MAX_USER_NAME).then(|| {
            format!(
                "user `{name}` becomes `{server_name}` on the server, longer than the {MAX_USER_NAME} characters MariaDB allows"
            )
        })
    }
}

/// Why the server cannot hold this table, view, column or routine name, if it cannot.
pub(crate) fn object_name_problem(kind: &str, name: &str) -> Option<String> {
    (name.chars().count() > MAX_OBJECT_NAME).then(|| {
        format!("{kind} `{name}` is longer than the {MAX_OBJECT_NAME} characters MySQL allows")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_take_the_instance_prefix_and_come_back() {
        let namespace = Namespace::of("cdb-quick01");
        assert_eq!(namespace.database("shop"), "cdb-quick01__shop");
        assert_eq!(namespace.user("app"), "cdb-quick01__app");
        assert_eq!(namespace.database_of("cdb-quick01__shop"), Some("shop"));
        assert_eq!(namespace.database_of("cdb-other__shop"), None);
    }

    #[test]
    fn names_too_long_for_the_server_are_named() {
        let namespace = Namespace::of("cdb-quick01");
        assert_eq!(namespace.database_name_problem("shop"), None);
        let long = "d".repeat(60);
        let problem = namespace.database_name_problem(&long).unwrap();
        assert!(
            problem.contains("longer than the 64 characters"),
            "{problem}"
        );
        assert_eq!(object_name_problem("table", &long), None);
        assert!(object_name_problem("table", &"t".repeat(65)).is_some());
        assert!(namespace.user_name_problem(&"u".repeat(70)).is_some());
    }
}
