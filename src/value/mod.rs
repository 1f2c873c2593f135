//! Terraform values: types, the Known / Null / Unknown value model, attribute paths, and codecs.

mod decode_error;
mod json;
mod json_text;
mod msgpack;
mod number_text;
mod path;
mod type_json;
mod types;

pub use decode_error::DecodeError;
pub use json::{decode_json, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use path::{AttributePath, PathStep};
pub use type_json::{type_from_json, type_to_json};
pub use types::{semantically_equal, Number, Type, Value};
