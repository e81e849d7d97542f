//! Code generation: the model's field specs and layouts as constants, the
//! `MmStats` impl, and the compile-time checks that each attribute applies
//! to its field's type.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{DeriveInput, Expr, Generics, Lit, LitInt, LitStr, Path, UnOp, Visibility};

use crate::ast::{Field, Input};
use crate::attr::{self, Setting};
use crate::ctxt::Ctxt;
use crate::valid::{self, SYS_LABELS};

pub fn derive(node: &DeriveInput) -> TokenStream {
    match try_expand(node) {
        Ok(expanded) => expanded,
        Err(error) => {
            // The errors, plus an impl of the trait so that code using the
            // model does not add errors of its own.
            let errors = error.into_compile_error();
            let fallback = fallback(node);
            quote! {
                #errors
                #fallback
            }
        }
    }
}

fn try_expand(node: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let input = Input::from_syn(&cx, node)?;
    valid::validate(&cx, &input);
    cx.check()?;
    Ok(impl_model(&input))
}

fn impl_model(input: &Input) -> TokenStream {
    let ident = &input.original.ident;
    let krate = input.krate();
    let name = LitStr::new(&ident.unraw().to_string(), ident.span());
    let prefix = input.label_prefix();
    let prefix_len = Literal::usize_unsuffixed(prefix.len());
    let prefix_span = match &input.attrs.label_prefix {
        Some(setting) => setting.value.span(),
        None => Span::call_site(),
    };
    let prefix = LitStr::new(&prefix, prefix_span);
    let sys_fields = input.sys_fields();
    let sys_count = if sys_fields { SYS_LABELS.len() } else { 0 };
    let count = Literal::usize_unsuffixed(input.fields.len() + sys_count);

    let user_specs = input.fields.iter().map(|field| field_spec(field, &krate));
    let sys_specs = (0..sys_count).map(|index| {
        let index = Literal::usize_unsuffixed(index);
        quote!(#krate::__private::SYS_FIELDS[#index])
    });
    let binder = binder();
    let binds = input.fields.iter().map(|field| field_bind(field, &binder));
    let debug_fields = input.fields.iter().map(|field| field.ident);
    let list = Ident::new("__list", Span::mixed_site());
    let checks = input.fields.iter().map(|field| field_checks(field, &krate));
    let original = input.original;
    let inherent = inherent_fns(&original.ident, &original.vis, &original.generics, &krate);

    quote! {
        const _: () = {
            const __FIELDS: [#krate::__private::FieldSpec; #count] = [
                #(#user_specs,)*
                #(#sys_specs,)*
            ];
            const __ALIGNED: [#krate::__private::FieldLayout; #count] =
                #krate::__private::layout_fields(&__FIELDS, #prefix_len, #krate::Layout::Aligned);
            const __PYTHON_EXACT: [#krate::__private::FieldLayout; #count] =
                #krate::__private::layout_fields(&__FIELDS, #prefix_len, #krate::Layout::PythonExact);

            #[automatically_derived]
            impl #krate::MmStats for #ident {
                const __MODEL: #krate::__private::ModelSpec = #krate::__private::ModelSpec {
                    name: #name,
                    label_prefix: #prefix,
                    sys_fields: #sys_fields,
                    fields: &__FIELDS,
                    aligned: &__ALIGNED,
                    python_exact: &__PYTHON_EXACT,
                };

                fn __bind(#binder: &mut #krate::__private::Binder<'_>) -> Self {
                    Self {
                        #(#binds,)*
                    }
                }

                fn __debug_fields(&self, #list: &mut ::core::fmt::DebugList<'_, '_>) {
                    #(#list.entry(&self.#debug_fields);)*
                }
            }

            #inherent

            #(#checks)*
        };
    }
}

/// `options()` and `create()` as inherent associated functions, so that
/// `Stats::options()` works where the trait is not imported. They have the
/// struct's visibility: whoever can name the model can create it.
fn inherent_fns(ident: &Ident, vis: &Visibility, generics: &Generics, krate: &Path) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #ident #ty_generics #where_clause {
            #[doc = "Options for creating this model's file: where, under which name, with"]
            #[doc = "which label prefix and layout; their `create()` creates it."]
            #[doc = ""]
            #[doc = "The same as `MmStats::options`, callable without importing the trait."]
            #vis fn options() -> #krate::ModelOptions<Self> {
                <Self as #krate::MmStats>::options()
            }

            #[doc = "Creates this model's file with the default options: in `$MMSTATS_PATH`"]
            #[doc = "(else the temporary directory), named by `$MMSTATS_FILES` (else"]
            #[doc = "`{CMD}-{PID}-{TID}-{MODEL}.mmstats`)."]
            #[doc = ""]
            #[doc = "The same as `MmStats::create`, callable without importing the trait."]
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = "As `ModelOptions::create`."]
            #vis fn create() -> ::core::result::Result<#krate::Model<Self>, #krate::Error> {
                <Self as #krate::MmStats>::create()
            }
        }
    }
}

/// `<T as Stat>::KIND`, spanned on the field's type so that a type that is
/// not a field type is reported there.
fn stat_kind(field: &Field, krate: &Path) -> TokenStream {
    let ty = field.ty;
    quote_spanned!(ty.span()=> <#ty as #krate::__private::Stat>::KIND)
}

fn field_spec(field: &Field, krate: &Path) -> TokenStream {
    let label = LitStr::new(&field.label(), field.label_span());
    let kind = stat_kind(field, krate);
    let size = optional_count(&field.attrs.size);
    let window = optional_count(&field.attrs.window);
    quote! {
        #krate::__private::FieldSpec::new(#label, #kind, #size, #window)
    }
}

fn optional_count(setting: &Option<Setting<LitInt>>) -> TokenStream {
    match setting {
        Some(setting) => {
            let lit = &setting.value;
            quote!(::core::option::Option::Some(#lit))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// The `__bind` parameter. Its mixed-site span keeps it out of reach of
/// the user's `value = ...` and `initial = ...` expressions, which are
/// expanded beside it.
fn binder() -> Ident {
    Ident::new("__binder", Span::mixed_site())
}

fn field_bind(field: &Field, binder: &Ident) -> TokenStream {
    let ident = field.ident;
    let ty = field.ty;
    let init = match (&field.attrs.value, &field.attrs.initial) {
        (Some(setting), _) | (None, Some(setting)) => {
            let expr = &setting.value;
            if is_unsuffixed_number(expr) {
                // Through `Into`, `1` would be an `i32`: as it is, it takes
                // the field's own number type.
                quote_spanned!(expr.span()=> ::core::option::Option::Some(#expr))
            } else {
                quote_spanned! {expr.span()=>
                    ::core::option::Option::Some(::core::convert::Into::into(#expr))
                }
            }
        }
        (None, None) => quote!(::core::option::Option::None),
    };
    let bind = quote_spanned!(ty.span()=> #binder.bind::<#ty>(#init));
    quote!(#ident: #bind)
}

/// `1`, `-1`, `0.5`: a number literal whose type is left to inference.
fn is_unsuffixed_number(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(int) => int.suffix().is_empty(),
            Lit::Float(float) => float.suffix().is_empty(),
            _ => false,
        },
        Expr::Unary(unary) => matches!(unary.op, UnOp::Neg(_)) && is_unsuffixed_number(&unary.expr),
        Expr::Group(group) => is_unsuffixed_number(&group.expr),
        Expr::Paren(paren) => is_unsuffixed_number(&paren.expr),
        _ => false,
    }
}

/// One `const _: () = check_*(KIND);` per attribute, spanned on the key the
/// user wrote: the runtime's check panics during constant evaluation, and
/// the compiler reports the panic there.
fn field_checks(field: &Field, krate: &Path) -> TokenStream {
    let kind = stat_kind(field, krate);
    let attrs = &field.attrs;
    let mut checks = TokenStream::new();
    let mut check = |span: Span, function: &str| {
        let function = Ident::new(function, span);
        // The whole call on the key, the crate path included: the
        // compiler reports a failed check at the call's first token.
        let krate = respanned(krate, span);
        checks.extend(quote_spanned! {span=>
            const _: () = #krate::__private::#function(#kind);
        });
    };
    if let Some(size) = &attrs.size {
        check(size.key.span(), "check_size");
    }
    if let Some(window) = &attrs.window {
        check(window.key.span(), "check_window");
    }
    if let Some(initial) = &attrs.initial {
        check(initial.key.span(), "check_initial");
    }
    match (&attrs.value, &attrs.initial) {
        (Some(value), _) => check(value.key.span(), "check_value"),
        // A field given `initial` is already checked to take it.
        (None, Some(_)) => {}
        (None, None) => check(field.ident.span(), "check_no_value"),
    }
    checks
}

/// `path`'s tokens, each moved to `span`.
fn respanned(path: &Path, span: Span) -> TokenStream {
    path.to_token_stream()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// What is emitted besides the errors: an impl whose items are never used,
/// since the program does not compile.
fn fallback(node: &DeriveInput) -> TokenStream {
    let ident = &node.ident;
    // The errors were reported already; a bad `crate = ...` falls back to
    // the default path.
    let krate = crate::ast::krate(&attr::model_attrs(&Ctxt::new(), &node.attrs));
    // A generic struct is refused, but its fallback impl must still meet
    // the trait's `'static` bound.
    let mut generics = node.generics.clone();
    generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(Self: 'static));
    let inherent = inherent_fns(ident, &node.vis, &generics, &krate);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::MmStats for #ident #ty_generics #where_clause {
                const __MODEL: #krate::__private::ModelSpec = #krate::__private::ModelSpec {
                    name: "",
                    label_prefix: "",
                    sys_fields: false,
                    fields: &[],
                    aligned: &[],
                    python_exact: &[],
                };

                fn __bind(_: &mut #krate::__private::Binder<'_>) -> Self {
                    ::core::unreachable!()
                }
            }

            #inherent
        };
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use syn::parse_quote;

    use super::*;

    /// The messages of every error the derive reports for `input`.
    pub(crate) fn errors(input: &DeriveInput) -> Vec<String> {
        match try_expand(input) {
            Ok(_) => Vec::new(),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        }
    }

    fn expand(input: &DeriveInput) -> String {
        match try_expand(input) {
            Ok(expanded) => expanded.to_string(),
            Err(error) => panic!("unexpected error: {error}"),
        }
    }

    #[test]
    fn generates_specs_binds_and_checks_in_declaration_order() {
        let code = expand(&parse_quote! {
            #[mmstats(label_prefix = "app.")]
            struct Stats {
                done: Counter,
                #[mmstats(label = "user", size = 64)]
                last_user: Text,
                #[mmstats(value = std::process::id())]
                pid: Static<u32>,
            }
        });
        let expected = [
            "const __FIELDS : [:: mmstats :: __private :: FieldSpec ; 10]",
            ":: mmstats :: __private :: FieldSpec :: new (\"done\" , < Counter as :: mmstats :: __private :: Stat > :: KIND , :: core :: option :: Option :: None , :: core :: option :: Option :: None)",
            ":: mmstats :: __private :: FieldSpec :: new (\"user\" , < Text as :: mmstats :: __private :: Stat > :: KIND , :: core :: option :: Option :: Some (64) , :: core :: option :: Option :: None)",
            ":: mmstats :: __private :: SYS_FIELDS [5]",
            "layout_fields (& __FIELDS , 4 , :: mmstats :: Layout :: Aligned)",
            "layout_fields (& __FIELDS , 4 , :: mmstats :: Layout :: PythonExact)",
            "label_prefix : \"app.\" , sys_fields : true ,",
            "done : __binder . bind :: < Counter > (:: core :: option :: Option :: None)",
            "pid : __binder . bind :: < Static < u32 > > (:: core :: option :: Option :: Some (:: core :: convert :: Into :: into (std :: process :: id ())))",
            "const _ : () = :: mmstats :: __private :: check_size (< Text as :: mmstats :: __private :: Stat > :: KIND) ;",
            "const _ : () = :: mmstats :: __private :: check_value (< Static < u32 > as :: mmstats :: __private :: Stat > :: KIND) ;",
            "const _ : () = :: mmstats :: __private :: check_no_value (< Counter as :: mmstats :: __private :: Stat > :: KIND) ;",
        ];
        for piece in expected {
            assert!(code.contains(piece), "missing `{piece}` in:\n{code}");
        }
        let done = code.find("\"done\"");
        let user = code.find("\"user\"");
        let sys = code.find("SYS_FIELDS [0]");
        assert!(done < user && user < sys, "{code}");
        assert!(!code.contains("check_no_value (< Static"), "{code}");
    }

    #[test]
    fn without_sys_fields_counts_only_the_struct_fields() {
        let code = expand(&parse_quote! {
            #[mmstats(sys_fields = false)]
            struct Stats {
                #[mmstats(window = 10)]
                t: Timer,
            }
        });
        assert!(code.contains("FieldSpec ; 1]"), "{code}");
        assert!(!code.contains("SYS_FIELDS"), "{code}");
        assert!(code.contains("Option :: Some (10)"), "{code}");
        assert!(
            code.contains("label_prefix : \"\" , sys_fields : false"),
            "{code}"
        );
        assert!(code.contains("layout_fields (& __FIELDS , 0"), "{code}");
    }

    #[test]
    fn prefix_length_is_in_utf8_bytes() {
        let code = expand(&parse_quote! {
            #[mmstats(label_prefix = "é.")]
            struct Stats {
                n: Counter,
            }
        });
        assert!(code.contains("layout_fields (& __FIELDS , 3"), "{code}");
    }

    #[test]
    fn a_raw_field_name_is_labelled_without_its_prefix() {
        let code = expand(&parse_quote! {
            struct Stats {
                r#type: Counter,
            }
        });
        assert!(code.contains("FieldSpec :: new (\"type\""), "{code}");
        assert!(code.contains("r#type : __binder"), "{code}");
    }

    #[test]
    fn initial_values_are_converted_and_checked() {
        let code = expand(&parse_quote! {
            struct Stats {
                #[mmstats(initial = true)]
                enabled: Gauge<bool>,
            }
        });
        assert!(code.contains("check_initial (< Gauge < bool >"), "{code}");
        assert!(
            code.contains("Option :: Some (:: core :: convert :: Into :: into (true))"),
            "{code}"
        );
        // A field given `initial` is not also asked for a `value`.
        assert!(!code.contains("check_no_value"), "{code}");
    }

    #[test]
    fn unsuffixed_numbers_take_the_fields_type() {
        let code = expand(&parse_quote! {
            struct Stats {
                #[mmstats(initial = 1)]
                a: Counter,
                #[mmstats(initial = -1)]
                b: Gauge<i8>,
                #[mmstats(value = (0.5))]
                c: Static<f32>,
                #[mmstats(initial = 1u32)]
                d: Gauge<u64>,
            }
        });
        for bare in ["(1)", "(- 1)", "((0.5))"] {
            let piece = format!("(:: core :: option :: Option :: Some {bare})");
            assert!(code.contains(&piece), "missing `{piece}` in:\n{code}");
        }
        assert!(code.contains("Into :: into (1u32)"), "{code}");
    }

    #[test]
    fn errors_come_with_a_fallback_impl() {
        let input: DeriveInput = parse_quote! {
            struct Stats {
                #[mmstats(label = "")]
                done: Counter,
            }
        };
        let code = derive(&input).to_string();
        assert!(code.contains("compile_error !"), "{code}");
        assert!(
            code.contains("impl :: mmstats :: MmStats for Stats"),
            "{code}"
        );
        assert!(code.contains(":: core :: unreachable ! ()"), "{code}");
        assert!(!code.contains("__FIELDS"), "{code}");
    }

    #[test]
    fn a_crate_path_replaces_every_mmstats_path() {
        let code = expand(&parse_quote! {
            #[mmstats(crate = "renamed")]
            struct Stats {
                #[mmstats(size = 8)]
                t: Text,
            }
        });
        assert!(!code.contains(":: mmstats"), "{code}");
        for piece in [
            "impl renamed :: MmStats for Stats",
            "renamed :: __private :: check_size",
            "renamed :: __private :: SYS_FIELDS [0]",
            "fn options () -> renamed :: ModelOptions < Self >",
        ] {
            assert!(code.contains(piece), "missing `{piece}` in:\n{code}");
        }
    }

    #[test]
    fn options_and_create_are_inherent_with_the_structs_visibility() {
        let code = expand(&parse_quote! {
            pub(crate) struct Stats {
                n: Counter,
            }
        });
        for piece in [
            "impl Stats {",
            "pub (crate) fn options () -> :: mmstats :: ModelOptions < Self > { < Self as :: mmstats :: MmStats > :: options () }",
            "pub (crate) fn create () -> :: core :: result :: Result < :: mmstats :: Model < Self > , :: mmstats :: Error > { < Self as :: mmstats :: MmStats > :: create () }",
            "name : \"Stats\"",
        ] {
            assert!(code.contains(piece), "missing `{piece}` in:\n{code}");
        }
    }

    #[test]
    fn a_model_without_fields_is_fine() {
        let code = expand(&parse_quote! {
            struct Stats {}
        });
        assert!(code.contains("FieldSpec ; 7]"), "{code}");
        assert!(code.contains("-> Self { Self { } }"), "{code}");
    }
}
