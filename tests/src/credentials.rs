//! The document's security schemes, and the credentials the client offers
//! for each.

use crate::document::Document;
use ei_api::{Credentials, InvalidCredential};

/// Makes a credential from its secret value.
pub type MakeCredential = fn(&str) -> Result<Credentials, InvalidCredential>;

/// Every kind of credential the client offers. Each names the scheme it
/// uses ([`Credentials::scheme_name`]), which must be one of the document's.
pub const OFFERED: &[MakeCredential] =
    &[Credentials::api_key, Credentials::jwt_header, Credentials::jwt_cookie];

/// Schemes of the document the client does not offer a credential for, each
/// with the reason. A scheme the document adds must be offered or named here.
pub const NOT_OFFERED: &[(&str, &str)] = &[(
    "OAuth2",
    "the OAuth flows issue tokens for the Studio web app; the SDK authenticates with API keys or JWTs",
)];

/// The credential the client offers for scheme `name`, if any.
pub fn offered_for(name: &str) -> Option<MakeCredential> {
    OFFERED.iter().copied().find(|make| make("probe").is_ok_and(|c| c.scheme_name() == name))
}

/// The document's schemes the client offers, by name, with how to make one.
pub fn offered_schemes(document: &Document) -> Vec<(String, MakeCredential)> {
    document
        .security_schemes()
        .keys()
        .filter_map(|name| offered_for(name).map(|make| (name.clone(), make)))
        .collect()
}

/// The secret a test credential of scheme `scheme` carries: distinct per
/// scheme, so that a credential found in the wrong place is told apart.
pub fn secret_for(scheme: &str) -> String {
    format!("ei_conformance_{}", scheme.to_ascii_lowercase())
}
