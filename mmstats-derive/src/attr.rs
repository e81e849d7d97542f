//! Parsing of the `#[mmstats(...)]` attributes on the struct and its fields.
//!
//! This step only records what the user wrote, keeping every key and value
//! for its span; whether the values make sense is decided in `valid.rs`, and
//! whether an attribute applies to a field's type is decided by the compiler
//! through the checks that `expand.rs` generates.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Ident, Lit, LitBool, LitInt, LitStr, Path};

use crate::ctxt::Ctxt;

/// The attribute's path: `#[mmstats(...)]`.
pub const MMSTATS: &str = "mmstats";

/// Struct attribute: a string prepended to every label, sys fields included.
pub const LABEL_PREFIX: &str = "label_prefix";
/// Struct attribute: whether the sys fields are appended.
pub const SYS_FIELDS: &str = "sys_fields";
/// Struct attribute: the path of the runtime crate, for a renamed
/// dependency (as serde's `#[serde(crate = "...")]`).
pub const CRATE: &str = "crate";

/// Field attribute: the label, instead of the field's name.
pub const LABEL: &str = "label";
/// Field attribute: the size in bytes of a text field.
pub const SIZE: &str = "size";
/// Field attribute: the number of samples of a moving average or timer.
pub const WINDOW: &str = "window";
/// Field attribute: the value of a static field, evaluated at creation.
pub const VALUE: &str = "value";
/// Field attribute: the initial value of a settable field.
pub const INITIAL: &str = "initial";

const MODEL_KEYS: &[&str] = &[LABEL_PREFIX, SYS_FIELDS, CRATE];
const FIELD_KEYS: &[&str] = &[LABEL, SIZE, WINDOW, VALUE, INITIAL];

/// One `key = value` as written, the key kept for its span.
pub struct Setting<T> {
    pub key: Ident,
    pub value: T,
}

/// `#[mmstats(...)]` on the struct.
#[derive(Default)]
pub struct ModelAttrs {
    pub label_prefix: Option<Setting<LitStr>>,
    pub sys_fields: Option<Setting<LitBool>>,
    pub krate: Option<Setting<Path>>,
}

/// `#[mmstats(...)]` on a field.
#[derive(Default)]
pub struct FieldAttrs {
    pub label: Option<Setting<LitStr>>,
    pub size: Option<Setting<LitInt>>,
    pub window: Option<Setting<LitInt>>,
    pub value: Option<Setting<Expr>>,
    pub initial: Option<Setting<Expr>>,
}

/// Parses every `#[mmstats(...)]` on the struct.
pub fn model_attrs(cx: &Ctxt, attrs: &[Attribute]) -> ModelAttrs {
    let mut out = ModelAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(MMSTATS)) {
        let parsed = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().cloned() else {
                return unknown(cx, &meta, MODEL_KEYS, "a field");
            };
            match key.to_string().as_str() {
                LABEL_PREFIX => {
                    let value = string_literal(cx, &meta, LABEL_PREFIX, "label_prefix = \"app.\"")?;
                    set(cx, &mut out.label_prefix, key, value);
                }
                SYS_FIELDS => {
                    let value = bool_literal(cx, &meta, SYS_FIELDS, "sys_fields = false")?;
                    set(cx, &mut out.sys_fields, key, value);
                }
                CRATE => {
                    let value = path_literal(cx, &meta, CRATE, "crate = \"renamed\"")?;
                    set(cx, &mut out.krate, key, value);
                }
                _ => return unknown(cx, &meta, MODEL_KEYS, "a field"),
            }
            Ok(())
        });
        if let Err(error) = parsed {
            cx.syn_error(error);
        }
    }
    out
}

/// Parses every `#[mmstats(...)]` on one field.
pub fn field_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(MMSTATS)) {
        let parsed = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().cloned() else {
                return unknown(cx, &meta, FIELD_KEYS, "the struct");
            };
            match key.to_string().as_str() {
                LABEL => {
                    let value = string_literal(cx, &meta, LABEL, "label = \"done\"")?;
                    set(cx, &mut out.label, key, value);
                }
                SIZE => {
                    let value = int_literal(cx, &meta, SIZE, "size = 64")?;
                    set(cx, &mut out.size, key, value);
                }
                WINDOW => {
                    let value = int_literal(cx, &meta, WINDOW, "window = 10")?;
                    set(cx, &mut out.window, key, value);
                }
                VALUE => {
                    let value = meta.value()?.parse::<Expr>()?;
                    set(cx, &mut out.value, key, Some(value));
                }
                INITIAL => {
                    let value = meta.value()?.parse::<Expr>()?;
                    set(cx, &mut out.initial, key, Some(value));
                }
                _ => return unknown(cx, &meta, FIELD_KEYS, "the struct"),
            }
            Ok(())
        });
        if let Err(error) = parsed {
            cx.syn_error(error);
        }
    }
    out
}

/// Stores a parsed setting, or reports that the key was already given.
fn set<T>(cx: &Ctxt, slot: &mut Option<Setting<T>>, key: Ident, value: Option<T>) {
    if slot.is_some() {
        cx.error_spanned_by(&key, format_args!("duplicate mmstats attribute `{key}`"));
    } else if let Some(value) = value {
        *slot = Some(Setting { key, value });
    }
}

/// Reports a key this derive does not know, then skips its value so that
/// the keys after it are still parsed. `elsewhere` names the other place
/// attributes go, for a key that belongs there.
fn unknown(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    expected: &[&str],
    elsewhere: &str,
) -> syn::Result<()> {
    let path = meta
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    let misplaced = MODEL_KEYS.contains(&path.as_str()) || FIELD_KEYS.contains(&path.as_str());
    let message = if misplaced {
        format!("mmstats attribute `{path}` goes on {elsewhere}")
    } else {
        let expected = expected
            .iter()
            .map(|key| format!("`{key}`"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("unknown mmstats attribute `{path}`; expected one of {expected}")
    };
    cx.error_spanned_by(&meta.path, message);

    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// Parses the value of `key = <literal>` and keeps it if `pick` accepts
/// it; otherwise reports what `key` takes, like `example`.
///
/// Looks through the invisible groups that `macro_rules!` puts around
/// `$x:literal` and `$x:expr`, so that models written by macros work.
fn literal<T>(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    takes: &str,
    example: &str,
    pick: fn(Lit) -> Option<T>,
) -> syn::Result<Option<T>> {
    let expr = meta.value()?.parse::<Expr>()?;
    let mut inner = &expr;
    while let Expr::Group(group) = inner {
        inner = &group.expr;
    }
    let picked = match inner {
        Expr::Lit(lit) => pick(lit.lit.clone()),
        _ => None,
    };
    if picked.is_none() {
        cx.error_spanned_by(&expr, format_args!("{takes}, like `{example}`"));
    }
    Ok(picked)
}

fn string_literal(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let takes = format!("`{key}` takes a string literal");
    literal(cx, meta, &takes, example, |lit| match lit {
        Lit::Str(lit) => Some(lit),
        _ => None,
    })
}

/// A path in a string literal, as `crate = "..."` takes it: the tokens
/// keep the literal's span, so errors in generated code point at it.
fn path_literal(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<Path>> {
    let Some(lit) = string_literal(cx, meta, key, example)? else {
        return Ok(None);
    };
    match lit.parse::<Path>() {
        Ok(path) => Ok(Some(path)),
        Err(_) => {
            cx.error_spanned_by(
                &lit,
                format_args!(
                    "`{key}` takes the path of the mmstats crate, like `{example}`; {:?} is not a path",
                    lit.value()
                ),
            );
            Ok(None)
        }
    }
}

fn int_literal(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitInt>> {
    let takes = format!("`{key}` takes an integer literal");
    literal(cx, meta, &takes, example, |lit| match lit {
        Lit::Int(lit) => Some(lit),
        _ => None,
    })
}

fn bool_literal(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitBool>> {
    let takes = format!("`{key}` takes `true` or `false`");
    literal(cx, meta, &takes, example, |lit| match lit {
        Lit::Bool(lit) => Some(lit),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use crate::expand::tests::errors;

    #[test]
    fn unknown_keys_are_reported_and_skipped() {
        let errors = errors(&parse_quote! {
            struct Stats {
                #[mmstats(lable = "x", size = 0, nested(a, b), flag)]
                done: Counter,
            }
        });
        assert_eq!(
            errors,
            [
                "unknown mmstats attribute `lable`; expected one of `label`, `size`, `window`, `value`, `initial`",
                "unknown mmstats attribute `nested`; expected one of `label`, `size`, `window`, `value`, `initial`",
                "unknown mmstats attribute `flag`; expected one of `label`, `size`, `window`, `value`, `initial`",
                "string size must be at least 1",
            ]
        );
    }

    #[test]
    fn keys_in_the_wrong_place_are_named_so() {
        let errors = errors(&parse_quote! {
            #[mmstats(label = "x", lable_prefix = "y")]
            struct Stats {
                #[mmstats(sys_fields = false)]
                done: Counter,
            }
        });
        assert_eq!(
            errors,
            [
                "mmstats attribute `label` goes on a field",
                "unknown mmstats attribute `lable_prefix`; expected one of `label_prefix`, `sys_fields`, `crate`",
                "mmstats attribute `sys_fields` goes on the struct",
            ]
        );
    }

    #[test]
    fn a_key_given_twice_is_an_error_even_across_attributes() {
        let errors = errors(&parse_quote! {
            #[mmstats(sys_fields = false)]
            #[mmstats(sys_fields = true)]
            struct Stats {
                #[mmstats(label = "a", label = "b")]
                #[mmstats(window = 2)]
                #[mmstats(window = 3)]
                t: Timer,
            }
        });
        assert_eq!(
            errors,
            [
                "duplicate mmstats attribute `sys_fields`",
                "duplicate mmstats attribute `label`",
                "duplicate mmstats attribute `window`",
            ]
        );
    }

    #[test]
    fn values_must_be_literals_of_the_right_kind() {
        let errors = errors(&parse_quote! {
            #[mmstats(label_prefix = PREFIX, sys_fields = "no")]
            struct Stats {
                #[mmstats(label = 1, size = SIZE, window = "10")]
                t: Timer,
            }
        });
        assert_eq!(
            errors,
            [
                "`label_prefix` takes a string literal, like `label_prefix = \"app.\"`",
                "`sys_fields` takes `true` or `false`, like `sys_fields = false`",
                "`label` takes a string literal, like `label = \"done\"`",
                "`size` takes an integer literal, like `size = 64`",
                "`window` takes an integer literal, like `window = 10`",
            ]
        );
    }

    #[test]
    fn a_syntax_error_ends_only_its_own_attribute() {
        let errors = errors(&parse_quote! {
            struct Stats {
                #[mmstats(label "x")]
                #[mmstats(size = 0)]
                t: Text,
            }
        });
        assert_eq!(errors, ["expected `=`", "string size must be at least 1"]);
    }

    #[test]
    fn literals_from_macro_fragments_are_accepted() {
        // What `macro_rules!` passes for `$size:literal`: an invisible group.
        let size = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote::quote!(64));
        let errors = errors(&parse_quote! {
            struct Stats {
                #[mmstats(size = #size)]
                t: Text,
            }
        });
        assert!(errors.is_empty(), "{errors:?}");
    }
}
