//! Building a client: credentials, base URL, timeouts and the retry policy,
//! from code or from the environment.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use ei_api::{Credentials, RequestContext};

use super::Client;
use crate::call::retry::{RetryBudget, RetryPolicy, DEFAULT_RETRY_BUDGET};
use crate::call::Caller;
use crate::error::{ConfigError, Setting, SettingSource};

/// The environment variable holding an API key (as the vendor's SDK reads it).
pub const ENV_API_KEY: &str = "EI_API_KEY";
/// The environment variable holding a JWT, used when no API key is set.
pub const ENV_JWT: &str = "EI_JWT";
/// Where to send the JWT: `header` (`x-jwt-token`, the default) or `cookie` (`jwt`).
pub const ENV_JWT_TRANSPORT: &str = "EI_JWT_TRANSPORT";
/// The environment variable holding the base URL (as the vendor's SDK reads it).
pub const ENV_API_ENDPOINT: &str = "EI_API_ENDPOINT";

/// Connecting takes milliseconds on a healthy network; ten seconds means it
/// will not happen, and the retry policy can try again.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The four operations answer in well under a second; thirty seconds leaves
/// room for a slow day without hanging a CI job on a dead connection.
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the pipeline view may lag behind a write by default: a read
/// replica or a cache catches up within a second or two; five leaves room,
/// and is what a run call whose answer was lost spends at most looking for
/// the run it may have started before it concludes there is none.
const DEFAULT_VIEW_LAG_GRACE: Duration = Duration::from_secs(5);

/// The `User-Agent` every request carries.
const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Builds a [`Client`]. Start with [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    credentials: Option<Result<Credentials, ConfigError>>,
    base_url: (String, SettingSource),
    connect_timeout: Duration,
    attempt_timeout: Duration,
    retry_policy: RetryPolicy,
    allow_insecure_http: bool,
    max_answer_bytes: u64,
    retry_budget: u32,
    view_lag_grace: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials.as_ref().map(|c| c.as_ref().ok()))
            .field("base_url", &self.base_url.0)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_answer_bytes", &self.max_answer_bytes)
            .field("retry_budget", &self.retry_budget)
            .field("view_lag_grace", &self.view_lag_grace)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            credentials: None,
            base_url: (ei_api::DEFAULT_BASE_URL.to_owned(), SettingSource::Builder),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            retry_policy: RetryPolicy::default(),
            allow_insecure_http: false,
            max_answer_bytes: ei_api::DEFAULT_MAX_ANSWER_BYTES,
            retry_budget: DEFAULT_RETRY_BUDGET,
            view_lag_grace: DEFAULT_VIEW_LAG_GRACE,
        }
    }
}

impl ClientBuilder {
    /// Authenticate with an API key (`x-api-key`).
    pub fn api_key(self, key: &str) -> Self {
        self.credentials_from(Credentials::api_key(key), Setting::ApiKey, SettingSource::Builder)
    }

    /// Authenticate with a JWT in the `x-jwt-token` header.
    pub fn jwt_header(self, token: &str) -> Self {
        self.credentials_from(Credentials::jwt_header(token), Setting::Jwt, SettingSource::Builder)
    }

    /// Authenticate with a JWT in the `jwt` cookie.
    pub fn jwt_cookie(self, token: &str) -> Self {
        self.credentials_from(Credentials::jwt_cookie(token), Setting::Jwt, SettingSource::Builder)
    }

    fn credentials_from(
        mut self,
        credentials: Result<Credentials, ei_api::InvalidCredential>,
        setting: Setting,
        source: SettingSource,
    ) -> Self {
        self.credentials = Some(
            credentials.map_err(|invalid| ConfigError::new(setting, source, invalid.to_string())),
        );
        self
    }

    /// The base URL, with the `/v1` prefix (default: [`ei_api::DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = (url.into(), SettingSource::Builder);
        self
    }

    /// How long connecting may take (default: 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from sending to the end of the body
    /// (default: 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Read at most this many bytes of one answer (default:
    /// [`ei_api::DEFAULT_MAX_ANSWER_BYTES`], 8 MiB). The limit holds while
    /// the body streams in, whether or not the server declares a length: a
    /// longer answer fails the call with
    /// [`ErrorKind::InvalidResponse`](crate::ErrorKind::InvalidResponse)
    /// saying it was too large.
    pub fn max_answer_bytes(mut self, bytes: u64) -> Self {
        self.max_answer_bytes = bytes;
        self
    }

    /// The size of the client-wide retry budget, in tokens (default: 500).
    /// Every call of this client draws its retries from it: 5 tokens each,
    /// 10 after an ambiguous failure (the server may have done the work);
    /// a call that succeeds gives back what its retries took (one token when
    /// it took none). An empty budget stops retries across the client, so a
    /// failing server sees no retry storm.
    pub fn retry_budget(mut self, tokens: u32) -> Self {
        self.retry_budget = tokens;
        self
    }

    /// How long the pipeline view may lag behind a write (default: 5 s):
    /// after a run call whose answer was lost,
    /// the pipeline is re-read for this long before concluding no run
    /// started; a run being waited on may be missing from the view this long
    /// before it counts as gone.
    pub fn view_lag_grace(mut self, grace: Duration) -> Self {
        self.view_lag_grace = grace;
        self
    }

    /// Allow `http://` to a host that is not loopback. Off by default, so
    /// that credentials are never sent in clear by accident. A plain-http
    /// base URL (loopback or allowed) is always reached directly, never
    /// through a proxy from the environment (`HTTP_PROXY`), which would read
    /// the credential.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Reads [`ENV_API_KEY`] (or [`ENV_JWT`] and [`ENV_JWT_TRANSPORT`]) and
    /// [`ENV_API_ENDPOINT`] into this builder; settings made in code before
    /// this call are replaced by those the environment has.
    pub fn from_env(self) -> Self {
        self.from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ClientBuilder::from_env`], reading variables through `lookup`.
    pub fn from_lookup(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        if let Some(endpoint) = lookup(ENV_API_ENDPOINT) {
            self.base_url = (endpoint, SettingSource::Environment(ENV_API_ENDPOINT));
        }
        if let Some(key) = lookup(ENV_API_KEY) {
            let source = SettingSource::Environment(ENV_API_KEY);
            return self.credentials_from(Credentials::api_key(&key), Setting::ApiKey, source);
        }
        if let Some(token) = lookup(ENV_JWT) {
            let source = SettingSource::Environment(ENV_JWT);
            let credentials = match lookup(ENV_JWT_TRANSPORT).as_deref() {
                None | Some("header") => Credentials::jwt_header(&token),
                Some("cookie") => Credentials::jwt_cookie(&token),
                Some(other) => {
                    self.credentials = Some(Err(ConfigError::new(
                        Setting::JwtTransport,
                        SettingSource::Environment(ENV_JWT_TRANSPORT),
                        format!("`{other}` is neither `header` nor `cookie`"),
                    )));
                    return self;
                }
            };
            return self.credentials_from(credentials, Setting::Jwt, source);
        }
        self
    }

    /// Checks every setting and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let credentials = self.credentials.unwrap_or_else(|| {
            Err(ConfigError::new(
                Setting::ApiKey,
                SettingSource::Environment(ENV_API_KEY),
                format!(
                    "missing: set {ENV_API_KEY} (or {ENV_JWT}), or call ClientBuilder::api_key"
                ),
            ))
        })?;
        let url = checked_base_url(&self.base_url.0, self.base_url.1, self.allow_insecure_http)?;
        if self.connect_timeout.is_zero() || self.attempt_timeout.is_zero() {
            return Err(ConfigError::new(
                Setting::Timeout,
                SettingSource::Builder,
                "a zero timeout would fail every request",
            ));
        }
        // The API never redirects, and following one would send the
        // credential wherever the `Location` points: a 3xx is an error.
        let http = ei_api::http_client_builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout)
            .timeout(self.attempt_timeout);
        // A proxy (HTTP_PROXY, common on CI runners) would read a plain-http
        // request, credential and all: such a base URL is reached directly.
        // Over https a proxy only tunnels the encrypted connection.
        let http = if url.scheme() == "http" {
            http.no_proxy()
        } else {
            checked_https_proxy(|variable| std::env::var(variable).ok())?;
            http
        };
        let http = http.build().map_err(|error| {
            // reqwest says only "builder error"; the cause (a trust store
            // that could not be loaded from SSL_CERT_FILE, ...) is its source.
            let mut problem = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                problem.push_str(": ");
                problem.push_str(&cause.to_string());
                source = cause.source();
            }
            ConfigError::new(Setting::HttpClient, SettingSource::Builder, problem)
        })?;
        let context = RequestContext::new(credentials).with_max_answer_bytes(self.max_answer_bytes);
        Ok(Client::new(Caller {
            http,
            // As parsed (no surrounding blanks, the scheme in lower case).
            base_url: url.as_str().trim_end_matches('/').to_owned(),
            context,
            retry_policy: self.retry_policy,
            retry_budget: RetryBudget::new(self.retry_budget),
            view_lag_grace: self.view_lag_grace,
        }))
    }
}

/// Parses the base URL and refuses `http://` to a host that is not loopback:
/// the URL every later decision reads, so that none reads the raw text
/// differently (`url` trims blanks around it, for one).
fn checked_base_url(
    raw: &str,
    source: SettingSource,
    allow_insecure_http: bool,
) -> Result<url::Url, ConfigError> {
    let invalid = |problem: String| ConfigError::new(Setting::BaseUrl, source, problem);
    let url =
        url::Url::parse(raw).map_err(|error| invalid(format!("`{raw}` is not a URL: {error}")))?;
    let host = url.host_str().ok_or_else(|| invalid(format!("`{raw}` has no host")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host) => {}
        "http" => {
            return Err(ConfigError::new(
                Setting::InsecureHttp,
                source,
                format!(
                    "`{raw}` would send credentials in clear to {host}; use https, or allow \
                     insecure http explicitly (ClientBuilder::allow_insecure_http)"
                ),
            ))
        }
        other => return Err(invalid(format!("`{raw}`: the scheme `{other}` is not http(s)"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Shown in error messages and sent to every host on the way: a
        // credential belongs in the API key or JWT setting.
        return Err(invalid("it must not carry a user name or password".to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!("`{raw}` must not have a query or fragment")));
    }
    Ok(url)
}

/// The environment variables the HTTP stack (hyper-util) reads for an
/// https request's proxy: the first of a pair that is set is its value; an
/// empty https value gives way to the all-schemes one.
const HTTPS_PROXY_VARIABLES: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];
const ALL_PROXY_VARIABLES: [&str; 2] = ["ALL_PROXY", "all_proxy"];

/// Refuses the https proxy the environment names (read through `lookup`)
/// when the HTTP stack could not use it: it ignores a value it cannot parse
/// as a URI (`http://` assumed when no scheme is given) or of a scheme it
/// cannot speak, and connects directly, where a network that lets only the
/// proxy out fails with a misleading cause. An empty value means no proxy.
/// The value is never shown: it may carry credentials.
fn checked_https_proxy(lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    let first_set = |names: [&'static str; 2]| {
        names.into_iter().find_map(|name| lookup(name).map(|value| (name, value)))
    };
    let named = match first_set(HTTPS_PROXY_VARIABLES) {
        Some((variable, value)) if !value.is_empty() => Some((variable, value)),
        _ => first_set(ALL_PROXY_VARIABLES),
    };
    let Some((variable, value)) = named.filter(|(_, value)| !value.is_empty()) else {
        return Ok(());
    };
    let refuse = |problem: &str| {
        let problem = format!("{problem}; the value is not shown, as it may hold credentials");
        Err(ConfigError::new(Setting::Proxy, SettingSource::Environment(variable), problem))
    };
    let Ok(uri) = value.parse::<http::Uri>() else {
        return refuse("it is not a URL (http://[USER:PASSWORD@]HOST:PORT, percent-encoded)");
    };
    match uri.scheme() {
        None => {}
        Some(scheme)
            if *scheme == http::uri::Scheme::HTTP || *scheme == http::uri::Scheme::HTTPS => {}
        Some(scheme) if scheme.as_str().starts_with("socks") => {
            return refuse("a SOCKS proxy is not supported: give an HTTP proxy (http://HOST:PORT)")
        }
        Some(_) => return refuse("its scheme must be http or https"),
    }
    if uri.host().is_none_or(str::is_empty) {
        return refuse("it names no host");
    }
    // After any credentials; an IPv6 address in brackets has colons of its own.
    let host_and_port = uri.authority().map_or("", |authority| {
        authority.as_str().rsplit_once('@').map_or(authority.as_str(), |(_, after)| after)
    });
    let port = match host_and_port.rsplit_once(':') {
        Some((_, port)) if !port.ends_with(']') => Some(port),
        _ => None,
    };
    if port.is_some_and(|port| port.parse::<u16>().map_or(true, |port| port == 0)) {
        return refuse("its port is not a number from 1 to 65535");
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|address| address.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_proxy_the_http_stack_would_ignore_is_refused_without_its_value() {
        for usable in [
            "",
            "proxy.corp.example:3128",
            "http://user:s3cr%40t@proxy.corp.example:3128",
            "https://[::1]:8443",
            "http://[::1]",
        ] {
            let vars = [("HTTPS_PROXY", usable)];
            assert_eq!(checked_https_proxy(lookup(&vars)), Ok(()), "{usable:?}");
        }
        for (unusable, why) in [
            ("http://us er:pw@proxy:3128", "not a URL"),
            (" http://pw@proxy:3128", "not a URL"),
            ("http://[::1:3128", "not a URL"),
            ("socks5://user:pw@proxy:1080", "SOCKS"),
            ("ftp://proxy:21", "scheme"),
            ("http://user:pw@proxy:99999", "port"),
            ("http://user:pw@proxy:0", "port"),
        ] {
            let vars = [("https_proxy", unusable)];
            let error = checked_https_proxy(lookup(&vars)).unwrap_err();
            assert_eq!(error.setting, Setting::Proxy);
            assert_eq!(error.origin, SettingSource::Environment("https_proxy"));
            let shown = error.to_string();
            assert!(shown.contains(why), "{unusable:?}: {shown}");
            assert!(!shown.contains("pw") && !shown.contains("proxy:"), "{shown}");
        }
        // The first one set is the proxy: a bad ALL_PROXY behind it is never read.
        let vars = [("HTTPS_PROXY", "http://proxy:3128"), ("ALL_PROXY", "socks5://x")];
        assert_eq!(checked_https_proxy(lookup(&vars)), Ok(()));
        let vars = [("HTTPS_PROXY", ""), ("ALL_PROXY", "socks5://x")];
        assert!(checked_https_proxy(lookup(&vars)).is_err(), "an empty value gives way");
        let vars = [("HTTPS_PROXY", "http://proxy:3128"), ("https_proxy", "socks5://x")];
        assert_eq!(checked_https_proxy(lookup(&vars)), Ok(()), "the first set is read");
    }

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
    }

    #[test]
    fn missing_key_names_the_environment_variable() {
        let error = Client::builder().from_lookup(lookup(&[])).build().unwrap_err();
        assert_eq!(error.setting, Setting::ApiKey);
        assert!(error.to_string().contains("EI_API_KEY"), "{error}");
    }

    #[test]
    fn plain_http_is_refused_unless_loopback_or_allowed() {
        let error = Client::builder().api_key("k").base_url("http://example.com/v1").build();
        let error = error.unwrap_err();
        assert_eq!(error.setting, Setting::InsecureHttp);
        assert!(error.to_string().contains("in clear"), "{error}");
        for url in ["http://127.0.0.1:1/v1", "http://localhost/v1", "http://[::1]:8/v1"] {
            Client::builder().api_key("k").base_url(url).build().unwrap();
        }
        Client::builder()
            .api_key("k")
            .base_url("http://example.com/v1")
            .allow_insecure_http(true)
            .build()
            .unwrap();
    }

    #[test]
    fn a_base_url_that_carries_credentials_is_refused_without_showing_them() {
        let error = Client::builder().api_key("k").base_url("https://me:s3cr3t@example.com/v1");
        let error = error.build().unwrap_err();
        assert_eq!(error.setting, Setting::BaseUrl);
        assert!(!error.to_string().contains("s3cr3t"), "{error}");
    }

    #[test]
    fn malformed_environment_settings_name_their_variable() {
        let vars = [("EI_API_KEY", "k"), ("EI_API_ENDPOINT", "not a url")];
        let error = Client::builder().from_lookup(lookup(&vars)).build().unwrap_err();
        assert_eq!(error.origin, SettingSource::Environment("EI_API_ENDPOINT"));
        assert!(error.to_string().contains("EI_API_ENDPOINT"), "{error}");

        let vars = [("EI_JWT", "t"), ("EI_JWT_TRANSPORT", "carrier-pigeon")];
        let error = Client::builder().from_lookup(lookup(&vars)).build().unwrap_err();
        assert_eq!(error.origin, SettingSource::Environment("EI_JWT_TRANSPORT"));

        let vars = [("EI_API_KEY", "bad\nkey")];
        let error = Client::builder().from_lookup(lookup(&vars)).build().unwrap_err();
        assert_eq!(error.origin, SettingSource::Environment("EI_API_KEY"));
        assert!(!error.to_string().contains("bad\nkey"));
    }

    #[test]
    fn debug_redacts_credentials() {
        let builder = Client::builder().api_key("ei_very_secret");
        assert!(!format!("{builder:?}").contains("very_secret"));
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("very_secret"));
    }
}
