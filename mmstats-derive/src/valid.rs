//! Checks of the parsed model: its shape, its labels (which must be unique
//! across fields and fit the file format with the prefix) and its sizes.
//!
//! Whether an attribute applies to a field's type is not decided here: a
//! type alias can hide any field type, so the generated code asks the
//! compiler instead.

use std::collections::hash_map::{Entry, HashMap};

use crate::ast::{Field, Input};
use crate::attr::Setting;
use crate::ctxt::Ctxt;

/// The labels of the sys fields the runtime appends (its
/// `__private::SYS_FIELDS`), before the prefix.
pub const SYS_LABELS: [&str; 7] = [
    "sys.pid",
    "sys.tid",
    "sys.uid",
    "sys.gid",
    "org.rust.version",
    "sys.created",
    "sys.cmd",
];

/// A label's length is stored as a `u16`.
pub const MAX_LABEL_LEN: usize = u16::MAX as usize;

/// Largest text size, and largest moving-average window, that a model may
/// ask for: anything bigger is a mistake rather than a statistic.
pub const MAX_SIZE: u64 = 1 << 30;

pub fn validate(cx: &Ctxt, input: &Input) {
    check_generics(cx, input);
    let prefix_len = check_prefix(cx, input);
    for field in &input.fields {
        check_field(cx, field, prefix_len);
    }
    check_duplicate_labels(cx, input);
}

fn check_generics(cx: &Ctxt, input: &Input) {
    let generics = &input.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "#[derive(MmStats)] does not support generic parameters or lifetimes: a model is one fixed file layout",
        );
    }
    if let Some(where_clause) = &generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "#[derive(MmStats)] does not support where clauses",
        );
    }
}

/// Checks the prefix's length, and returns it when labels can be checked
/// against it (that is, unless the prefix alone is too long).
fn check_prefix(cx: &Ctxt, input: &Input) -> Option<usize> {
    let Some(prefix) = &input.attrs.label_prefix else {
        return Some(0);
    };
    let len = prefix.value.value().len();
    if len > MAX_LABEL_LEN {
        cx.error_spanned_by(
            &prefix.value,
            format_args!(
                "label prefix is {len} bytes long; a label, prefix included, is at most {MAX_LABEL_LEN} bytes"
            ),
        );
        return None;
    }
    if input.sys_fields() {
        let longest = SYS_LABELS
            .iter()
            .copied()
            .max_by_key(|label| label.len())
            .unwrap_or_default();
        let total = len + longest.len();
        if total > MAX_LABEL_LEN {
            cx.error_spanned_by(
                &prefix.value,
                format_args!(
                    "label prefix is {len} bytes long, which makes the sys label `{longest}` {total} bytes long; \
                     a label, prefix included, is at most {MAX_LABEL_LEN} bytes \
                     (#[mmstats(sys_fields = false)] leaves the sys fields out)"
                ),
            );
        }
    }
    Some(len)
}

fn check_field(cx: &Ctxt, field: &Field, prefix_len: Option<usize>) {
    let label = field.label();
    if label.is_empty() {
        cx.error_at(field.label_span(), "label must not be empty");
    }
    if let Some(prefix_len) = prefix_len {
        let total = prefix_len + label.len();
        if total > MAX_LABEL_LEN {
            let with_prefix = if prefix_len > 0 {
                " with the prefix"
            } else {
                ""
            };
            cx.error_at(
                field.label_span(),
                format_args!(
                    "label is {total} bytes long{with_prefix}; a label is at most {MAX_LABEL_LEN} bytes"
                ),
            );
        }
    }
    check_count(cx, &field.attrs.size, "string size", "bytes");
    check_count(cx, &field.attrs.window, "window", "samples");
    if let (Some(_), Some(initial)) = (&field.attrs.value, &field.attrs.initial) {
        cx.error_spanned_by(
            &initial.key,
            "a field takes `value` or `initial`, not both: `value` sets a static field, `initial` starts any other",
        );
    }
}

/// Checks `size = N` or `window = N`: from 1 to [`MAX_SIZE`].
fn check_count(cx: &Ctxt, setting: &Option<Setting<syn::LitInt>>, what: &str, unit: &str) {
    let Some(Setting { key, value: lit }) = setting else {
        return;
    };
    if !matches!(lit.suffix(), "" | "usize") {
        cx.error_spanned_by(
            lit,
            format_args!("`{key}` takes an integer literal without a suffix, or a `usize` one"),
        );
        return;
    }
    match lit.base10_parse::<u64>() {
        Ok(0) => cx.error_spanned_by(lit, format_args!("{what} must be at least 1")),
        Ok(n) if n <= MAX_SIZE => {}
        _ => cx.error_spanned_by(
            lit,
            format_args!("{what} must be at most {MAX_SIZE} {unit} (2^30)"),
        ),
    }
}

/// Labels are compared without the prefix, which every label shares.
fn check_duplicate_labels(cx: &Ctxt, input: &Input) {
    let sys_labels: &[&str] = if input.sys_fields() { &SYS_LABELS } else { &[] };
    let mut seen: HashMap<String, &Field> = HashMap::new();
    for field in &input.fields {
        let label = field.label();
        if label.is_empty() {
            continue;
        }
        if sys_labels.contains(&label.as_str()) {
            cx.error_at(
                field.label_span(),
                format_args!(
                    "duplicate label `{label}`: a sys field already has this label \
                     (#[mmstats(sys_fields = false)] leaves the sys fields out)"
                ),
            );
            continue;
        }
        match seen.entry(label) {
            Entry::Occupied(first) => cx.error_at(
                field.label_span(),
                format_args!(
                    "duplicate label `{}`: field `{}` already has this label",
                    first.key(),
                    first.get().ident,
                ),
            ),
            Entry::Vacant(entry) => {
                entry.insert(field);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;
    use crate::expand::tests::errors;

    #[test]
    fn only_structs_with_named_fields_are_models() {
        let cases: [(syn::DeriveInput, &str); 4] = [
            (
                parse_quote!(
                    enum E {
                        A,
                    }
                ),
                "not enums",
            ),
            (parse_quote!(union U { a: u8 }), "not unions"),
            (
                parse_quote!(
                    struct T(Counter);
                ),
                "not tuple structs",
            ),
            (
                parse_quote!(
                    struct U;
                ),
                "not unit structs",
            ),
        ];
        for (input, shape) in cases {
            assert_eq!(
                errors(&input),
                [format!(
                    "#[derive(MmStats)] supports only structs with named fields, {shape}"
                )]
            );
        }
    }

    #[test]
    fn generics_lifetimes_and_where_clauses_are_refused() {
        let errors = errors(&parse_quote! {
            struct Stats<'a, T> where T: Copy {
                t: &'a T,
            }
        });
        assert_eq!(
            errors,
            [
                "#[derive(MmStats)] does not support generic parameters or lifetimes: a model is one fixed file layout",
                "#[derive(MmStats)] does not support where clauses",
            ]
        );
    }

    #[test]
    fn labels_are_unique_and_compared_after_renaming() {
        let errors = errors(&parse_quote! {
            struct Stats {
                done: Counter,
                #[mmstats(label = "done")]
                finished: Counter,
                #[mmstats(label = "other")]
                done2: Counter,
                other: Counter,
            }
        });
        assert_eq!(
            errors,
            [
                "duplicate label `done`: field `done` already has this label",
                "duplicate label `other`: field `done2` already has this label",
            ]
        );
    }

    #[test]
    fn sys_labels_are_taken_only_with_sys_fields() {
        for label in SYS_LABELS {
            let input = parse_quote! {
                struct Stats {
                    #[mmstats(label = #label)]
                    n: Counter,
                }
            };
            assert_eq!(
                errors(&input),
                [format!(
                    "duplicate label `{label}`: a sys field already has this label \
                     (#[mmstats(sys_fields = false)] leaves the sys fields out)"
                )]
            );
        }
        let errors = errors(&parse_quote! {
            #[mmstats(sys_fields = false)]
            struct Stats {
                #[mmstats(label = "sys.pid")]
                pid: Counter,
            }
        });
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn labels_are_not_empty() {
        let errors = errors(&parse_quote! {
            struct Stats {
                #[mmstats(label = "")]
                a: Counter,
                #[mmstats(label = "")]
                b: Counter,
            }
        });
        assert_eq!(
            errors,
            ["label must not be empty", "label must not be empty"]
        );
    }

    #[test]
    fn labels_fit_in_a_u16_with_the_prefix() {
        let fits = "x".repeat(MAX_LABEL_LEN - 4);
        let too_long = "x".repeat(MAX_LABEL_LEN - 3);
        let errors = errors(&parse_quote! {
            #[mmstats(label_prefix = "app.", sys_fields = false)]
            struct Stats {
                #[mmstats(label = #fits)]
                a: Counter,
                #[mmstats(label = #too_long)]
                b: Counter,
            }
        });
        assert_eq!(
            errors,
            ["label is 65536 bytes long with the prefix; a label is at most 65535 bytes"]
        );
    }

    #[test]
    fn a_prefix_too_long_is_reported_once_on_the_prefix() {
        let prefix = "é".repeat(MAX_LABEL_LEN / 2 + 1);
        let errors = errors(&parse_quote! {
            #[mmstats(label_prefix = #prefix)]
            struct Stats {
                a: Counter,
                b: Counter,
            }
        });
        assert_eq!(
            errors,
            ["label prefix is 65536 bytes long; a label, prefix included, is at most 65535 bytes"]
        );
    }

    #[test]
    fn the_prefix_leaves_room_for_the_sys_labels() {
        let prefix = "x".repeat(MAX_LABEL_LEN - 10);
        let input = |sys_fields: bool| -> syn::DeriveInput {
            parse_quote! {
                #[mmstats(label_prefix = #prefix, sys_fields = #sys_fields)]
                struct Stats {
                    a: Counter,
                }
            }
        };
        assert_eq!(
            errors(&input(true)),
            [
                "label prefix is 65525 bytes long, which makes the sys label `org.rust.version` 65541 bytes long; \
                 a label, prefix included, is at most 65535 bytes (#[mmstats(sys_fields = false)] leaves the sys fields out)"
            ]
        );
        assert!(errors(&input(false)).is_empty());
    }

    #[test]
    fn sizes_and_windows_are_from_1_to_2_pow_30() {
        let errors = errors(&parse_quote! {
            struct Stats {
                #[mmstats(size = 0)]
                a: Text,
                #[mmstats(window = 0)]
                b: Timer,
                #[mmstats(size = 1073741824)]
                c: Text,
                #[mmstats(size = 1073741825, window = 99999999999999999999999)]
                d: Text,
                #[mmstats(size = 8u8, window = 1usize)]
                e: Text,
            }
        });
        assert_eq!(
            errors,
            [
                "string size must be at least 1",
                "window must be at least 1",
                "string size must be at most 1073741824 bytes (2^30)",
                "window must be at most 1073741824 samples (2^30)",
                "`size` takes an integer literal without a suffix, or a `usize` one",
            ]
        );
    }

    #[test]
    fn value_and_initial_exclude_each_other() {
        let errors = errors(&parse_quote! {
            struct Stats {
                #[mmstats(value = 1, initial = 2)]
                n: Static<u32>,
            }
        });
        assert_eq!(
            errors,
            ["a field takes `value` or `initial`, not both: `value` sets a static field, `initial` starts any other"]
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errors = errors(&parse_quote! {
            struct Stats {
                #[mmstats(label = "")]
                a: Counter,
                #[mmstats(size = 0)]
                b: Text,
                #[mmstats(lable = "c")]
                c: Counter,
                #[mmstats(label = "a2")]
                d: Counter,
                #[mmstats(label = "a2")]
                e: Counter,
            }
        });
        assert_eq!(errors.len(), 4, "{errors:?}");
    }

    #[test]
    fn sys_labels_are_the_runtimes() {
        let runtime: Vec<&str> = mmstats::__private::SYS_FIELDS
            .iter()
            .map(|field| field.label)
            .collect();
        assert_eq!(runtime, SYS_LABELS);
    }
}
