//! One component of a glob pattern (`*.mmstats`, `web-?`, `[a-c]*`),
//! matched against a file name as the system gives it: any bytes, not only
//! UTF-8.
//!
//! The syntax is the glob crate's (which checks the pattern first): `?` is
//! one character, `*` any run of them, `[abc]`, `[a-z]` and `[!abc]` one
//! character of (or not of) a set. As in the shell, a name starting with a
//! dot matches only a pattern starting with a literal dot. A byte that is
//! not part of valid UTF-8 counts as one character: `?`, `*` and `[!...]`
//! match it, a literal character or `[...]` never does.
#![forbid(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// One character of a name: a Unicode scalar of its UTF-8, or a byte that
/// is not valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Char(char),
    Byte(u8),
}

/// The characters of `bytes`.
fn units(bytes: &[u8]) -> Vec<Unit> {
    let mut out = Vec::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.extend(chunk.valid().chars().map(Unit::Char));
        out.extend(chunk.invalid().iter().copied().map(Unit::Byte));
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(Unit),
    AnyOne,
    AnyRun,
    /// `[...]` (`negated`: `[!...]`), as inclusive ranges.
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    fn matches(&self, unit: Unit) -> bool {
        match (self, unit) {
            (Token::Literal(want), unit) => *want == unit,
            (Token::AnyOne | Token::AnyRun, _) => true,
            (Token::Set { negated, ranges }, Unit::Char(c)) => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
            (Token::Set { negated, .. }, Unit::Byte(_)) => *negated,
        }
    }
}

/// A compiled pattern component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern {
    tokens: Vec<Token>,
}

impl NamePattern {
    /// Compiles `component` (no `/`). A `[` without its `]` is taken
    /// literally: the glob crate has refused such patterns already.
    pub fn new(component: &OsStr) -> NamePattern {
        let units = units(component.as_bytes());
        let mut tokens = Vec::with_capacity(units.len());
        let mut i = 0;
        while i < units.len() {
            match units[i] {
                Unit::Char('?') => tokens.push(Token::AnyOne),
                Unit::Char('*') => {
                    if tokens.last() != Some(&Token::AnyRun) {
                        tokens.push(Token::AnyRun);
                    }
                }
                Unit::Char('[') => {
                    if let Some((set, used)) = parse_set(&units[i + 1..]) {
                        tokens.push(set);
                        i += 1 + used;
                        continue;
                    }
                    tokens.push(Token::Literal(units[i]));
                }
                unit => tokens.push(Token::Literal(unit)),
            }
            i += 1;
        }
        NamePattern { tokens }
    }

    /// The one name this pattern matches, if it has no wildcard (a set of
    /// one character, as in the escape `[*]`, counts as that character;
    /// but not a leading `[.]`, which never matches a leading dot).
    pub fn literal(&self) -> Option<OsString> {
        let mut bytes = Vec::new();
        for (i, token) in self.tokens.iter().enumerate() {
            let unit = match token {
                Token::Literal(unit) => *unit,
                Token::Set {
                    negated: false,
                    ranges,
                } if ranges.len() == 1 && ranges[0].0 == ranges[0].1 => {
                    if i == 0 && ranges[0].0 == '.' {
                        return None;
                    }
                    Unit::Char(ranges[0].0)
                }
                _ => return None,
            };
            match unit {
                Unit::Char(c) => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                Unit::Byte(b) => bytes.push(b),
            }
        }
        Some(OsString::from_vec(bytes))
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &OsStr) -> bool {
        let name = units(name.as_bytes());
        if name.first() == Some(&Unit::Char('.'))
            && self.tokens.first() != Some(&Token::Literal(Unit::Char('.')))
        {
            return false;
        }
        // Matching with backtracking to the last `*` only: linear in the
        // name for each `*`, never exponential.
        let tokens = &self.tokens;
        let (mut t, mut n) = (0, 0);
        let mut backtrack: Option<(usize, usize)> = None;
        while n < name.len() {
            match tokens.get(t) {
                Some(Token::AnyRun) => {
                    backtrack = Some((t, n));
                    t += 1;
                }
                Some(token) if token.matches(name[n]) => {
                    t += 1;
                    n += 1;
                }
                _ => match backtrack {
                    Some((star, from)) => {
                        backtrack = Some((star, from + 1));
                        t = star + 1;
                        n = from + 1;
                    }
                    None => return false,
                },
            }
        }
        tokens[t..].iter().all(|token| *token == Token::AnyRun)
    }
}

/// The set that starts after a `[`, as the glob crate reads it: `!` first
/// negates, a `]` right after `[` or `[!` belongs to the set, `a-z` is a
/// range. Returns the set and the units it used, its `]` included.
fn parse_set(after: &[Unit]) -> Option<(Token, usize)> {
    let negated = after.first() == Some(&Unit::Char('!'));
    let start = usize::from(negated);
    // The first member may be `]`; the set ends at the next `]`.
    let end = start
        + 1
        + after
            .get(start + 1..)?
            .iter()
            .position(|u| *u == Unit::Char(']'))?;
    let mut members = Vec::with_capacity(end - start);
    for unit in &after[start..end] {
        match unit {
            Unit::Char(c) => members.push(*c),
            // A set names characters; a stray byte in it is never matched.
            Unit::Byte(_) => {}
        }
    }
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < members.len() {
        if i + 2 < members.len() && members[i + 1] == '-' {
            ranges.push((members[i], members[i + 2]));
            i += 3;
        } else {
            ranges.push((members[i], members[i]));
            i += 1;
        }
    }
    Some((Token::Set { negated, ranges }, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, name: &[u8]) -> bool {
        NamePattern::new(OsStr::new(pattern)).matches(OsStr::from_bytes(name))
    }

    #[test]
    fn agrees_with_the_glob_crate_on_utf8_names() {
        let options = glob::MatchOptions {
            require_literal_leading_dot: true,
            ..glob::MatchOptions::new()
        };
        let patterns = [
            "*.mmstats",
            "a*",
            "*",
            "?",
            "a?c",
            "[abc]x",
            "[!abc]x",
            "[a-c]*",
            "[]]",
            "[!]]",
            "[-a]",
            "[a-]",
            "[[]",
            "*[*]*",
            "*a*b*",
            ".*",
            "é*",
            "[é-ë]",
            "",
            "[.]x",
        ];
        let names = [
            "a.mmstats",
            ".a.mmstats",
            ".mmstats",
            "a",
            "abc",
            "ax",
            "dx",
            "]",
            "-",
            "[",
            "x*y",
            "aXbYb",
            ".x",
            "é",
            "ê",
            "",
            "ab",
        ];
        for pattern in patterns {
            let glob = glob::Pattern::new(pattern).unwrap();
            for name in names {
                // The glob crate lets `*` match nothing before a leading
                // dot; the shell, Python's glob and this module do not.
                let hidden = name.starts_with('.') && !pattern.starts_with('.');
                let expected = glob.matches_with(name, options) && !hidden;
                assert_eq!(
                    matches(pattern, name.as_bytes()),
                    expected,
                    "{pattern:?} {name:?}"
                );
            }
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_characters() {
        assert!(matches("*.mmstats", b"caf\xe9.mmstats"));
        assert!(matches("caf?.mmstats", b"caf\xe9.mmstats"));
        assert!(matches("*", b"\xff"));
        assert!(matches("[!a]", b"\xff"));
        assert!(!matches("[a-z]", b"\xff"));
        assert!(!matches("*.mmstats", b"\xff"));
        assert!(!matches("?", b"\xff\xfe"));
        let raw = NamePattern::new(OsStr::from_bytes(b"caf\xe9*"));
        assert!(raw.matches(OsStr::from_bytes(b"caf\xe9.mmstats")));
        assert!(!raw.matches(OsStr::new("café.mmstats")));
    }

    #[test]
    fn literals() {
        let literal = |p: &[u8]| NamePattern::new(OsStr::from_bytes(p)).literal();
        assert_eq!(literal(b"st[[]1[]]"), Some(OsString::from("st[1]")));
        assert_eq!(
            literal(b"d\xff"),
            Some(OsString::from_vec(b"d\xff".to_vec()))
        );
        assert_eq!(literal(b".x"), Some(OsString::from(".x")));
        assert_eq!(literal(b"[.]x"), None);
        assert_eq!(literal(b"a*"), None);
        assert_eq!(literal(b"[ab]"), None);
    }
}
