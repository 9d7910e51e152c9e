//! The spec-conformance suite for `ei-api` (work in progress).
