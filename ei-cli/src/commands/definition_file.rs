//! Reading a definition file, for `diff` and `apply`.

use std::io::Read;
use std::path::Path;

use ei_api_ext::definition::PipelineDefinition;

use crate::exit::Failure;
use crate::text;

/// The largest definition file read: a definition is a few KiB.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The definition in the YAML file at `path`, checked; exit 2 naming the
/// file and what is wrong (unreadable, too large, not YAML, a key given
/// twice, an unknown property, a secret in clear).
pub fn read(path: &Path) -> Result<PipelineDefinition, Failure> {
    let shown = path.display().to_string();
    let fail = |problem: String| Failure::usage(format!("{}: {problem}", text::message(&shown)));
    // The size is what is read, not what the file system reports: a device
    // or a pipe (`/dev/zero`, `<(...)`) reports 0 and may never end.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|error| fail(format!("cannot read it: {error}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!("larger than a definition can be ({MAX_FILE_BYTES} bytes)")));
    }
    let text = String::from_utf8(bytes)
        .map_err(|error| fail(format!("cannot read it: not UTF-8 ({error})")))?;
    let not_a_definition = |error: serde_norway::Error| {
        fail(format!("not a pipeline definition: {}", text::message(&error.to_string())))
    };
    // A key given twice is an error anywhere: serde refuses it for the
    // definition's own fields, but a step's properties and their values
    // (`parameters`) are maps, where the last would silently win.
    serde_norway::from_str::<serde_norway::Value>(&text).map_err(not_a_definition)?;
    let definition: PipelineDefinition = serde_norway::from_str(&text).map_err(not_a_definition)?;
    definition.validate().map_err(|error| fail(format!("invalid definition: {error}")))?;
    Ok(definition)
}
