//! Authentication: the three places a request may carry a credential, checked
//! against the credentials the studio accepts.

use ei_api::{API_KEY_HEADER, JWT_COOKIE, JWT_HEADER};
use hyper::header::{HeaderMap, COOKIE};

/// Which kind of credential a request carried (never the credential itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// An API key in the `x-api-key` header.
    ApiKey,
    /// A JWT in the `x-jwt-token` header.
    JwtHeader,
    /// A JWT in the `jwt` cookie.
    JwtCookie,
    /// No credential at all.
    None,
}

/// What a request presented, and whether it is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Presented {
    /// The credential that authenticated the request, or else the first one
    /// it carried (API key, JWT header, JWT cookie, in that order).
    pub(crate) kind: CredentialKind,
    /// Whether a credential it carried is accepted.
    pub(crate) accepted: bool,
}

/// The credentials a studio accepts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Credentials {
    /// Accepted `x-api-key` values.
    pub(crate) api_keys: Vec<String>,
    /// Accepted JWTs, in the header or the cookie.
    pub(crate) jwts: Vec<String>,
}

impl Credentials {
    /// What the request with `headers` presents.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Presented {
        let header = |name| headers.get(name).map(|value| value.as_bytes());
        let cookie = headers.get_all(COOKIE).iter().find_map(|value| jwt_cookie(value.as_bytes()));
        let carried = [
            (CredentialKind::ApiKey, header(API_KEY_HEADER), &self.api_keys),
            (CredentialKind::JwtHeader, header(JWT_HEADER), &self.jwts),
            (CredentialKind::JwtCookie, cookie, &self.jwts),
        ];
        let matches =
            |value: &[u8], accepted: &[String]| accepted.iter().any(|a| a.as_bytes() == value);
        let accepted = carried.iter().find_map(|(kind, value, accepted)| {
            value.filter(|value| matches(value, accepted)).map(|_| *kind)
        });
        match accepted {
            Some(kind) => Presented { kind, accepted: true },
            None => {
                let first = carried.iter().find(|(_, value, _)| value.is_some());
                let kind = first.map_or(CredentialKind::None, |(kind, _, _)| *kind);
                Presented { kind, accepted: false }
            }
        }
    }
}

/// The value of the `jwt` cookie in one `Cookie` header, if it is there.
fn jwt_cookie(header: &[u8]) -> Option<&[u8]> {
    header.split(|byte| *byte == b';').find_map(|pair| {
        let pair = pair.trim_ascii();
        let (name, value) = pair.split_at(pair.iter().position(|byte| *byte == b'=')?);
        (name == JWT_COOKIE.as_bytes()).then(|| &value[1..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn credentials() -> Credentials {
        Credentials { api_keys: vec!["key".into()], jwts: vec!["a.b.c".into()] }
    }

    fn check(name: &'static str, value: &'static str) -> Presented {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        credentials().check(&headers)
    }

    #[test]
    fn each_place_is_read() {
        assert_eq!(
            check(API_KEY_HEADER, "key"),
            Presented { kind: CredentialKind::ApiKey, accepted: true }
        );
        assert_eq!(check(JWT_HEADER, "a.b.c").kind, CredentialKind::JwtHeader);
        let cookie = check("cookie", "theme=dark; jwt=a.b.c");
        assert_eq!(cookie, Presented { kind: CredentialKind::JwtCookie, accepted: true });
        assert!(!check("cookie", "jwtx=a.b.c").accepted);
        let wrong = check(API_KEY_HEADER, "a.b.c");
        assert_eq!(wrong, Presented { kind: CredentialKind::ApiKey, accepted: false });
        assert_eq!(credentials().check(&HeaderMap::new()).kind, CredentialKind::None);
    }
}
