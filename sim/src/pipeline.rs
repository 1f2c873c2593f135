//! The steps every authenticated call takes: rate limit, injected fault, the service itself.

use std::future::Future;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::faults::FaultOutcome;
use crate::state::SimState;
use crate::tasks::TaskFailure;

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

/// Runs `call` (a service action, started with how an injected fault ends the task it starts,
/// if it starts one) under rate limits and injected faults. `starts_task` says whether the
/// action starts an async task, which faults with `task_status` wait for.
pub(crate) async fn run<T, E: VendorError, F>(
    state: &SimState,
    service: &str,
    action: &str,
    starts_task: bool,
    call: impl FnOnce(Option<TaskFailure>) -> F,
) -> Shaped<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    if let Err(throttled) = state.limiter().admit(service, action, Instant::now()) {
        return Shaped {
            answer: Answer::Reply(Err(E::throttled(service, action, throttled.per_second))),
            fault: None,
        };
    }
    let Some(fault) = state.take_fault(service, action, starts_task) else {
        return Shaped {
            answer: Answer::Reply(call(None).await),
            fault: None,
        };
    };
    if let Some(latency) = fault.latency {
        tokio::time::sleep(latency).await;
    }
    let answer = match fault.outcome {
        None => Answer::Reply(call(None).await),
        Some(FaultOutcome::FailTask(failure)) => Answer::Reply(call(Some(failure)).await),
        Some(FaultOutcome::Error { code, message }) => {
            if fault.after_apply {
                // The change happens; its answer is lost, as when a network fails late.
                let _ = call(None).await;
            }
            Answer::Reply(Err(E::injected(&code, message.as_deref())))
        }
        Some(FaultOutcome::DropConnection) => {
            if fault.after_apply {
                let _ = call(None).await;
            }
            Answer::DropConnection
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
