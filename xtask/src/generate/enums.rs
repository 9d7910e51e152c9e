//! Rust for the open enums: one `open_enum!` invocation per schema that the
//! `open-enums` correction marked with `x-ei-known-values`.

use anyhow::{anyhow, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value};

/// The extension that lists an open enum's known values.
pub const KNOWN_VALUES: &str = "x-ei-known-values";

/// An open enum found in the corrected document.
pub struct OpenEnum {
    /// The component schema's name, which is also the Rust type's name.
    pub name: String,
    description: Option<String>,
    values: Vec<String>,
}

/// Every open enum among the document's component schemas, by name.
pub fn find(schemas: &Map<String, Value>) -> Result<Vec<OpenEnum>> {
    let mut found = Vec::new();
    for (name, schema) in schemas {
        let Some(values) = schema.get(KNOWN_VALUES) else {
            continue;
        };
        let values = values
            .as_array()
            .and_then(|values| values.iter().map(|v| v.as_str().map(str::to_owned)).collect())
            .ok_or_else(|| anyhow!("{name}.{KNOWN_VALUES} is not a list of strings"))?;
        let description = schema.get("description").and_then(Value::as_str).map(str::to_owned);
        found.push(OpenEnum { name: name.clone(), description, values });
    }
    Ok(found)
}

/// `no-subfolders` -> `NoSubfolders`, `on_new_data` -> `OnNewData`.
fn variant_name(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().expect("words are non-empty");
            first.to_ascii_uppercase().to_string() + chars.as_str()
        })
        .collect()
}

/// The module body declaring every open enum.
pub fn render(enums: &[OpenEnum]) -> TokenStream {
    let declarations = enums.iter().map(|open_enum| {
        let name = format_ident!("{}", open_enum.name);
        let doc = open_enum
            .description
            .clone()
            .unwrap_or_else(|| format!("The `{}` values of the Edge Impulse API.", open_enum.name));
        let variants = open_enum.values.iter().map(|value| {
            let variant = format_ident!("{}", variant_name(value));
            quote! { #variant => #value }
        });
        quote! {
            crate::open_enum! {
                #[doc = #doc]
                #name { #(#variants),* }
            }
        }
    });
    quote! { #(#declarations)* }
}
