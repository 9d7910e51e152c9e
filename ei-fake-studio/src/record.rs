//! What the studio saw: a record of every request it received.

use crate::auth::CredentialKind;
use ei_api::Operation;
use tokio::time::Instant;

/// A request the studio received, as [`FakeStudio::requests`](crate::FakeStudio::requests)
/// shows it. Credentials are recorded by kind only, never by value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method (`"GET"`, `"POST"`).
    pub method: String,
    /// The path, without the query string (`"/v1/api/organizations/1/pipelines/1"`).
    pub path: String,
    /// The query string without its `?`, if the request had one.
    pub query: Option<String>,
    /// The kind of credential the request carried: the one that authenticated
    /// it, or else the first one it carried.
    pub credential: CredentialKind,
    /// The operation the path and method name, if any.
    pub operation: Option<Operation>,
    /// When the request arrived (tokio time).
    pub received: Instant,
}
