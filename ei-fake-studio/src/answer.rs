//! An answer to a request: a status and a JSON body built from the vendor's
//! typed models, kept as JSON (with the name of its schema) until it is sent,
//! so that faults can alter it in terms of the document.

use crate::built::built;
use crate::payload::Payload;
use chrono::{DateTime, SecondsFormat};
use ei_api::schema::{self, CorrectedSchemas, View};
use ei_api::types::{
    EntityCreatedResponse, GenericApiResponse, GetJobResponse, GetOrganizationPipelinesResponse,
    ListOrganizationPipelinesResponse, LogStdoutResponse, OrganizationCreateProjectStatusResponse,
    RunOrganizationPipelineResponse,
};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};

/// A response model and the name of its schema in the corrected document.
pub(crate) trait Body: Serialize {
    /// The schema's name under `components.schemas`.
    const SCHEMA: &'static str;
}

impl Body for GenericApiResponse {
    const SCHEMA: &'static str = "GenericApiResponse";
}

impl Body for EntityCreatedResponse {
    const SCHEMA: &'static str = "EntityCreatedResponse";
}

impl Body for RunOrganizationPipelineResponse {
    const SCHEMA: &'static str = "RunOrganizationPipelineResponse";
}

impl Body for GetOrganizationPipelinesResponse {
    const SCHEMA: &'static str = "GetOrganizationPipelinesResponse";
}

impl Body for ListOrganizationPipelinesResponse {
    const SCHEMA: &'static str = "ListOrganizationPipelinesResponse";
}

impl Body for OrganizationCreateProjectStatusResponse {
    const SCHEMA: &'static str = "OrganizationCreateProjectStatusResponse";
}

impl Body for GetJobResponse {
    const SCHEMA: &'static str = "GetJobResponse";
}

impl Body for LogStdoutResponse {
    const SCHEMA: &'static str = "LogStdoutResponse";
}

/// A JSON answer.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The name of the body's schema.
    pub(crate) schema: &'static str,
    /// The body.
    pub(crate) body: Value,
}

impl Answer {
    /// An answer with `model` as its body.
    pub(crate) fn new<B: Body>(status: StatusCode, model: &B) -> Self {
        let body = serde_json::to_value(model).expect("the models serialize to JSON");
        let mut answer = Self { status, schema: B::SCHEMA, body };
        answer.write_dates_with_milliseconds();
        answer
    }

    /// A 200 answer with `model` as its body.
    pub(crate) fn ok<B: Body>(model: &B) -> Self {
        Self::new(StatusCode::OK, model)
    }

    /// A failure: `{"success":false,"error":message}` with `status`.
    pub(crate) fn failure(status: StatusCode, message: impl Into<String>) -> Self {
        let failure = GenericApiResponse::builder().success(false).error(message.into());
        Self::new(status, &built::<GenericApiResponse>(failure))
    }

    /// Calls `visit` on every object of the body that its schema describes
    /// with properties ([`schema::visit_objects`]), with the object's view.
    pub(crate) fn visit_objects(
        &mut self,
        visit: &mut dyn FnMut(&mut Map<String, Value>, &View<'static>),
    ) {
        let schemas = CorrectedSchemas::get();
        let schema = schemas.schema(self.schema).expect("every answer's schema is in the document");
        schema::visit_objects(schemas, schema, &mut self.body, visit);
    }

    /// Rewrites every `date-time` property with exactly three fractional
    /// digits, as the vendor's (JavaScript) server writes dates; the models'
    /// own encoding drops the fraction of a whole second.
    fn write_dates_with_milliseconds(&mut self) {
        self.visit_objects(&mut |object, view| {
            let dates = view.property_views(CorrectedSchemas::get());
            for date in dates.filter(|property| property.view.format == Some("date-time")) {
                if let Some(Value::String(date)) = object.get_mut(date.name) {
                    let parsed =
                        DateTime::parse_from_rfc3339(date).expect("the models write RFC 3339");
                    *date = parsed.to_utc().to_rfc3339_opts(SecondsFormat::Millis, true);
                }
            }
        });
    }

    /// The body as bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body).expect("JSON values serialize")
    }
}

/// What is sent back: an answer as bytes, or whatever a fault made of it.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The `Content-Type`.
    pub(crate) content_type: HeaderValue,
    /// Headers a fault adds (`Retry-After`, `Location`).
    pub(crate) headers: HeaderMap,
    /// The body.
    pub(crate) payload: Payload,
    /// The `Date` header it carries.
    pub(crate) date: DateHeader,
}

/// The `Date` header of a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateHeader {
    /// The studio's clock, as every answer of a real server has.
    Studio,
    /// None at all (a server with no clock).
    Absent,
    /// A clock this many seconds ahead of the studio's (behind when negative).
    Skewed(i64),
}

/// The content type of every JSON answer.
const JSON_CONTENT_TYPE: &str = "application/json";

impl Reply {
    /// `body` sent with `status` as JSON.
    pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Self {
        let content_type = HeaderValue::from_static(JSON_CONTENT_TYPE);
        let payload = Payload::Complete(body);
        Self { status, content_type, headers: HeaderMap::new(), payload, date: DateHeader::Studio }
    }
}

impl From<Answer> for Reply {
    fn from(answer: Answer) -> Self {
        Self::json(answer.status, answer.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use ei_api::types::OrganizationPipelineRun;

    #[test]
    fn dates_have_milliseconds_even_on_a_whole_second() {
        let run = OrganizationPipelineRun::builder()
            .created(Utc.timestamp_opt(1_717_401_600, 0).unwrap())
            .finished(Utc.timestamp_opt(1_717_401_601, 250_000_000).unwrap())
            .id(1)
            .steps(Vec::new());
        let answer = Answer::ok(&built::<RunOrganizationPipelineResponse>(
            RunOrganizationPipelineResponse::builder().pipeline_run(run).success(true),
        ));
        assert_eq!(answer.body["pipelineRun"]["created"], "2024-06-03T08:00:00.000Z");
        assert_eq!(answer.body["pipelineRun"]["finished"], "2024-06-03T08:00:01.250Z");
    }
}
