//! The corrected OpenAPI document, read once, as the single source of every
//! expectation the suite has.
//!
//! By default it is the document `ei-api` was generated from
//! ([`ei_api::CORRECTED_OPENAPI_JSON`]). Setting `EI_CONFORMANCE_DOCUMENT` to
//! the path of another JSON document makes the whole suite judge the client
//! against that one instead: that is how a deliberate disagreement is tried
//! on a scratch copy without touching the checked-in document.

use ei_api::schema::Definitions;
use openapiv3::{OpenAPI, ReferenceOr, SecurityScheme};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// The environment variable naming a document to use instead of the embedded one.
pub const DOCUMENT_OVERRIDE: &str = "EI_CONFORMANCE_DOCUMENT";

/// The document, both as raw JSON (for schemas, which must be read exactly as
/// written, extensions included) and as typed OpenAPI (for structure).
#[derive(Debug)]
pub struct Document {
    raw: Value,
    spec: OpenAPI,
    source: String,
}

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        })
    }
}

/// A parameter of an operation, with references resolved.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// The name as the document spells it.
    pub name: String,
    /// Where it travels.
    pub location: Location,
    /// Whether the document requires it.
    pub required: bool,
    /// Its schema (an OpenAPI schema object, possibly a `$ref`).
    pub schema: Value,
}

/// The status a response is declared for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKey {
    /// One status, such as `200`.
    Code(u16),
    /// A class, such as `4XX` (holds the first digit).
    Range(u16),
    /// `default`: any status not declared otherwise.
    Default,
}

impl fmt::Display for StatusKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusKey::Code(code) => write!(f, "{code}"),
            StatusKey::Range(class) => write!(f, "{class}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

/// A response an operation declares.
#[derive(Clone, Debug)]
pub struct DeclaredResponse {
    /// The status it is declared for.
    pub status: StatusKey,
    /// The schema of its `application/json` body, if it has one.
    pub json_schema: Option<Value>,
    /// The media types its body may have.
    pub media_types: Vec<String>,
}

/// A request body an operation declares.
#[derive(Clone, Debug)]
pub struct DeclaredBody {
    /// Whether the body is required.
    pub required: bool,
    /// The media types it may be sent as, each with its schema if any.
    pub content: BTreeMap<String, Option<Value>>,
}

/// An operation of the document, with everything a request or response
/// check needs resolved.
#[derive(Clone, Debug)]
pub struct DeclaredOperation {
    /// The `operationId`.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template, such as `/api/organizations/{organizationId}/pipelines`.
    pub path: String,
    /// Path-level and operation-level parameters (the operation's win).
    pub parameters: Vec<Parameter>,
    /// The security requirements in force: any one of them authenticates.
    /// Each lists the names of the schemes it needs together.
    pub security: Vec<Vec<String>>,
    /// The request body, if the document defines one.
    pub body: Option<DeclaredBody>,
    /// The declared responses, in document order.
    pub responses: Vec<DeclaredResponse>,
}

impl DeclaredOperation {
    /// The parameter called `name`, if the operation declares one.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|parameter| parameter.name == name)
    }
}

impl Document {
    /// The document the suite judges against: the override when
    /// `EI_CONFORMANCE_DOCUMENT` is set, else the embedded corrected document.
    pub fn get() -> &'static Document {
        static DOCUMENT: OnceLock<Document> = OnceLock::new();
        DOCUMENT.get_or_init(|| match std::env::var(DOCUMENT_OVERRIDE) {
            Ok(path) => {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("{DOCUMENT_OVERRIDE}={path}: {error}"));
                Document::parse(&text, &path)
            }
            Err(_) => {
                Document::parse(ei_api::CORRECTED_OPENAPI_JSON, "ei_api::CORRECTED_OPENAPI_JSON")
            }
        })
    }

    /// Reads a document from its JSON text.
    pub fn parse(text: &str, source: &str) -> Document {
        let raw: Value = serde_json::from_str(text)
            .unwrap_or_else(|error| panic!("{source} is not JSON: {error}"));
        let spec: OpenAPI = serde_json::from_value(raw.clone())
            .unwrap_or_else(|error| panic!("{source} is not an OpenAPI 3.0 document: {error}"));
        Document { raw, spec, source: source.to_owned() }
    }

    /// Where the document was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The raw JSON of the document.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// `info.version`.
    pub fn version(&self) -> &str {
        &self.spec.info.version
    }

    /// The component schemas, by name, as written.
    pub fn component_schemas(&self) -> BTreeMap<String, Value> {
        self.raw["components"]["schemas"]
            .as_object()
            .map(|schemas| schemas.iter().map(|(name, schema)| (name.clone(), schema.clone())))
            .into_iter()
            .flatten()
            .collect()
    }

    /// The security schemes, by name.
    pub fn security_schemes(&self) -> BTreeMap<String, SecurityScheme> {
        let Some(components) = &self.spec.components else { return BTreeMap::new() };
        components
            .security_schemes
            .iter()
            .map(|(name, scheme)| (name.clone(), self.resolve_item(scheme, "securitySchemes")))
            .collect()
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> Vec<DeclaredOperation> {
        let mut operations = Vec::new();
        for (path, item) in self.spec.paths.iter() {
            let item = self.resolve_item(item, "pathItems");
            for (method, operation) in item.iter() {
                let mut parameters: Vec<Parameter> =
                    item.parameters.iter().map(|p| self.parameter(p)).collect();
                for parameter in operation.parameters.iter().map(|p| self.parameter(p)) {
                    parameters.retain(|p| {
                        (p.name.as_str(), p.location)
                            != (parameter.name.as_str(), parameter.location)
                    });
                    parameters.push(parameter);
                }
                let security = operation
                    .security
                    .as_ref()
                    .or(self.spec.security.as_ref())
                    .map(|requirements| {
                        requirements
                            .iter()
                            .map(|requirement| requirement.keys().cloned().collect())
                            .collect()
                    })
                    .unwrap_or_default();
                let body = operation.request_body.as_ref().map(|body| {
                    let body = self.resolve_item(body, "requestBodies");
                    DeclaredBody {
                        required: body.required,
                        content: body
                            .content
                            .iter()
                            .map(|(media, content)| (media.clone(), json(&content.schema)))
                            .collect(),
                    }
                });
                let mut responses = Vec::new();
                for (status, response) in &operation.responses.responses {
                    let status = match status {
                        openapiv3::StatusCode::Code(code) => StatusKey::Code(*code),
                        openapiv3::StatusCode::Range(class) => StatusKey::Range(*class),
                    };
                    responses.push(self.declared_response(status, response));
                }
                if let Some(response) = &operation.responses.default {
                    responses.push(self.declared_response(StatusKey::Default, response));
                }
                operations.push(DeclaredOperation {
                    id: operation.operation_id.clone().unwrap_or_else(|| {
                        panic!("{method} {path} has no operationId in {}", self.source)
                    }),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    parameters,
                    security,
                    body,
                    responses,
                });
            }
        }
        operations
    }

    /// The value a local reference (`#/...`) points at.
    pub fn pointer(&self, reference: &str) -> &Value {
        reference
            .strip_prefix('#')
            .and_then(|pointer| self.raw.pointer(pointer))
            .unwrap_or_else(|| panic!("{} has no {reference}", self.source))
    }

    fn parameter(&self, parameter: &ReferenceOr<openapiv3::Parameter>) -> Parameter {
        let parameter = self.resolve_item(parameter, "parameters");
        let (data, location) = match &parameter {
            openapiv3::Parameter::Path { parameter_data, .. } => (parameter_data, Location::Path),
            openapiv3::Parameter::Query { parameter_data, .. } => (parameter_data, Location::Query),
            openapiv3::Parameter::Header { parameter_data, .. } => {
                (parameter_data, Location::Header)
            }
            openapiv3::Parameter::Cookie { parameter_data, .. } => {
                (parameter_data, Location::Cookie)
            }
        };
        let schema = match &data.format {
            openapiv3::ParameterSchemaOrContent::Schema(schema) => to_json(schema),
            openapiv3::ParameterSchemaOrContent::Content(_) => {
                panic!("parameter {} uses `content`, which the suite does not read", data.name)
            }
        };
        Parameter { name: data.name.clone(), location, required: data.required, schema }
    }

    fn declared_response(
        &self,
        status: StatusKey,
        response: &ReferenceOr<openapiv3::Response>,
    ) -> DeclaredResponse {
        let response = self.resolve_item(response, "responses");
        let json_schema = response
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .and_then(|(_, content)| json(&content.schema));
        let media_types = response.content.keys().cloned().collect();
        DeclaredResponse { status, json_schema, media_types }
    }

    /// Resolves a reference to a component of kind `kind` (such as `parameters`).
    fn resolve_item<T: Clone + serde::de::DeserializeOwned>(
        &self,
        item: &ReferenceOr<T>,
        kind: &str,
    ) -> T {
        match item {
            ReferenceOr::Item(item) => item.clone(),
            ReferenceOr::Reference { reference } => {
                let prefix = format!("#/components/{kind}/");
                assert!(reference.starts_with(&prefix), "{reference} is not a {kind} reference");
                serde_json::from_value(self.pointer(reference).clone())
                    .unwrap_or_else(|error| panic!("{reference}: {error}"))
            }
        }
    }
}

impl Definitions for Document {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.raw.get("components")?.get("schemas")?.get(name)
    }
}

/// Whether a media type is JSON (`application/json`, `application/problem+json`).
pub fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}

fn json(schema: &Option<ReferenceOr<openapiv3::Schema>>) -> Option<Value> {
    schema.as_ref().map(to_json)
}

fn to_json(schema: &ReferenceOr<openapiv3::Schema>) -> Value {
    serde_json::to_value(schema).expect("a schema serializes")
}
