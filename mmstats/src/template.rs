//! File name templates: `{CMD}`, `{PID}`, `{TID}` and `{MODEL}`
//! substitution, and
//! matching the files that a template produced for other threads.
#![forbid(unsafe_code)]

use crate::error::Error;

/// One piece of a parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Cmd,
    Pid,
    Tid,
    Model,
}

/// A parsed `path` or `filename` template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    source: String,
    pieces: Vec<Piece>,
}

/// The values substituted into a template.
#[derive(Clone, Debug)]
pub(crate) struct Substitutions {
    pub(crate) cmd: String,
    pub(crate) pid: u32,
    pub(crate) tid: i64,
    /// The model struct's name.
    pub(crate) model: &'static str,
}

impl Substitutions {
    /// The current program, process and thread, for the model `model`.
    pub(crate) fn current(model: &'static str) -> Substitutions {
        Substitutions {
            cmd: crate::sys::command_name(),
            pid: crate::sys::pid(),
            tid: crate::sys::tid(),
            model,
        }
    }
}

impl Template {
    /// Parses `{CMD}`, `{PID}`, `{TID}`, `{MODEL}`, `{{` and `}}`, as
    /// Python's `str.format` would with those names.
    pub(crate) fn parse(source: &str) -> Result<Template, Error> {
        let bad = |reason: &str| Error::Template {
            template: source.to_owned(),
            reason: reason.to_owned(),
        };
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(bad("unclosed '{'")),
                        }
                    }
                    let piece = match name.as_str() {
                        "CMD" => Piece::Cmd,
                        "PID" => Piece::Pid,
                        "TID" => Piece::Tid,
                        "MODEL" => Piece::Model,
                        _ => {
                            return Err(bad(&format!(
                                "unknown placeholder {{{name}}} (known: {{CMD}}, {{PID}}, {{TID}}, {{MODEL}}; write {{{{ for a brace)"
                            )))
                        }
                    };
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(piece);
                }
                '}' => return Err(bad("single '}' (write '}}' for a brace)")),
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template {
            source: source.to_owned(),
            pieces,
        })
    }

    /// Whether the template holds `{TID}` (a file per thread).
    pub(crate) fn has_tid(&self) -> bool {
        self.pieces.contains(&Piece::Tid)
    }

    /// Whether the template holds `{PID}`.
    pub(crate) fn has_pid(&self) -> bool {
        self.pieces.contains(&Piece::Pid)
    }

    /// The template with the values substituted.
    pub(crate) fn expand(&self, subs: &Substitutions) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Cmd => out.push_str(&subs.cmd),
                Piece::Pid => out.push_str(&subs.pid.to_string()),
                Piece::Tid => out.push_str(&subs.tid.to_string()),
                Piece::Model => out.push_str(subs.model),
            }
        }
        out
    }

    /// Whether `name` is what this template gives for `subs` with any thread
    /// id in place of `{TID}` (one or more ASCII digits); `{MODEL}` is the
    /// model of `subs`, so the files of other models are never matched.
    pub(crate) fn matches_any_thread(&self, name: &str, subs: &Substitutions) -> bool {
        fn go(pieces: &[Piece], rest: &str, subs: &Substitutions) -> bool {
            let Some((first, tail)) = pieces.split_first() else {
                return rest.is_empty();
            };
            let literal = match first {
                Piece::Text(text) => text.clone(),
                Piece::Cmd => subs.cmd.clone(),
                Piece::Pid => subs.pid.to_string(),
                Piece::Model => subs.model.to_owned(),
                Piece::Tid => {
                    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                    return (1..=digits).any(|n| go(tail, &rest[n..], subs));
                }
            };
            rest.strip_prefix(literal.as_str())
                .is_some_and(|rest| go(tail, rest, subs))
        }
        go(&self.pieces, name, subs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs() -> Substitutions {
        Substitutions {
            cmd: "app".into(),
            pid: 42,
            tid: 4242,
            model: "WorkerStats",
        }
    }

    #[test]
    fn expands_the_four_names_and_braces() {
        let t = Template::parse("{CMD}-{PID}-{TID}-{MODEL}.{{x}}.mmstats").unwrap();
        assert_eq!(t.expand(&subs()), "app-42-4242-WorkerStats.{x}.mmstats");
        assert!(t.has_pid() && t.has_tid());
    }

    #[test]
    fn rejects_unknown_and_unbalanced() {
        for bad in ["{USER}.mmstats", "{PID", "a}b", "{}"] {
            let err = Template::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn matches_other_threads_of_this_process_only() {
        let t = Template::parse("{CMD}-{PID}-{TID}.mmstats").unwrap();
        let s = subs();
        assert!(t.matches_any_thread("app-42-1.mmstats", &s));
        assert!(t.matches_any_thread("app-42-999999.mmstats", &s));
        assert!(!t.matches_any_thread("app-43-1.mmstats", &s));
        assert!(!t.matches_any_thread("app-42-.mmstats", &s));
        assert!(!t.matches_any_thread("app-42-1x.mmstats", &s));
        assert!(!t.matches_any_thread("app-42-1.mmstats.tmp", &s));
    }

    #[test]
    fn matches_other_threads_of_this_model_only() {
        let t = Template::parse(crate::FILENAME_TEMPLATE).unwrap();
        let s = subs();
        assert!(t.matches_any_thread("app-42-1-WorkerStats.mmstats", &s));
        assert!(!t.matches_any_thread("app-42-1-OtherStats.mmstats", &s));
        assert!(!t.matches_any_thread("app-42-1.mmstats", &s));
    }
}
