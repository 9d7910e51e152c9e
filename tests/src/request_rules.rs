//! What the document allows a request to be, checked on a recorded request.
//!
//! Every rule reads the document: the operation is found by method and path
//! template; path, query, header and cookie values are decoded and judged
//! against their parameter schemas; required parameters must be there and
//! undeclared ones must not; the credential must satisfy one of the
//! operation's security requirements; a body must be one the document
//! defines, and there must be none where it defines none. The only names
//! not read from the document are the headers HTTP itself needs
//! ([`TRANSPORT_HEADERS`]) and the `api-version` header progenitor adds,
//! whose value must be the document's `info.version`.

use crate::document::{is_json, DeclaredOperation, Document, Location, Parameter};
use crate::json_schema::Judge;
use crate::wire::RecordedRequest;
use ei_api::match_path_template;
use ei_api::schema::View;
use openapiv3::{APIKeyLocation, SecurityScheme};
use percent_encoding::percent_decode_str;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Headers that belong to HTTP rather than to the API, which no document
/// declares.
pub const TRANSPORT_HEADERS: &[&str] =
    &["host", "accept-encoding", "user-agent", "connection", "te", "content-length"];

/// The header progenitor sends on every request, carrying `info.version`.
pub const API_VERSION_HEADER: &str = "api-version";

/// What checking a request found.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// The operation the request is for, if one matched.
    pub operation_id: Option<String>,
    /// The parameters the request carries, decoded, by location and name.
    pub parameters: BTreeMap<(Location, String), Value>,
    /// The security schemes whose credential the request carries, with the
    /// credential's value.
    pub credentials: BTreeMap<String, String>,
    /// Everything the document does not allow, in words.
    pub violations: Vec<String>,
}

/// Checks `request` against `document`.
pub fn check(document: &Document, request: &RecordedRequest) -> Checked {
    let mut checked = Checked::default();
    let operations = document.operations();
    let path = request.path();
    let Some((operation, path_values)) = find_operation(&operations, &request.method, path) else {
        let known: Vec<String> =
            operations.iter().map(|op| format!("{} {}", op.method, op.path)).collect();
        checked.violations.push(format!(
            "no operation in the document matches {} {path} (it has: {})",
            request.method,
            known.join("; ")
        ));
        return checked;
    };
    checked.operation_id = Some(operation.id.clone());
    let schemes = document.security_schemes();
    let mut violations = Vec::new();

    // Path parameters.
    for (name, raw) in &path_values {
        let decoded = percent_decode_str(raw).decode_utf8_lossy().into_owned();
        match operation.parameters.iter().find(|p| p.location == Location::Path && &p.name == name)
        {
            Some(parameter) => {
                let value = judge_value(document, parameter, &[decoded], &mut violations);
                checked.parameters.insert((Location::Path, name.clone()), value);
            }
            None => violations.push(format!("path segment {{{name}}} is not a declared parameter")),
        }
    }

    // Query parameters.
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(request.query().unwrap_or_default().as_bytes()) {
        query.entry(name.into_owned()).or_default().push(value.into_owned());
    }
    // Cookies.
    let mut cookies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for header in request.header_values("cookie") {
        for pair in header.split(';').map(str::trim).filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            cookies.entry(name.to_owned()).or_default().push(value.to_owned());
        }
    }
    // Headers, by lower-case name.
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &request.headers {
        headers.entry(name.to_ascii_lowercase()).or_default().push(value.clone());
    }

    // Credentials: which schemes the request carries, and where they travel.
    let mut credential_places: BTreeSet<(Location, String)> = BTreeSet::new();
    let in_force: BTreeSet<&String> = operation.security.iter().flatten().collect();
    for name in &in_force {
        let Some(scheme) = schemes.get(*name) else {
            violations.push(format!("security requirement names unknown scheme {name}"));
            continue;
        };
        let (place, value) = match scheme {
            SecurityScheme::APIKey { location, name: key, .. } => {
                let (place, values) = match location {
                    APIKeyLocation::Header => {
                        (Location::Header, headers.get(&key.to_ascii_lowercase()))
                    }
                    APIKeyLocation::Query => (Location::Query, query.get(key)),
                    APIKeyLocation::Cookie => (Location::Cookie, cookies.get(key)),
                };
                let name = match place {
                    Location::Header => key.to_ascii_lowercase(),
                    _ => key.clone(),
                };
                ((place, name), values.and_then(|values| values.first()).cloned())
            }
            SecurityScheme::HTTP { scheme: http, .. } => {
                let prefix = format!("{} ", capitalized(http));
                let value = headers.get("authorization").and_then(|values| {
                    values.iter().find_map(|value| value.strip_prefix(&prefix).map(str::to_owned))
                });
                ((Location::Header, "authorization".into()), value)
            }
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
                let value = headers.get("authorization").and_then(|values| {
                    values.iter().find_map(|value| value.strip_prefix("Bearer ").map(str::to_owned))
                });
                ((Location::Header, "authorization".into()), value)
            }
        };
        credential_places.insert(place);
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            checked.credentials.insert((*name).clone(), value);
        }
    }
    let authenticated = operation.security.is_empty()
        || operation.security.iter().any(|requirement| {
            requirement.iter().all(|name| checked.credentials.contains_key(name))
        });
    if !authenticated {
        violations.push(format!(
            "no security requirement is met: the document accepts any one of {:?}, the request carries {:?}",
            operation.security,
            checked.credentials.keys().collect::<Vec<_>>()
        ));
    }

    // Every declared query, header and cookie parameter: present when
    // required, judged when present.
    for parameter in &operation.parameters {
        let values = match parameter.location {
            Location::Path => continue,
            Location::Query => query.get(&parameter.name),
            Location::Header => headers.get(&parameter.name.to_ascii_lowercase()),
            Location::Cookie => cookies.get(&parameter.name),
        };
        match values {
            Some(values) => {
                let value = judge_value(document, parameter, values, &mut violations);
                checked.parameters.insert((parameter.location, parameter.name.clone()), value);
            }
            None if parameter.required => violations.push(format!(
                "required {} parameter {} is missing",
                parameter.location, parameter.name
            )),
            None => {}
        }
    }

    // Nothing undeclared.
    let declared = |location: Location, name: &str| {
        credential_places.contains(&(location, name.to_owned()))
            || operation.parameters.iter().any(|p| {
                p.location == location
                    && match location {
                        Location::Header => p.name.eq_ignore_ascii_case(name),
                        _ => p.name == name,
                    }
            })
    };
    for name in query.keys() {
        if !declared(Location::Query, name) {
            violations
                .push(format!("query parameter {name:?} is not declared by {}", operation.id));
        }
    }
    for name in cookies.keys() {
        if !declared(Location::Cookie, name) {
            violations.push(format!("cookie {name:?} is not declared by {}", operation.id));
        }
    }
    for (name, values) in &headers {
        let allowed = TRANSPORT_HEADERS.contains(&name.as_str())
            || declared(Location::Header, name)
            || (name == "cookie" && !cookies.is_empty())
            || (name == "content-type" && operation.body.is_some());
        if name == API_VERSION_HEADER {
            if values.iter().any(|value| value != document.version()) {
                violations.push(format!(
                    "{API_VERSION_HEADER} is {values:?}, the document's version is {:?}",
                    document.version()
                ));
            }
        } else if name == "accept" {
            check_accept(operation, values, &mut violations);
        } else if !allowed {
            violations.push(format!("header {name:?} is not declared by {}", operation.id));
        }
    }

    check_body(document, operation, request, &headers, &mut violations);
    checked.violations = violations;
    checked
}

/// The operation whose method and path template match, with the raw value
/// of each template variable. A template with more literal segments wins.
fn find_operation<'a>(
    operations: &'a [DeclaredOperation],
    method: &str,
    path: &str,
) -> Option<(&'a DeclaredOperation, Vec<(String, String)>)> {
    operations
        .iter()
        .filter(|operation| operation.method.eq_ignore_ascii_case(method))
        .filter_map(|operation| {
            let values = match_path_template(&operation.path, path)?;
            let literals = operation.path.split('/').count() - values.len();
            let values =
                values.into_iter().map(|(name, value)| (name.to_owned(), value.to_owned()));
            Some((literals, operation, values.collect()))
        })
        .max_by_key(|(literals, _, _)| *literals)
        .map(|(_, operation, values)| (operation, values))
}

/// Decodes the raw strings of a parameter into the JSON value its schema
/// describes, judges it, and returns it.
fn judge_value(
    document: &Document,
    parameter: &Parameter,
    raw: &[String],
    violations: &mut Vec<String>,
) -> Value {
    let view = View::of(document, &parameter.schema);
    let value = if view.kind == Some("array") {
        let items = View::of(document, view.items.unwrap_or(&Value::Null));
        let parts: Vec<&str> = match parameter.location {
            Location::Query if raw.len() > 1 => raw.iter().map(String::as_str).collect(),
            _ => raw.first().map(|raw| raw.split(',').collect()).unwrap_or_default(),
        };
        Value::Array(parts.into_iter().map(|part| scalar(&items, part)).collect())
    } else {
        if raw.len() > 1 {
            violations.push(format!(
                "{} parameter {} is sent {} times",
                parameter.location,
                parameter.name,
                raw.len()
            ));
        }
        scalar(&view, raw.first().map(String::as_str).unwrap_or_default())
    };
    if let Err(reasons) = Judge::new(document, &parameter.schema).verdict(&value) {
        violations.push(format!(
            "{} parameter {} = {value} does not match its schema: {}",
            parameter.location,
            parameter.name,
            reasons.join("; ")
        ));
    }
    value
}

/// A string from the wire as the JSON value of a scalar schema; a string
/// that does not parse as the schema's type stays a string, to be judged
/// (and refused) as one.
fn scalar(view: &View<'_>, raw: &str) -> Value {
    match view.kind {
        Some("integer") | Some("number") => match serde_json::from_str::<Value>(raw) {
            Ok(number @ Value::Number(_)) => number,
            _ => Value::String(raw.to_owned()),
        },
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_owned()),
        },
        _ => Value::String(raw.to_owned()),
    }
}

/// `Accept` must admit a media type of one of the operation's responses.
fn check_accept(operation: &DeclaredOperation, values: &[String], violations: &mut Vec<String>) {
    let declared: BTreeSet<&str> = operation
        .responses
        .iter()
        .flat_map(|response| response.media_types.iter().map(String::as_str))
        .collect();
    for range in values.iter().flat_map(|value| value.split(',')) {
        let range = range.split(';').next().unwrap_or_default().trim();
        let admits = |media: &&str| {
            range == "*/*"
                || range.eq_ignore_ascii_case(media)
                || range
                    .strip_suffix("/*")
                    .is_some_and(|kind| media.split('/').next() == Some(kind))
        };
        if !declared.iter().any(admits) {
            violations.push(format!(
                "Accept asks for {range}, which no response of {} has (it declares {declared:?})",
                operation.id
            ));
        }
    }
}

/// A body only where the document defines one, of a declared media type and
/// valid for its schema.
fn check_body(
    document: &Document,
    operation: &DeclaredOperation,
    request: &RecordedRequest,
    headers: &BTreeMap<String, Vec<String>>,
    violations: &mut Vec<String>,
) {
    let content_type = headers.get("content-type").and_then(|values| values.first());
    let Some(body) = &operation.body else {
        if !request.body.is_empty() {
            violations.push(format!(
                "{} defines no request body, the request has {} bytes",
                operation.id,
                request.body.len()
            ));
        }
        if let Some(content_type) = content_type {
            violations.push(format!(
                "{} defines no request body, the request says Content-Type {content_type}",
                operation.id
            ));
        }
        if headers.contains_key("transfer-encoding") {
            violations
                .push(format!("{} defines no request body, the request is chunked", operation.id));
        }
        return;
    };
    if request.body.is_empty() {
        if body.required {
            violations.push(format!("{} requires a body, the request has none", operation.id));
        }
        return;
    }
    let Some(content_type) = content_type else {
        violations.push("the request has a body but no Content-Type".into());
        return;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    match body.content.iter().find(|(media, _)| media.eq_ignore_ascii_case(essence)) {
        None => violations.push(format!(
            "Content-Type {essence} is not one of {:?}",
            body.content.keys().collect::<Vec<_>>()
        )),
        Some((media, Some(schema))) if is_json(media) => {
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(value) => {
                    if let Err(reasons) = Judge::new(document, schema).verdict(&value) {
                        violations.push(format!("the body does not match: {}", reasons.join("; ")));
                    }
                }
                Err(error) => violations.push(format!("the body is not JSON: {error}")),
            }
        }
        Some(_) => {}
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
