//! A credential the server sends, kept out of `Debug` and `Display`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret string (`projectApiKey`, `projectHmacKey`), in a response or in
/// a pipeline definition sent to create or update a pipeline.
///
/// `Debug` and `Display` print a placeholder; only [`SecretString::expose`]
/// gives the value. Serializing writes the real value, so that a request
/// carries it and a response re-encodes faithfully: code that prints models
/// as JSON must redact them (the names of such properties are in
/// [`SecretString::PROPERTY_NAMES`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

/// What `Debug` and `Display` print instead of a secret.
const REDACTED: &str = "<redacted>";

impl SecretString {
    /// The JSON property names whose values are secrets.
    pub const PROPERTY_NAMES: &'static [&'static str] = &["projectApiKey", "projectHmacKey"];

    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretString({REDACTED})")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for SecretString {
    fn schema_name() -> String {
        "SecretString".to_owned()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("password".to_owned()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = SecretString::new("hmac-0123");
        assert_eq!(format!("{secret:?}"), "SecretString(<redacted>)");
        assert_eq!(secret.to_string(), "<redacted>");
        assert_eq!(secret.expose(), "hmac-0123");
    }

    #[test]
    fn a_definition_sent_carries_the_keys_and_its_debug_hides_them() {
        let step = crate::types::OrganizationPipelineStep::builder()
            .name("upload")
            .project_api_key(Some(SecretString::new("ei_key_0123")))
            .project_hmac_key(Some(SecretString::new("hmac_4567")));
        let body: crate::types::OrganizationUpdatePipelineBody =
            crate::types::OrganizationUpdatePipelineBody::builder()
                .name("p")
                .description("")
                .steps(vec![step.try_into().unwrap()])
                .email_recipient_uids(Vec::new())
                .when_to_email(crate::enums::OrganizationUpdatePipelineBodyWhenToEmail::Never)
                .try_into()
                .unwrap();
        let sent = serde_json::to_string(&body).unwrap();
        assert!(sent.contains("\"projectApiKey\":\"ei_key_0123\""), "{sent}");
        assert!(sent.contains("\"projectHmacKey\":\"hmac_4567\""), "{sent}");
        let shown = format!("{body:?}");
        assert!(!shown.contains("ei_key_0123") && !shown.contains("hmac_4567"), "{shown}");
    }

    #[test]
    fn round_trips_through_json() {
        let secret: SecretString = serde_json::from_str("\"k\"").unwrap();
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"k\"");
    }
}
