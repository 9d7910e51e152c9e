//! The HTTP client to reach the API with: one that never follows a redirect.
//!
//! The API never redirects. reqwest's default policy follows up to ten
//! redirects and re-sends every header but a few standard ones (it drops
//! `Authorization` and `Cookie` on a change of host, not `x-api-key` or
//! `x-jwt-token`), so a redirect would carry the credential to whatever
//! host, port or scheme its `Location` names. The generated [`Client::new`]
//! uses that default: build the client with [`http_client_builder`] and
//! [`Client::new_with_client`] instead.
//!
//! [`Client::new`]: crate::Client::new
//! [`Client::new_with_client`]: crate::Client::new_with_client

/// A `reqwest` client builder that never follows a redirect (a 3xx comes
/// back as the answer). Add timeouts or a user agent, build it, and hand it
/// to [`Client::new_with_client`](crate::Client::new_with_client).
pub fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none())
}
