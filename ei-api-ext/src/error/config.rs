//! Configuration errors: a setting of the client that is missing or
//! malformed, named with where it came from.

use std::fmt;

/// Where a setting came from, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingSource {
    /// Set in code, on [`ClientBuilder`](crate::ClientBuilder).
    Builder,
    /// Read from this environment variable.
    Environment(&'static str),
}

impl fmt::Display for SettingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingSource::Builder => f.write_str("set on the client builder"),
            SettingSource::Environment(variable) => write!(f, "from the environment ({variable})"),
        }
    }
}

/// A setting of the client, as configuration errors name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The API key ([`ClientBuilder::api_key`](crate::ClientBuilder::api_key), [`ENV_API_KEY`](crate::ENV_API_KEY)).
    ApiKey,
    /// A JWT ([`ClientBuilder::jwt_header`](crate::ClientBuilder::jwt_header), [`ClientBuilder::jwt_cookie`](crate::ClientBuilder::jwt_cookie), [`ENV_JWT`](crate::ENV_JWT)).
    Jwt,
    /// Where the JWT travels ([`ENV_JWT_TRANSPORT`](crate::ENV_JWT_TRANSPORT)).
    JwtTransport,
    /// The base URL ([`ClientBuilder::base_url`](crate::ClientBuilder::base_url), [`ENV_API_ENDPOINT`](crate::ENV_API_ENDPOINT)).
    BaseUrl,
    /// A plain-`http` base URL to a host that is not loopback, refused
    /// unless [`ClientBuilder::allow_insecure_http`](crate::ClientBuilder::allow_insecure_http) allows it.
    InsecureHttp,
    /// A timeout ([`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout), [`ClientBuilder::attempt_timeout`](crate::ClientBuilder::attempt_timeout)).
    Timeout,
    /// The HTTP client itself (the TLS backend could not start, ...).
    HttpClient,
    /// The proxy the environment names for https (`HTTPS_PROXY`, ...).
    Proxy,
    /// A request the generated client could not build from the arguments given.
    Request,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::ApiKey => "API key",
            Setting::Jwt => "JWT",
            Setting::JwtTransport => "JWT transport",
            Setting::BaseUrl => "base URL",
            Setting::InsecureHttp => "plain-http base URL",
            Setting::Timeout => "timeout",
            Setting::HttpClient => "HTTP client",
            Setting::Proxy => "proxy",
            Setting::Request => "request",
        })
    }
}

/// A setting that is missing or malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("configuration: the {setting} {origin}: {problem}")]
#[non_exhaustive]
pub struct ConfigError {
    /// Which setting.
    pub setting: Setting,
    /// Where it came from.
    pub origin: SettingSource,
    /// What is wrong with it.
    pub problem: String,
}

impl ConfigError {
    pub(crate) fn new(setting: Setting, source: SettingSource, problem: impl Into<String>) -> Self {
        Self { setting, origin: source, problem: problem.into() }
    }
}
