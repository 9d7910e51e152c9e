//! Where a step's secret comes from: an environment variable named in a
//! file, or the value the server holds, kept in memory only.

use ei_api::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret of a step definition (`projectApiKey`, `projectHmacKey`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// `${NAME}` in a file: the value of environment variable `NAME`, read
    /// when applying.
    Env(String),
    /// A value held in memory (read from the server); never serialized.
    Held(SecretString),
}

impl SecretSource {
    /// The placeholder a file writes for environment variable `name`.
    pub fn placeholder(name: &str) -> String {
        format!("${{{name}}}")
    }

    /// The variable a placeholder names, if `text` is one (`${NAME}`, NAME of
    /// ASCII letters, digits and `_`, not starting with a digit).
    pub fn variable_of(text: &str) -> Option<&str> {
        let name = text.strip_prefix("${")?.strip_suffix('}')?;
        let mut chars = name.chars();
        let first = chars.next()?;
        let valid = (first.is_ascii_alphabetic() || first == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        valid.then_some(name)
    }

    /// The value: the environment variable's, or the one held; `Err` names
    /// a variable that is not set (or not Unicode).
    pub fn resolve(&self) -> Result<SecretString, String> {
        match self {
            SecretSource::Env(name) => {
                std::env::var(name).map(SecretString::new).map_err(|_| name.clone())
            }
            SecretSource::Held(value) => Ok(value.clone()),
        }
    }
}

impl Serialize for SecretSource {
    /// Writes `${NAME}`; a held value is refused, so that a secret can
    /// never reach a file or an output by serialization.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SecretSource::Env(name) => serializer.serialize_str(&Self::placeholder(name)),
            SecretSource::Held(_) => Err(serde::ser::Error::custom(
                "a secret's value is never serialized: write it as a ${NAME} placeholder",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match Self::variable_of(&text) {
            Some(name) => SecretSource::Env(name.to_owned()),
            None => SecretSource::Held(SecretString::new(text)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_names_a_variable_and_anything_else_is_a_value() {
        assert_eq!(SecretSource::variable_of("${EI_KEY_1}"), Some("EI_KEY_1"));
        for not in ["$EI", "${}", "${1A}", "${A-B}", "ei_0123", "${A} "] {
            assert_eq!(SecretSource::variable_of(not), None, "{not}");
        }
        let held: SecretSource = serde_json::from_str("\"ei_0123\"").unwrap();
        assert!(matches!(held, SecretSource::Held(_)));
        assert!(serde_json::to_string(&held).is_err());
        assert!(!format!("{held:?}").contains("ei_0123"));
        let env: SecretSource = serde_json::from_str("\"${KEY}\"").unwrap();
        assert_eq!(serde_json::to_string(&env).unwrap(), "\"${KEY}\"");
    }
}
