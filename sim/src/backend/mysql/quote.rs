//! Quoting names and text into MySQL statements. Account names, passwords and the object
//! names of `GRANT`, `REVOKE` and `CREATE` cannot be bound as parameters, so they are quoted
//! here; every statement the backends send goes through these functions.

/// A quoted identifier: backticks, with a backtick inside doubled.
pub(crate) fn identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A quoted string literal. Backslash is an escape character unless the server runs with
/// `NO_BACKSLASH_ESCAPES`; doubling it and the quote is right either way.
pub(crate) fn string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// `'user'@'host'`.
pub(crate) fn account(user: &str, host: &str) -> String {
    format!("{}@{}", string(user), string(host))
}

/// The database of a database-level grant (`ON db.*`), where `_` and `%` are wildcards:
/// escaped, so that the grant covers this database alone.
pub(crate) fn database_of_grant(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '_' | '%' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    identifier(&escaped)
}

/// A database name as the catalog of database-level grants stores it, wildcards unescaped.
pub(crate) fn unescape_database_of_grant(stored: &str) -> String {
    let mut name = String::with_capacity(stored.len());
    let mut chars = stored.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => name.extend(chars.next()),
            c => name.push(c),
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_double_backticks() {
        assert_eq!(identifier("shop"), "`shop`");
        assert_eq!(identifier("a`b; DROP TABLE x"), "`a``b; DROP TABLE x`");
    }

    #[test]
    fn strings_escape_quotes_and_backslashes() {
        assert_eq!(string("app"), "'app'");
        assert_eq!(string(r"it's \ here"), r"'it''s \\ here'");
        assert_eq!(account("o'neil", "10.0.0.%"), "'o''neil'@'10.0.0.%'");
    }

    #[test]
    fn database_grants_name_one_database_and_read_back() {
        assert_eq!(
            database_of_grant("cdb-1__app_data"),
            r"`cdb-1\_\_app\_data`"
        );
        assert_eq!(database_of_grant("100%"), r"`100\%`");
        for name in ["cdb-1__app_data", "100%", r"back\slash", "plain", "tick`"] {
            let stored = database_of_grant(name);
            let stored = stored[1..stored.len() - 1].replace("``", "`");
            assert_eq!(unescape_database_of_grant(&stored), name);
        }
    }
}
