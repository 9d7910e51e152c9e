//! The Edge Impulse organization-pipelines SDK (work in progress).
