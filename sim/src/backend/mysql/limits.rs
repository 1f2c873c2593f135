//! The lengths of names a MySQL-family server accepts, checked before anything is created so
//! that a fixture the server cannot hold stops the sim with a message naming the name.

use crate::backend::naming::Namespace;

/// The longest database, table, column or routine name MySQL and MariaDB accept.
const MAX_OBJECT_NAME: usize = 64;
/// The longest user name MariaDB accepts.
const MAX_USER_NAME: usize = 80;

/// Why the server cannot hold this database of the instance, if it cannot.
pub(crate) fn database_name_problem(namespace: &Namespace, name: &str) -> Option<String> {
    let server_name = namespace.database(name);
    (server_name.chars().count() > MAX_OBJECT_NAME).then(|| {
        format!(
            "database `{name}` becomes `{server_name}` on the server, longer than the {MAX_OBJECT_NAME} characters MySQL allows"
        )
    })
}

/// Why the server cannot hold this user of the instance, if it cannot.
pub(crate) fn user_name_problem(namespace: &Namespace, name: &str) -> Option<String> {
    let server_name = namespace.user(name);
    (server_name.chars().count() > MAX_USER_NAME).then(|| {
        format!(
            "user `{name}` becomes `{server_name}` on the server, longer than the {MAX_USER_NAME} characters MariaDB allows"
        )
    })
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
    fn names_too_long_for_the_server_are_named() {
        let namespace = Namespace::of("cdb-quick01");
        assert_eq!(database_name_problem(&namespace, "shop"), None);
        let long = "d".repeat(60);
        let problem = database_name_problem(&namespace, &long).unwrap();
        assert!(
            problem.contains("longer than the 64 characters"),
            "{problem}"
        );
        assert_eq!(object_name_problem("table", &long), None);
        assert!(object_name_problem("table", &"t".repeat(65)).is_some());
        assert!(user_name_problem(&namespace, &"u".repeat(70)).is_some());
    }
}
