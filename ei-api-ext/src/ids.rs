//! Typed ids, so an organization id can never be passed as a pipeline id.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw id.
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            /// The raw id, as the API spells it.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($what, " {}"), self.0)
            }
        }
    };
}

id_type!(
    /// An organization's id.
    OrganizationId,
    "organization"
);
id_type!(
    /// A pipeline's id, unique within its organization.
    PipelineId,
    "pipeline"
);
id_type!(
    /// A pipeline run's id.
    RunId,
    "run"
);
id_type!(
    /// A project's id (used to filter the pipeline list).
    ProjectId,
    "project"
);
