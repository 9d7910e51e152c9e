//! Turning the corrected document into formatted Rust with progenitor.

use anyhow::{anyhow, Context, Result};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TypeImpl};
use quote::quote;
use serde_json::Value;

use super::enums::OpenEnum;

/// The extension by which a correction names a hand-written Rust type for a
/// component schema.
const RUST_TYPE: &str = "x-ei-rust-type";

/// The generated client module.
pub fn client(document: &Value, open_enums: &[OpenEnum]) -> Result<TokenStream> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(document.clone())
        .context("the corrected document is not OpenAPI 3.0")?;
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_derive("schemars::JsonSchema")
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
    Generator::new(&settings).generate_tokens(&spec).map_err(|error| anyhow!("progenitor: {error}"))
}

fn open_enum_impls() -> impl Iterator<Item = TypeImpl> {
    [TypeImpl::Display, TypeImpl::FromStr, TypeImpl::FromStringIrrefutable].into_iter()
}

/// Formats tokens as a Rust file on the stable toolchain, under `header`.
pub fn format_file(header: &str, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).context("generated code does not parse")?;
    Ok(format!("{header}\n{}", prettyplease::unparse(&file)))
}
