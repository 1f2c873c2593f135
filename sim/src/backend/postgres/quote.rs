//! Quoting names and text into PostgreSQL statements. Object and role names of `GRANT`,
//! `REVOKE` and `CREATE` cannot be bound as parameters, so they are quoted here; every
//! statement the backend sends goes through these functions.

/// A quoted identifier: double quotes, with a double quote inside doubled.
pub(crate) fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A quoted string literal; with `standard_conforming_strings` (on since PostgreSQL 9.1) only
/// the quote needs doubling.
pub(crate) fn string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `"schema"."name"`.
pub(crate) fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", identifier(schema), identifier(name))
}

/// A function or procedure as a fixture names it — `tax`, `purge()` or `add_user(text,text)` —
/// quoted: `"schema"."add_user"("text","text")`. A name without parentheses stays without, which
/// PostgreSQL reads as the one routine of that name. An argument type `integer[]` is an array
/// of the quoted base type.
pub(crate) fn routine(schema: &str, name: &str) -> String {
    let Some((base, arguments)) = name.split_once('(') else {
        return qualified(schema, name);
    };
    let arguments = arguments.trim_end_matches(')');
    let types: Vec<String> = arguments
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| match t.strip_suffix("[]") {
            Some(element) => format!("{}[]", identifier(element)),
            None => identifier(t),
        })
        .collect();
    format!("{}({})", qualified(schema, base), types.join(","))
}

/// A routine as created: with `()` when the fixture gives no argument list.
pub(crate) fn routine_with_arguments(schema: &str, name: &str) -> String {
    if name.contains('(') {
        routine(schema, name)
    } else {
        format!("{}()", qualified(schema, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_strings_double_their_quotes() {
        assert_eq!(identifier("users"), "\"users\"");
        assert_eq!(identifier("a\"b; DROP TABLE x"), "\"a\"\"b; DROP TABLE x\"");
        assert_eq!(string("it's"), "'it''s'");
        assert_eq!(qualified("public", "users"), "\"public\".\"users\"");
    }

    #[test]
    fn routines_keep_their_argument_types() {
        assert_eq!(routine("public", "tax"), "\"public\".\"tax\"");
        assert_eq!(routine("public", "purge()"), "\"public\".\"purge\"()");
        assert_eq!(
            routine("public", "add_user(text,integer[])"),
            "\"public\".\"add_user\"(\"text\",\"integer\"[])"
        );
        assert_eq!(
            routine_with_arguments("public", "tax"),
            "\"public\".\"tax\"()"
        );
    }
}
