//! The small regular expressions cdb DescribeAccounts takes in `AccountRegexp` and `HostRegexp`.
//!
//! A subset of POSIX extended syntax: literal characters, `.`, bracket classes (`[a-z_]`,
//! `[^0-9]`), the repeats `*`, `+`, `?`, the anchors `^` and `$`, and `\` to take the next
//! character literally. Groups, alternation and counted repeats are refused. A pattern
//! matches anywhere in the text unless anchored, as MySQL's `REGEXP` does.

/// One character the pattern takes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Any,
    Literal(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Self::Any => true,
            Self::Literal(literal) => *literal == c,
            Self::Class { negated, ranges } => {
                ranges.iter().any(|(low, high)| (*low..=*high).contains(&c)) != *negated
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Once,
    ZeroOrOne,
    ZeroOrMore,
    OneOrMore,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    atom: Atom,
    repeat: Repeat,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    at_start: bool,
    at_end: bool,
    pieces: Vec<Piece>,
}

impl Pattern {
    /// Compiles `text`; the error says what the sim does not understand.
    pub(crate) fn compile(text: &str) -> Result<Pattern, String> {
        let mut chars = text.chars().peekable();
        let at_start = chars.next_if_eq(&'^').is_some();
        let mut pieces: Vec<Piece> = Vec::new();
        let mut at_end = false;
        while let Some(c) = chars.next() {
            if at_end {
                return Err("`$` may only end the pattern".to_owned());
            }
            let atom = match c {
                '$' if chars.peek().is_none() => {
                    at_end = true;
                    continue;
                }
                '.' => Atom::Any,
                '\\' => Atom::Literal(chars.next().ok_or("the pattern ends with `\\`")?),
                '[' => class(&mut chars)?,
                '*' | '+' | '?' => {
                    let Some(last) = pieces.last_mut().filter(|p| p.repeat == Repeat::Once) else {
                        return Err(format!("`{c}` repeats nothing"));
                    };
                    last.repeat = match c {
                        '*' => Repeat::ZeroOrMore,
                        '+' => Repeat::OneOrMore,
                        _ => Repeat::ZeroOrOne,
                    };
                    continue;
                }
                '(' | ')' | '|' | '{' | '}' | '^' | '$' | ']' => {
                    return Err(format!(
                        "`{c}` is not supported by clouddb-sim (only . [] * + ? ^ $ \\)"
                    ))
                }
                other => Atom::Literal(other),
            };
            pieces.push(Piece {
                atom,
                repeat: Repeat::Once,
            });
        }
        Ok(Pattern {
            at_start,
            at_end,
            pieces,
        })
    }

    /// Whether the pattern matches (part of) `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        if self.at_start {
            return match_here(&self.pieces, &chars, self.at_end);
        }
        (0..=chars.len()).any(|start| match_here(&self.pieces, &chars[start..], self.at_end))
    }
}

fn class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Atom, String> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = chars.next().ok_or("a `[` class is not closed")?;
        if c == ']' && !first {
            break;
        }
        first = false;
        let low = if c == '\\' {
            chars.next().ok_or("the pattern ends with `\\`")?
        } else {
            c
        };
        let high = if chars.peek() == Some(&'-') {
            chars.next();
            match chars.next() {
                Some(']') => {
                    ranges.push((low, low));
                    ranges.push(('-', '-'));
                    break;
                }
                Some(high) if high >= low => high,
                Some(high) => return Err(format!("the range `{low}-{high}` is reversed")),
                None => return Err("a `[` class is not closed".to_owned()),
            }
        } else {
            low
        };
        ranges.push((low, high));
    }
    Ok(Atom::Class { negated, ranges })
}

fn match_here(pieces: &[Piece], text: &[char], at_end: bool) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return !at_end || text.is_empty();
    };
    let takes = |i: usize| text.get(i).is_some_and(|c| piece.atom.matches(*c));
    match piece.repeat {
        Repeat::Once => takes(0) && match_here(rest, &text[1..], at_end),
        Repeat::ZeroOrOne => {
            (takes(0) && match_here(rest, &text[1..], at_end)) || match_here(rest, text, at_end)
        }
        Repeat::ZeroOrMore | Repeat::OneOrMore => {
            let least = usize::from(piece.repeat == Repeat::OneOrMore);
            let mut most = 0;
            while takes(most) {
                most += 1;
            }
            (least..=most)
                .rev()
                .any(|taken| match_here(rest, &text[taken..], at_end))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern).expect("pattern").is_match(text)
    }

    #[test]
    fn the_subset_matches_like_mysql_regexp() {
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
        assert!(matches("^[a-]$", "-"));
    }

    #[test]
    fn what_is_not_understood_is_refused() {
        for bad in ["(a|b)", "*a", "a{2}", "[abc", "a\\", "a$b", "[z-a]"] {
            assert!(Pattern::compile(bad).is_err(), "{bad}");
        }
    }
}
