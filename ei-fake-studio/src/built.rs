//! A vendor model finished from its generated builder
//! (`ei_api::types::builder`), never from a struct literal: a property the
//! vendor adds to a schema is optional, starts empty in the builder, and so
//! needs no edit here when `cargo xtask generate` brings it in.

use ei_api::types::error::ConversionError;

/// The model `builder` describes. The fake sets every required property of
/// the models it builds, so a missing one is a bug in the fake (or a property
/// the vendor made required), and panics naming the model and the property.
pub(crate) fn built<T>(builder: impl TryInto<T, Error = ConversionError>) -> T {
    builder.try_into().unwrap_or_else(|missing| {
        panic!("the fake built an incomplete {}: {missing}", std::any::type_name::<T>())
    })
}
