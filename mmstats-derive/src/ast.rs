//! The derive input as a model: a struct with named fields and the
//! attributes parsed from it, borrowing the syn nodes for their spans.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Path, Type};

use crate::attr::{self, FieldAttrs, ModelAttrs};
use crate::ctxt::Ctxt;

const SHAPE: &str = "#[derive(MmStats)] supports only structs with named fields";

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub attrs: ModelAttrs,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
}

impl<'a> Input<'a> {
    /// Models a struct with named fields; anything else is an error, since
    /// there is nothing to check further.
    ///
    /// Attribute errors are recorded in `cx` instead, so that all of them
    /// are reported.
    pub fn from_syn(cx: &Ctxt, node: &'a DeriveInput) -> syn::Result<Self> {
        let ident = &node.ident;
        let data = match &node.data {
            Data::Struct(data) => data,
            Data::Enum(data) => {
                let keyword = data.enum_token;
                let message = format!("{SHAPE}, not enums");
                return Err(syn::Error::new_spanned(
                    quote::quote!(#keyword #ident),
                    message,
                ));
            }
            Data::Union(data) => {
                let keyword = data.union_token;
                let message = format!("{SHAPE}, not unions");
                return Err(syn::Error::new_spanned(
                    quote::quote!(#keyword #ident),
                    message,
                ));
            }
        };
        let named = match &data.fields {
            Fields::Named(named) => named,
            Fields::Unnamed(fields) => {
                let keyword = data.struct_token;
                let message = format!("{SHAPE}, not tuple structs");
                return Err(syn::Error::new_spanned(
                    quote::quote!(#keyword #ident #fields),
                    message,
                ));
            }
            Fields::Unit => {
                let keyword = data.struct_token;
                let message = format!("{SHAPE}, not unit structs");
                return Err(syn::Error::new_spanned(
                    quote::quote!(#keyword #ident),
                    message,
                ));
            }
        };
        let attrs = attr::model_attrs(cx, &node.attrs);
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                // Named fields always have an ident.
                Some(Field {
                    ident: field.ident.as_ref()?,
                    ty: &field.ty,
                    attrs: attr::field_attrs(cx, &field.attrs),
                })
            })
            .collect();
        Ok(Input {
            original: node,
            attrs,
            fields,
        })
    }

    /// The label prefix, `""` by default.
    pub fn label_prefix(&self) -> String {
        match &self.attrs.label_prefix {
            Some(prefix) => prefix.value.value(),
            None => String::new(),
        }
    }

    /// The path of the runtime crate: `crate = "..."`, else `::mmstats`.
    pub fn krate(&self) -> Path {
        krate(&self.attrs)
    }

    /// Whether the sys fields are appended, as they are by default.
    pub fn sys_fields(&self) -> bool {
        match &self.attrs.sys_fields {
            Some(sys_fields) => sys_fields.value.value,
            None => true,
        }
    }
}

/// The path of the runtime crate that `attrs` name, else `::mmstats`.
pub fn krate(attrs: &ModelAttrs) -> Path {
    match &attrs.krate {
        Some(krate) => krate.value.clone(),
        None => syn::parse_quote!(::mmstats),
    }
}

impl Field<'_> {
    /// The label without the prefix: `label = "..."`, or the field's name.
    pub fn label(&self) -> String {
        match &self.attrs.label {
            Some(label) => label.value.value(),
            None => self.ident.unraw().to_string(),
        }
    }

    /// Where the label was written: its literal, or the field's name.
    pub fn label_span(&self) -> Span {
        match &self.attrs.label {
            Some(label) => label.value.span(),
            None => self.ident.span(),
        }
    }
}
