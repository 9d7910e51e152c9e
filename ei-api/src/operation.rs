//! The operations of the corrected document, by name: the one list the
//! rest of the workspace (errors, traces, the fake Studio, the conformance
//! suite) names them from. A test checks it against the document both ways.

use http::Method;
use std::fmt::Display;

/// An operation of the API: its `operationId`, method and path template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `runOrganizationPipeline`: start a run of a pipeline.
    Run,
    /// `getOrganizationPipeline`: a pipeline, with its current and last run.
    Get,
    /// `stopOrganizationPipeline`: stop a pipeline's run.
    Stop,
    /// `listOrganizationPipelines`: an organization's pipelines.
    List,
    /// `createOrganizationPipeline`: a new pipeline from a definition.
    Create,
    /// `updateOrganizationPipeline`: replace a pipeline's whole definition.
    Update,
    /// `deleteOrganizationPipeline`: delete a pipeline.
    Delete,
    /// `listArchivedOrganizationPipelines`: an organization's archived pipelines.
    ListArchived,
    /// `getOrganizationCreateProjectStatus`: a step's transformation job and its files.
    TransformationJobStatus,
    /// `getOrganizationJobStatus`: a job's status.
    JobStatus,
    /// `getOrganizationJobsLogs`: a job's log.
    JobLogs,
}

impl Operation {
    /// Every operation of the corrected document.
    pub const ALL: &'static [Operation] = &[
        Operation::Run,
        Operation::Get,
        Operation::Stop,
        Operation::List,
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::ListArchived,
        Operation::TransformationJobStatus,
        Operation::JobStatus,
        Operation::JobLogs,
    ];

    /// The document's `operationId`.
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::Run => "runOrganizationPipeline",
            Operation::Get => "getOrganizationPipeline",
            Operation::Stop => "stopOrganizationPipeline",
            Operation::List => "listOrganizationPipelines",
            Operation::Create => "createOrganizationPipeline",
            Operation::Update => "updateOrganizationPipeline",
            Operation::Delete => "deleteOrganizationPipeline",
            Operation::ListArchived => "listArchivedOrganizationPipelines",
            Operation::TransformationJobStatus => "getOrganizationCreateProjectStatus",
            Operation::JobStatus => "getOrganizationJobStatus",
            Operation::JobLogs => "getOrganizationJobsLogs",
        }
    }

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Operation::Run | Operation::Stop | Operation::Create | Operation::Update => {
                Method::POST
            }
            Operation::Delete => Method::DELETE,
            Operation::Get
            | Operation::List
            | Operation::ListArchived
            | Operation::TransformationJobStatus
            | Operation::JobStatus
            | Operation::JobLogs => Method::GET,
        }
    }

    /// The document's path, below the server's base URL, with its
    /// parameters as `{name}` segments.
    pub fn path_template(self) -> &'static str {
        match self {
            Operation::Run => "/api/organizations/{organizationId}/pipelines/{pipelineId}/run",
            Operation::Get => "/api/organizations/{organizationId}/pipelines/{pipelineId}",
            Operation::Stop => "/api/organizations/{organizationId}/pipelines/{pipelineId}/stop",
            Operation::List | Operation::Create => "/api/organizations/{organizationId}/pipelines",
            Operation::Update | Operation::Delete => {
                "/api/organizations/{organizationId}/pipelines/{pipelineId}"
            }
            Operation::ListArchived => "/api/organizations/{organizationId}/pipelines/archived",
            Operation::TransformationJobStatus => {
                "/api/organizations/{organizationId}/create-project/{createProjectId}"
            }
            Operation::JobStatus => "/api/organizations/{organizationId}/jobs/{jobId}/status",
            Operation::JobLogs => "/api/organizations/{organizationId}/jobs/{jobId}/stdout",
        }
    }

    /// This operation's path with `values` in place of its parameters, in
    /// the template's order (`{organizationId}` first). A parameter left
    /// without a value keeps its `{name}`; values beyond the parameters are
    /// not used.
    pub fn path<Value: Display>(self, values: impl IntoIterator<Item = Value>) -> String {
        let mut values = values.into_iter();
        let segments = self.path_template().split('/').map(|segment| {
            let value = parameter_name(segment).and_then(|_| values.next());
            value.map_or_else(|| segment.to_owned(), |value| value.to_string())
        });
        segments.collect::<Vec<_>>().join("/")
    }

    /// The values `path` gives this operation's path parameters
    /// ([`match_path_template`] of its [`path_template`](Self::path_template)).
    pub fn match_path(self, path: &str) -> Option<Vec<(&'static str, &str)>> {
        match_path_template(self.path_template(), path)
    }
}

/// The values `path` gives the parameters of a path `template` (`{name}`
/// segments), in the template's order, each with its name; `None` unless
/// `path` has the template's shape: the same literal segments, and one
/// non-empty segment for each parameter.
pub fn match_path_template<'t, 'p>(
    template: &'t str,
    path: &'p str,
) -> Option<Vec<(&'t str, &'p str)>> {
    let mut expected = template.split('/');
    let mut segments = path.split('/');
    let mut values = Vec::new();
    loop {
        match (expected.next(), segments.next()) {
            (None, None) => return Some(values),
            (Some(expected), Some(segment)) => match parameter_name(expected) {
                Some(_) if segment.is_empty() => return None,
                Some(name) => values.push((name, segment)),
                None if expected == segment => {}
                None => return None,
            },
            _ => return None,
        }
    }
}

/// The parameter a template segment stands for (`{name}`), if it is one.
fn parameter_name(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// `(operationId, METHOD, path)` of every operation the corrected document declares.
    fn document_operations() -> BTreeSet<(String, String, String)> {
        let document: Value = serde_json::from_str(crate::CORRECTED_OPENAPI_JSON).unwrap();
        let paths = document["paths"].as_object().expect("the document has paths");
        let mut operations = BTreeSet::new();
        for (path, item) in paths {
            for (method, operation) in item.as_object().expect("a path item is an object") {
                if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                    operations.insert((id.to_owned(), method.to_uppercase(), path.clone()));
                }
            }
        }
        operations
    }

    #[test]
    fn the_operations_are_exactly_the_documents_with_their_methods_and_paths() {
        let listed: BTreeSet<(String, String, String)> = Operation::ALL
            .iter()
            .map(|operation| {
                let (id, method) = (operation.operation_id(), operation.method());
                (id.to_owned(), method.to_string(), operation.path_template().to_owned())
            })
            .collect();
        let documented = document_operations();
        assert_eq!(listed.len(), Operation::ALL.len(), "an operation is listed twice");
        assert_eq!(
            listed.difference(&documented).collect::<Vec<_>>(),
            Vec::<&(String, String, String)>::new(),
            "listed but not in the document as listed"
        );
        assert_eq!(
            documented.difference(&listed).collect::<Vec<_>>(),
            Vec::<&(String, String, String)>::new(),
            "in the document but not listed"
        );
    }

    #[test]
    fn a_path_matches_its_template_and_gives_the_parameters_in_order() {
        let path = "/api/organizations/7/jobs/abc/stdout";
        assert_eq!(
            Operation::JobLogs.match_path(path),
            Some(vec![("organizationId", "7"), ("jobId", "abc")])
        );
        assert_eq!(Operation::JobStatus.match_path(path), None);
        assert_eq!(Operation::List.match_path("/api/organizations/7/pipelines/"), None);
        assert_eq!(Operation::List.match_path("/api/organizations/7"), None);
        assert_eq!(Operation::List.match_path("/api/organizations//pipelines"), None);
    }

    #[test]
    fn a_path_built_from_values_matches_its_template_with_those_values() {
        assert_eq!(Operation::JobLogs.path([7, 9]), "/api/organizations/7/jobs/9/stdout");
        assert_eq!(Operation::Get.path([7]), "/api/organizations/7/pipelines/{pipelineId}");
        for &operation in Operation::ALL {
            let path = operation.path(["11", "12", "13"]);
            let values = operation.match_path(&path).expect("the path matches its template");
            let expected = ["11", "12", "13"].into_iter().take(values.len());
            assert!(values.iter().map(|(_, value)| *value).eq(expected), "{path}");
        }
    }
}
