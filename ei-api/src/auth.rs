//! Credentials: the three ways the API accepts to authenticate a request.

use reqwest::header::{HeaderName, HeaderValue, COOKIE};
use std::fmt;

/// How a request proves who sends it. `Debug` never shows the secret.
#[derive(Clone)]
pub struct Credentials {
    scheme: Scheme,
    /// The ready header value, marked sensitive so that reqwest and hyper
    /// never log it.
    value: HeaderValue,
}

/// The security schemes of the document that a client can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    /// `ApiKeyAuthentication`: the `x-api-key` header.
    ApiKey,
    /// `JWTHttpHeaderAuthentication`: the `x-jwt-token` header.
    JwtHeader,
    /// `JWTAuthentication`: the `jwt` cookie.
    JwtCookie,
}

/// The header an API key travels in (`ApiKeyAuthentication`).
pub const API_KEY_HEADER: &str = "x-api-key";
/// The header a JWT travels in (`JWTHttpHeaderAuthentication`).
pub const JWT_HEADER: &str = "x-jwt-token";
/// The cookie a JWT travels in (`JWTAuthentication`).
pub const JWT_COOKIE: &str = "jwt";

/// A credential that cannot be sent as given.
#[derive(Debug, thiserror::Error)]
#[error("the {what} is not usable: {problem}")]
pub struct InvalidCredential {
    what: &'static str,
    problem: &'static str,
}

impl InvalidCredential {
    /// Which credential was refused (`API key`, `JWT`).
    pub fn what(&self) -> &'static str {
        self.what
    }
}

impl Credentials {
    /// An organization or project API key, sent as `x-api-key`.
    pub fn api_key(key: &str) -> Result<Self, InvalidCredential> {
        Self::new(Scheme::ApiKey, "API key", key, key)
    }

    /// A JWT sent in the `x-jwt-token` header.
    pub fn jwt_header(token: &str) -> Result<Self, InvalidCredential> {
        Self::new(Scheme::JwtHeader, "JWT", token, token)
    }

    /// A JWT sent as the `jwt` cookie.
    pub fn jwt_cookie(token: &str) -> Result<Self, InvalidCredential> {
        if token.contains([';', ',', ' ', '"', '\\']) {
            return Err(InvalidCredential {
                what: "JWT",
                problem: "a cookie value cannot contain ';', ',', spaces, quotes or backslashes",
            });
        }
        Self::new(Scheme::JwtCookie, "JWT", token, &format!("{JWT_COOKIE}={token}"))
    }

    fn new(
        scheme: Scheme,
        what: &'static str,
        secret: &str,
        header: &str,
    ) -> Result<Self, InvalidCredential> {
        if secret.trim().is_empty() {
            return Err(InvalidCredential { what, problem: "it is empty" });
        }
        if secret.trim() != secret {
            return Err(InvalidCredential { what, problem: "it has leading or trailing spaces" });
        }
        let mut value = HeaderValue::from_str(header).map_err(|_| InvalidCredential {
            what,
            problem: "it contains characters an HTTP header cannot carry",
        })?;
        value.set_sensitive(true);
        Ok(Self { scheme, value })
    }

    /// The header this credential travels in.
    pub fn header_name(&self) -> HeaderName {
        match self.scheme {
            Scheme::ApiKey => HeaderName::from_static(API_KEY_HEADER),
            Scheme::JwtHeader => HeaderName::from_static(JWT_HEADER),
            Scheme::JwtCookie => COOKIE,
        }
    }

    /// The header value (marked sensitive).
    pub fn header_value(&self) -> &HeaderValue {
        &self.value
    }

    /// The name of the document's security scheme this credential uses.
    pub fn scheme_name(&self) -> &'static str {
        match self.scheme {
            Scheme::ApiKey => "ApiKeyAuthentication",
            Scheme::JwtHeader => "JWTHttpHeaderAuthentication",
            Scheme::JwtCookie => "JWTAuthentication",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("scheme", &self.scheme_name())
            .field("value", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        for credentials in [
            Credentials::api_key("ei_supersecret").unwrap(),
            Credentials::jwt_header("ei_supersecret").unwrap(),
            Credentials::jwt_cookie("ei_supersecret").unwrap(),
        ] {
            let shown = format!("{credentials:?}");
            assert!(!shown.contains("supersecret"), "{shown}");
            assert!(credentials.header_value().is_sensitive());
        }
    }

    #[test]
    fn each_scheme_uses_its_own_header() {
        assert_eq!(Credentials::api_key("k").unwrap().header_name(), "x-api-key");
        assert_eq!(Credentials::jwt_header("t").unwrap().header_name(), "x-jwt-token");
        let cookie = Credentials::jwt_cookie("t").unwrap();
        assert_eq!(cookie.header_name(), "cookie");
        assert_eq!(cookie.header_value(), "jwt=t");
    }

    #[test]
    fn each_name_is_the_one_its_scheme_declares_in_the_document() {
        let document: serde_json::Value =
            serde_json::from_str(crate::CORRECTED_OPENAPI_JSON).unwrap();
        let schemes = &document["components"]["securitySchemes"];
        for (credentials, location, name) in [
            (Credentials::api_key("k").unwrap(), "header", API_KEY_HEADER),
            (Credentials::jwt_header("t").unwrap(), "header", JWT_HEADER),
            (Credentials::jwt_cookie("t").unwrap(), "cookie", JWT_COOKIE),
        ] {
            let scheme = &schemes[credentials.scheme_name()];
            assert_eq!(
                (scheme["in"].as_str(), scheme["name"].as_str()),
                (Some(location), Some(name))
            );
        }
    }

    #[test]
    fn unusable_credentials_are_refused_with_the_reason() {
        let error = Credentials::api_key("").unwrap_err();
        assert_eq!(error.to_string(), "the API key is not usable: it is empty");
        assert!(Credentials::api_key(" key").is_err());
        assert!(Credentials::api_key("key\nx-evil: 1").is_err());
        assert!(Credentials::jwt_cookie("a;b").is_err());
    }
}
