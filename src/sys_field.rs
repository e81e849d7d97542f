//! Finding a file's sys fields (`sys.pid`, `sys.cmd`, ...) whatever label
//! prefix its model gave them.
#![forbid(unsafe_code)]

/// The value of a file's sys field `name` (such as `sys.pid`), offered the
/// file's fields one by one: the field labelled `name` itself wins, else
/// the first one labelled `PREFIX.name`, as a model with a label prefix
/// writes it (`myapp.sys.pid`). A label that merely ends with the name
/// (`nosys.pid`) is not it.
///
/// ```
/// use mmstats_tools::sys_field::SysField;
///
/// let mut pid = SysField::new("sys.pid");
/// for (label, value) in [("nosys.pid", 1), ("a.sys.pid", 2), ("b.sys.pid", 3), ("sys.pid", 4)] {
///     pid.offer(label, || Some(value));
/// }
/// assert_eq!(pid.value(), Some(4));
///
/// let mut pid = SysField::new("sys.pid");
/// pid.offer("a.sys.pid", || Some(2));
/// pid.offer("b.sys.pid", || Some(3));
/// assert_eq!(pid.value(), Some(2));
/// ```
#[derive(Clone, Debug)]
pub struct SysField<T> {
    name: &'static str,
    exact: Option<T>,
    prefixed: Option<T>,
}

impl<T> SysField<T> {
    /// Looks for the sys field `name`.
    pub fn new(name: &'static str) -> SysField<T> {
        SysField {
            name,
            exact: None,
            prefixed: None,
        }
    }

    /// Offers a field with this label; `value` gives its value, if it has
    /// one of the right type, and is called only if the field is wanted.
    pub fn offer(&mut self, label: &str, value: impl FnOnce() -> Option<T>) {
        if self.exact.is_some() {
            return;
        }
        if label == self.name {
            self.exact = value();
        } else if self.prefixed.is_none() && self.is_prefixed(label) {
            self.prefixed = value();
        }
    }

    /// Whether `label` is the field under a label prefix: `PREFIX.name`.
    fn is_prefixed(&self, label: &str) -> bool {
        label
            .strip_suffix(self.name)
            .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.'))
    }

    /// Whether a field was found (with a value of the right type).
    pub fn is_found(&self) -> bool {
        self.exact.is_some() || self.prefixed.is_some()
    }

    /// The value found: the field's itself, else the first prefixed one's.
    pub fn value(self) -> Option<T> {
        self.exact.or(self.prefixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_itself_wins_else_the_first_prefixed_one() {
        let found = |labels: &[&str]| {
            let mut field = SysField::new("sys.cmd");
            for (i, label) in labels.iter().enumerate() {
                field.offer(label, || Some(i));
            }
            field.value()
        };
        assert_eq!(found(&["a.sys.cmd", "sys.cmd", "sys.cmd"]), Some(1));
        assert_eq!(found(&["a.sys.cmd", "b.sys.cmd"]), Some(0));
        assert_eq!(found(&["nosys.cmd", ".sys.cmd", "sys.cmdx", "x"]), None);
        assert_eq!(found(&[]), None);
    }

    #[test]
    fn a_field_of_the_wrong_type_does_not_count() {
        let mut field = SysField::new("sys.pid");
        field.offer("sys.pid", || None);
        field.offer("a.sys.pid", || Some(7));
        assert!(field.is_found());
        assert_eq!(field.value(), Some(7));
    }
}
