//! Turning the corrected document into formatted Rust with progenitor.

use anyhow::{anyhow, Context, Result};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TypeImpl};
use quote::quote;
use serde_json::Value;
use syn::visit_mut::VisitMut;

use super::enums::OpenEnum;

/// The extension by which a correction names a hand-written Rust type for a
/// component schema.
const RUST_TYPE: &str = "x-ei-rust-type";

/// The derive that gives each generated type its JSON Schema, which only the
/// conformance suite reads.
const JSON_SCHEMA_DERIVE: &str = "schemars::JsonSchema";

/// The `ei-api` feature that turns [`JSON_SCHEMA_DERIVE`] on: a user of the
/// client does not compile `schemars` and its derive macro.
const JSON_SCHEMA_FEATURE: &str = "json-schema";

/// The generated client module.
pub fn client(document: &Value, open_enums: &[OpenEnum]) -> Result<TokenStream> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(document.clone())
        .context("the corrected document is not OpenAPI 3.0")?;
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_derive(JSON_SCHEMA_DERIVE)
        .with_inner_type(quote! { crate::RequestContext });
    for open_enum in open_enums {
        let path = format!("crate::enums::{}", open_enum.name);
        settings.with_replacement(&open_enum.name, path, open_enum_impls());
    }
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("the corrected document has no components.schemas"))?;
    for (name, schema) in schemas {
        if let Some(path) = schema.get(RUST_TYPE).and_then(Value::as_str) {
            settings.with_replacement(name, path, [TypeImpl::Display].into_iter());
        }
    }
    let tokens = Generator::new(&settings)
        .generate_tokens(&spec)
        .map_err(|error| anyhow!("progenitor: {error}"))?;
    let mut file: syn::File = syn::parse2(tokens).context("generated code does not parse")?;
    GateJsonSchema.visit_file_mut(&mut file);
    Ok(quote! { #file })
}

/// Moves the JSON Schema derive of every item into
/// `#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]`.
struct GateJsonSchema;

impl VisitMut for GateJsonSchema {
    fn visit_attributes_mut(&mut self, attributes: &mut Vec<syn::Attribute>) {
        let derive: syn::Path = syn::parse_str(JSON_SCHEMA_DERIVE).expect("a path");
        let mut gated = false;
        for attribute in
            attributes.iter_mut().filter(|attribute| attribute.path().is_ident("derive"))
        {
            let Ok(paths) = attribute.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            if paths.iter().any(|path| *path == derive) {
                let kept = paths.iter().filter(|path| **path != derive);
                *attribute = syn::parse_quote! { #[derive(#(#kept),*)] };
                gated = true;
            }
        }
        if gated {
            attributes.push(syn::parse_quote! {
                #[cfg_attr(feature = #JSON_SCHEMA_FEATURE, derive(#derive))]
            });
        }
    }
}

fn open_enum_impls() -> impl Iterator<Item = TypeImpl> {
    [TypeImpl::Display, TypeImpl::FromStr, TypeImpl::FromStringIrrefutable].into_iter()
}

/// Formats tokens as a Rust file on the stable toolchain, under `header`.
pub fn format_file(header: &str, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).context("generated code does not parse")?;
    Ok(format!("{header}\n{}", prettyplease::unparse(&file)))
}
