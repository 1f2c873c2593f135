//! What every backend call answers: a future, and the error of a backend that failed.

use std::future::Future;
use std::pin::Pin;

/// The future a backend call returns.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// A backend that could not do what it was asked; the services answer it as an internal error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("backend: {0}")]
pub struct BackendError(pub String);
