//! Reading a definition file, for `diff` and `apply`.

use std::path::Path;

use ei_api_ext::definition::PipelineDefinition;

use crate::exit::Failure;
use crate::text;

/// The largest definition file read: a definition is a few KiB.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The definition in the YAML file at `path`, checked; exit 2 naming the
/// file and what is wrong (unreadable, too large, not YAML, an unknown
/// property, a secret in clear).
pub fn read(path: &Path) -> Result<PipelineDefinition, Failure> {
    let shown = path.display().to_string();
    let fail = |problem: String| Failure::usage(format!("{}: {problem}", text::message(&shown)));
    let size =
        std::fs::metadata(path).map_err(|error| fail(format!("cannot read it: {error}")))?.len();
    if size > MAX_FILE_BYTES {
        return Err(fail(format!(
            "{size} bytes is larger than a definition can be ({MAX_FILE_BYTES})"
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|error| fail(format!("cannot read it: {error}")))?;
    let definition: PipelineDefinition = serde_norway::from_str(&text).map_err(|error| {
        fail(format!("not a pipeline definition: {}", text::message(&error.to_string())))
    })?;
    definition.validate().map_err(|error| fail(format!("invalid definition: {error}")))?;
    Ok(definition)
}
