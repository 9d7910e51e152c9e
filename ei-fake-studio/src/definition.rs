//! The definitions a studio holds, as create and update send them: reading
//! and checking one, and the configuration the pipeline's later runs take
//! from it.

use crate::config::{PipelineSpec, ProjectKeys, StepSpec};
use ei_api::types::OrganizationUpdatePipelineBody;

/// The definition in a create or update body, or what is wrong with it: a
/// body that is not JSON, lacks a required property or has one of another
/// type, a value no enum of the document lists, or a schedule
/// (`intervalStr`) not of the document's form (a positive count of `m`,
/// `h` or `d`: "15m", "2h", "1d").
pub(crate) fn read(body: &[u8]) -> Result<OrganizationUpdatePipelineBody, String> {
    let definition: OrganizationUpdatePipelineBody = serde_json::from_slice(body)
        .map_err(|error| format!("The pipeline definition is invalid: {error}"))?;
    let mut unlisted = Vec::new();
    if !definition.when_to_email.is_known() {
        unlisted.push(("whenToEmail".to_owned(), definition.when_to_email.as_str().to_owned()));
    }
    for (index, step) in definition.steps.iter().enumerate() {
        let at = |name: &str| format!("steps[{index}].{name}");
        if let Some(category) = step.category.as_ref().filter(|value| !value.is_known()) {
            unlisted.push((at("category"), category.as_str().to_owned()));
        }
        if let Some(upload_type) = step.upload_type.as_ref().filter(|value| !value.is_known()) {
            unlisted.push((at("uploadType"), upload_type.as_str().to_owned()));
        }
        let rule = step.output_dataset_path_rule.as_ref().filter(|value| !value.is_known());
        if let Some(rule) = rule {
            unlisted.push((at("outputDatasetPathRule"), rule.as_str().to_owned()));
        }
    }
    if let Some((name, value)) = unlisted.first() {
        return Err(format!("The pipeline definition is invalid: {name} cannot be '{value}'"));
    }
    if let Some(interval) = definition.interval_str.as_deref().filter(|i| !is_interval(i)) {
        return Err(format!(
            "The pipeline definition is invalid: intervalStr '{interval}' is not a number of minutes, hours or days (15m, 2h, 1d)"
        ));
    }
    Ok(definition)
}

/// Whether `text` is a schedule of the document's form: a positive count
/// followed by `m`, `h` or `d`.
fn is_interval(text: &str) -> bool {
    let Some(count) = text.strip_suffix(['m', 'h', 'd']) else { return false };
    !count.is_empty()
        && count.bytes().all(|byte| byte.is_ascii_digit())
        && count.parse::<u32>().is_ok_and(|count| count > 0)
}

/// The configuration later runs of `spec`'s pipeline take from
/// `definition`: its name, and a step per defined step, with its project and
/// keys. A step keeps how it runs (duration, files, failures) when the step
/// at its place keeps its name; a new one runs as [`StepSpec::new`] does.
pub(crate) fn respec(
    spec: &PipelineSpec,
    definition: &OrganizationUpdatePipelineBody,
) -> PipelineSpec {
    let steps = definition.steps.iter().enumerate().map(|(index, defined)| {
        let kept = spec.steps.get(index).filter(|step| step.name == defined.name);
        let mut step = kept.cloned().unwrap_or_else(|| StepSpec::new(defined.name.clone()));
        step.project_id = defined.project_id;
        step.project_keys = match (&defined.project_api_key, &defined.project_hmac_key) {
            (Some(api_key), Some(hmac_key)) => Some(ProjectKeys {
                api_key: api_key.expose().to_owned(),
                hmac_key: hmac_key.expose().to_owned(),
            }),
            _ => None,
        };
        step
    });
    PipelineSpec { name: definition.name.clone(), steps: steps.collect(), ..spec.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        r#"{"name":"p","description":"","steps":[],"emailRecipientUids":[],"whenToEmail":"never"}"#;

    #[test]
    fn a_minimal_definition_is_read() {
        let definition = read(MINIMAL.as_bytes()).unwrap();
        assert_eq!(definition.name, "p");
    }

    #[test]
    fn a_missing_property_an_unlisted_value_or_a_bad_schedule_is_refused() {
        let missing =
            read(br#"{"name":"p","steps":[],"emailRecipientUids":[],"whenToEmail":"never"}"#);
        assert!(missing.unwrap_err().contains("description"));
        let unlisted = MINIMAL.replace("never", "sometimes");
        assert!(read(unlisted.as_bytes())
            .unwrap_err()
            .contains("whenToEmail cannot be 'sometimes'"));
        let step = MINIMAL.replace(r#""steps":[]"#, r#""steps":[{"name":"s","category":"x"}]"#);
        assert!(read(step.as_bytes()).unwrap_err().contains("steps[0].category"));
        for interval in ["0m", "15", "m", "1w", "-1d", "1.5h"] {
            let text = MINIMAL
                .replace(r#""name":"p""#, &format!(r#""name":"p","intervalStr":"{interval}""#));
            assert!(read(text.as_bytes()).unwrap_err().contains("intervalStr"), "{interval}");
        }
        let daily = MINIMAL.replace(r#""name":"p""#, r#""name":"p","intervalStr":"1d""#);
        assert_eq!(read(daily.as_bytes()).unwrap().interval_str.as_deref(), Some("1d"));
        assert!(read(b"not json").is_err());
    }
}
