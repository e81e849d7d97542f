//! Making file content safe to print on a terminal.
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;

/// Escapes control characters so that a stats file cannot send escape
/// sequences to the terminal: C0 controls and DEL become `\xNN`, C1
/// controls `\u{NN}`. Everything else, backslashes included, is kept.
///
/// ```
/// use mmstats_tools::escape::escape_controls;
///
/// assert_eq!(escape_controls("plain ε"), "plain ε");
/// assert_eq!(escape_controls("red\x1b[31m\n"), "red\\x1b[31m\\x0a");
/// assert_eq!(escape_controls("\u{9b}2J"), "\\u{9b}2J");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    Cow::Owned(out)
}

/// Appends `text` to `out` with its control characters escaped as
/// [`escape_controls`] does.
///
/// ```
/// use mmstats_tools::escape::push_escaped;
///
/// let mut out = String::from("> ");
/// push_escaped(&mut out, "bell\x07");
/// assert_eq!(out, "> bell\\x07");
/// ```
pub fn push_escaped(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(is_control) {
        let (clean, tail) = rest.split_at(at);
        out.push_str(clean);
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            if c.is_ascii() {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            } else {
                out.extend(c.escape_unicode());
            }
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
}

/// A path as text: its UTF-8 as it is, each byte that is not valid UTF-8
/// as `\xNN`, so that every file name can be shown and names differing
/// only in such bytes stay apart. Control characters are kept: print the
/// result through [`escape_controls`] on a terminal.
///
/// ```
/// use std::ffi::OsStr;
/// use std::os::unix::ffi::OsStrExt;
/// use std::path::Path;
/// use mmstats_tools::escape::path_text;
///
/// assert_eq!(path_text(Path::new("/tmp/café.mmstats")), "/tmp/café.mmstats");
/// let latin1 = Path::new(OsStr::from_bytes(b"/tmp/caf\xe9.mmstats"));
/// assert_eq!(path_text(latin1), "/tmp/caf\\xe9.mmstats");
/// ```
pub fn path_text(path: &Path) -> Cow<'_, str> {
    let bytes = path.as_os_str().as_encoded_bytes();
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    Cow::Owned(out)
}

/// C0 (U+0000 to U+001F), DEL (U+007F) and C1 (U+0080 to U+009F).
fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_control_and_nothing_else() {
        for c in (0u32..0x110000).filter_map(char::from_u32) {
            let text = c.to_string();
            let escaped = escape_controls(&text);
            let control = c <= '\u{1f}' || ('\u{7f}'..='\u{9f}').contains(&c);
            assert_eq!(escaped != text, control, "{c:?}");
            if control {
                assert!(escaped.chars().all(|e| e.is_ascii_graphic()), "{escaped}");
            }
        }
        assert_eq!(escape_controls("\0\x7f\u{80}\\"), "\\x00\\x7f\\u{80}\\");
        assert!(matches!(escape_controls("ok"), Cow::Borrowed(_)));
    }
}
