//! Why bytes could not be decoded as a value, and where in it: the error every codec shares.

use super::path::{AttributePath, PathStep};

/// Why bytes could not be decoded as a value of a type, and where in the value.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not well-formed msgpack or JSON.
    #[error("{}malformed input: {message}", location(.path))]
    Malformed {
        path: AttributePath,
        message: String,
    },
    /// Well-formed, but not a value of the expected type.
    #[error("{}{message}", location(.path))]
    Mismatch {
        path: AttributePath,
        message: String,
    },
    /// A type description (of a `dynamic` value) that is not a valid cty type.
    #[error("{}invalid type: {message}", location(.path))]
    InvalidType {
        path: AttributePath,
        message: String,
    },
    /// Nested deeper than the decoders accept.
    #[error("{}value is nested too deeply", location(.path))]
    TooDeep { path: AttributePath },
}

fn location(path: &AttributePath) -> String {
    if path.is_root() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl DecodeError {
    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        let message = message.into();
        DecodeError::Malformed {
            path: AttributePath::root(),
            message,
        }
    }

    pub(crate) fn mismatch(message: impl Into<String>) -> Self {
        let message = message.into();
        DecodeError::Mismatch {
            path: AttributePath::root(),
            message,
        }
    }

    pub(crate) fn invalid_type(message: impl Into<String>) -> Self {
        let message = message.into();
        DecodeError::InvalidType {
            path: AttributePath::root(),
            message,
        }
    }

    pub(crate) fn too_deep() -> Self {
        DecodeError::TooDeep {
            path: AttributePath::root(),
        }
    }

    /// Where in the value the problem is.
    pub fn path(&self) -> &AttributePath {
        match self {
            DecodeError::Malformed { path, .. }
            | DecodeError::Mismatch { path, .. }
            | DecodeError::InvalidType { path, .. }
            | DecodeError::TooDeep { path } => path,
        }
    }

    /// The same error seen from one level further out: `step` leads to where it was.
    pub fn within(mut self, step: PathStep) -> Self {
        match &mut self {
            DecodeError::Malformed { path, .. }
            | DecodeError::Mismatch { path, .. }
            | DecodeError::InvalidType { path, .. }
            | DecodeError::TooDeep { path } => path.prepend(step),
        }
        self
    }
}

/// How deeply values may nest, in every codec.
pub(super) const MAX_DEPTH: usize = 64;

/// The depth one level further in, or `TooDeep` when none is left.
pub(super) fn deeper(depth: usize) -> Result<usize, DecodeError> {
    depth.checked_sub(1).ok_or_else(DecodeError::too_deep)
}
