//! [`Text`]: a UTF-8 string of fixed capacity.
#![forbid(unsafe_code)]

use std::fmt;

use crate::layout::{FieldSpec, StatKind};
use crate::place::TextPlace;
use crate::stat::{debug_handle, sealed, Slot, Stat};

/// A UTF-8 string of at most `size` bytes (Python's `StringField(size=255)`,
/// signature `{size}s`). Longer values are cut on a character boundary.
///
/// In the default layout a string is written into the buffer readers are
/// not reading, guarded by a sequence word, then published by flipping the
/// buffer index: a reader that raced a write retries, so it never sees half
/// of one string and half of another. In the python-exact layout it is
/// written in place, as Python 0.8 did.
///
/// ```
/// use mmstats::{MmStats, Text};
///
/// #[derive(MmStats)]
/// struct Stats {
///     #[mmstats(size = 8)]
///     user: Text,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// stats.user.set("rob");
/// assert_eq!(stats.user.get(), "rob");
/// stats.user.set("naïve café"); // 12 bytes: cut to "naïve c" (8 bytes)
/// assert_eq!(stats.user.get(), "naïve c");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its label, value and size:
/// `Text { label: "user", value: "rob", size: 8 }`.
#[must_use]
pub struct Text {
    place: TextPlace,
    spec: &'static FieldSpec,
}

/// The longest prefix of `value` that fits `size` bytes and ends on a
/// character boundary.
#[inline]
pub(crate) fn cut_to_char_boundary(value: &str, size: usize) -> &str {
    if value.len() <= size {
        return value;
    }
    let end = (0..=size)
        .rev()
        .find(|&i| value.is_char_boundary(i))
        .unwrap_or(0);
    &value[..end]
}

impl Text {
    /// Sets the text, cut to the field's size on a character boundary.
    ///
    /// ```
    /// # use mmstats::{MmStats, Text};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(size = 4)] t: Text }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.t.set("hello");
    /// assert_eq!(stats.t.get(), "hell");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn set(&self, value: &str) {
        self.place
            .write(cut_to_char_boundary(value, self.place.size()).as_bytes());
    }

    /// Sets raw bytes, cut to the field's size without regard to
    /// characters, as Python 0.8 stored a byte string. Readers drop what is
    /// not valid UTF-8.
    ///
    /// ```
    /// # use mmstats::{MmStats, Text};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(size = 4)] raw: Text }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.raw.set_bytes("❤❤".as_bytes()); // 6 bytes, cut to 4: one heart and a broken one
    /// assert_eq!(stats.raw.get(), "❤\u{FFFD}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn set_bytes(&self, value: &[u8]) {
        self.place
            .write(&value[..value.len().min(self.place.size())]);
    }

    /// The current text (invalid UTF-8 shown as U+FFFD).
    ///
    /// ```
    /// # use mmstats::{MmStats, Text};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Text }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.t.get(), "");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self) -> String {
        let mut bytes = Vec::new();
        self.place.read(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The field's capacity in bytes.
    ///
    /// ```
    /// # use mmstats::{MmStats, Text};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(size = 64)] t: Text }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.t.size(), 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn size(&self) -> usize {
        self.place.size()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_handle(f, "Text", self.spec)
            .field("value", &self.get())
            .field("size", &self.size())
            .finish()
    }
}

impl sealed::Sealed for Text {}

impl Stat for Text {
    const KIND: StatKind = StatKind::Text;
    type Init = String;

    fn bind(slot: Slot<'_>, init: Option<String>) -> Self {
        let text = Text {
            place: slot.text(),
            spec: slot.spec(),
        };
        if let Some(value) = init {
            text.set(&value);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::cut_to_char_boundary;

    #[test]
    fn cuts_on_character_boundaries() {
        assert_eq!(cut_to_char_boundary("❤❤❤❤", 10), "❤❤❤");
        assert_eq!(cut_to_char_boundary("abc", 3), "abc");
        assert_eq!(cut_to_char_boundary("é", 1), "");
    }
}
