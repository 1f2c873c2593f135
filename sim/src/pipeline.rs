//! The steps every authenticated call takes: rate limit, injected fault, the service itself.

use std::future::Future;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::faults::FaultOutcome;
use crate::state::SimState;

/// How a vendor answers what the sim itself decides: throttling and injected errors.
pub(crate) trait VendorError {
    fn throttled(service: &str, action: &str, per_second: u32) -> Self;
    fn injected(code: &str, message: Option<&str>) -> Self;
}

/// What a call ends in.
#[derive(Debug)]
pub(crate) enum Answer<T, E> {
    Reply(Result<T, E>),
    DropConnection,
}

/// A call's answer and the fault that shaped it, if any.
#[derive(Debug)]
pub(crate) struct Shaped<T, E> {
    pub answer: Answer<T, E>,
    pub fault: Option<u64>,
}

/// Runs `call` (a service action, not yet started) under rate limits and injected faults.
pub(crate) async fn run<T, E: VendorError>(
    state: &SimState,
    service: &str,
    action: &str,
    call: impl Future<Output = Result<T, E>>,
) -> Shaped<T, E> {
    if let Err(throttled) = state.limiter().admit(service, action, Instant::now()) {
        return Shaped {
            answer: Answer::Reply(Err(E::throttled(service, action, throttled.per_second))),
            fault: None,
        };
    }
    let Some(fault) = state.take_fault(service, action) else {
        return Shaped {
            answer: Answer::Reply(call.await),
            fault: None,
        };
    };
    if let Some(latency) = fault.latency {
        tokio::time::sleep(latency).await;
    }
    let answer = match fault.outcome {
        None => Answer::Reply(call.await),
        Some(outcome) => {
            if fault.after_apply {
                // The change happens; its answer is lost, as when a network fails late.
                let _ = call.await;
            }
            match outcome {
                FaultOutcome::Error { code, message } => {
                    Answer::Reply(Err(E::injected(&code, message.as_deref())))
                }
                FaultOutcome::DropConnection => Answer::DropConnection,
            }
        }
    };
    Shaped {
        answer,
        fault: Some(fault.id),
    }
}

/// Marks a response that `serve` must not send: it closes the connection instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The response that stands for a dropped connection. Served through [`crate::serve`] the
/// client sees the connection close; a caller of the bare router sees this 503.
pub(crate) fn dropped_connection() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [("x-clouddb-sim-fault", "drop-connection")],
        "clouddb-sim: connection dropped by an injected fault\n",
    )
        .into_response();
    response.extensions_mut().insert(DropConnection);
    response
}
