//! The HTTP side: the routes, and running each request's reading on
//! tokio's blocking threads.
//!
//! Reading stats files is blocking work (mapping files, globbing
//! directories), so every handler that reads moves to
//! [`tokio::task::spawn_blocking`]; the async worker threads only accept
//! connections and write answers. Answers that read files are marked
//! `cache-control: no-store`: they are live.
//!
//! Connections are accepted by mmash's own loop rather than
//! `axum::serve`, to bound how many are open and how long each may stay
//! silent (see [`connections`](super::connections)).
#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;

use super::admission::{Admission, Busy, Class};
use super::answer_budget::AnswerBudget;
use super::api::{self, ApiError, ValuesQuery};
use super::connections::ConnectionLimits;
use super::recent::Recent;
use super::source::Source;
use super::stalled::StallGuard;
use super::{metrics, page};

const JSON: &str = "application/json";

/// What the handlers share: the files served and the permits to read them.
#[derive(Debug)]
pub struct Served {
    /// The files served.
    pub source: Arc<Source>,
    /// The permits of the requests that read files.
    pub admission: Admission,
    /// The bytes of built answers waiting to be sent.
    pub answers: AnswerBudget,
    /// The last `/metrics` answer, served again while fresh.
    pub recent_metrics: Recent,
}

/// The routes of `mmash` over `served`; see the [module
/// documentation](super) for what each answers.
pub fn router(served: Arc<Served>) -> Router {
    Router::new()
        .route("/", get(graph))
        .route("/graph/", get(graph))
        .route("/graph", get(|| async { Redirect::permanent("/graph/") }))
        .route("/stats/", get(labels))
        .route("/stats", get(|| async { Redirect::permanent("/stats/") }))
        .route("/stats/{*prefix}", get(values))
        .route("/files/", get(all_files))
        .route("/files", get(|| async { Redirect::permanent("/files/") }))
        .route("/files/{*glob}", get(files))
        .route("/api/snapshot", get(snapshot))
        .route("/metrics", get(prometheus))
        .fallback(not_found)
        .with_state(served)
}

/// How long after saying that the bound on connections was reached mmash
/// keeps quiet about it.
const BOUND_LOG_QUIET: Duration = Duration::from_secs(10);

/// How long accepting pauses after it failed (out of descriptors, say),
/// so that a persistent failure does not spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// Serves `source` on `listener` within `limits`, forever; writes a line
/// to `log` when the bound on connections is reached (once until the
/// number of connections falls below it again) and when accepting fails.
///
/// # Errors
///
/// None in practice: a failed accept is logged and retried.
pub async fn serve(
    listener: tokio::net::TcpListener,
    served: Arc<Served>,
    limits: ConnectionLimits,
    log: &mut dyn Write,
) -> io::Result<()> {
    let router = router(served);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connection = http1::Builder::new();
    connection
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut at_bound = false;
    let mut last_said: Option<tokio::time::Instant> = None;
    loop {
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => {
                at_bound = false;
                permit
            }
            Err(_) => {
                // Said when the bound is reached, at most once in a while
                // however often clients come and go around it.
                let quiet = last_said.is_some_and(|at| at.elapsed() < BOUND_LOG_QUIET);
                if !at_bound && !quiet {
                    last_said = Some(tokio::time::Instant::now());
                    say(
                        log,
                        &format!(
                            "{} connections open, the most allowed (--max-connections): new \
                             connections wait until one closes",
                            limits.max_connections
                        ),
                    );
                }
                at_bound = true;
                match Arc::clone(&permits).acquire_owned().await {
                    Ok(permit) => permit,
                    // The semaphore is never closed.
                    Err(_) => return Ok(()),
                }
            }
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                say(log, &format!("cannot accept a connection: {e}"));
                tokio::time::sleep(ACCEPT_PAUSE).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        let stream = StallGuard::new(stream, limits.write_timeout);
        let serving = connection.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            // A connection that fails or times out only ends itself.
            let _ = serving.await;
            drop(permit);
        });
    }
}

/// One line of the server's log; nothing is left to do if it cannot be
/// written.
fn say(log: &mut dyn Write, line: &str) {
    let _ = writeln!(log, "mmash: {line}").and_then(|()| log.flush());
}

/// A body with its content type, not to be cached.
fn live(content_type: &'static str, body: impl Into<bytes::Bytes>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body.into(),
    )
        .into_response()
}

/// An error as `{"error": "..."}`.
fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
        api::error_json(message),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        error(status, &self.message)
    }
}

/// Runs `read` on a blocking thread once a permit of `class` is free,
/// holding the permit until `read` is done; a 503 if none comes in time,
/// a 500 if `read` panics.
async fn blocking(
    served: &Served,
    class: Class,
    read: impl FnOnce() -> Response + Send + 'static,
) -> Response {
    let permit = match served.admission.admit(class).await {
        Ok(permit) => permit,
        Err(busy) => return busy_response(busy),
    };
    let read = move || {
        let response = read();
        drop(permit);
        response
    };
    let response = match tokio::task::spawn_blocking(read).await {
        Ok(response) => response,
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("reading the stats files failed: {e}"),
            )
        }
    };
    // The answer waits to be sent within the budget of answer bytes.
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("building the answer failed: {e}"),
            )
        }
    };
    let wait = served.admission.wait(class);
    match served.answers.reserve(bytes, wait).await {
        Ok(body) => Response::from_parts(parts, axum::body::Body::new(body)),
        Err(_) => busy_response(Busy {
            class,
            waited: wait,
        }),
    }
}

/// The answer to a request that found the server busy.
fn busy_response(busy: Busy) -> Response {
    let what = match busy.class {
        Class::Scrape => "/metrics requests",
        Class::Api => "requests",
    };
    let mut response = error(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!(
            "busy: other {what} kept every permit to read the stats files for {:.1} s; try again",
            busy.waited.as_secs_f64()
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The JSON answer of `result`.
fn json(result: Result<Vec<u8>, ApiError>) -> Response {
    match result {
        Ok(body) => live(JSON, body),
        Err(e) => e.into_response(),
    }
}

async fn graph() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(page::CONTENT_TYPE),
        )],
        page::GRAPH_HTML,
    )
        .into_response()
}

async fn labels(State(served): State<Arc<Served>>) -> Response {
    let source = Arc::clone(&served.source);
    blocking(&served, Class::Api, move || {
        live(JSON, api::labels(&source))
    })
    .await
}

async fn values(
    State(served): State<Arc<Served>>,
    prefix: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let prefix = match prefix {
        Ok(Path(prefix)) => prefix,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let query = match query {
        Ok(Query(pairs)) => {
            ValuesQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let query = match query {
        Ok(query) => query,
        Err(e) => return e.into_response(),
    };
    let source = Arc::clone(&served.source);
    blocking(&served, Class::Api, move || {
        json(api::values(&source, &prefix, &query))
    })
    .await
}

async fn all_files(State(served): State<Arc<Served>>) -> Response {
    let source = Arc::clone(&served.source);
    blocking(&served, Class::Api, move || json(api::files(&source, ""))).await
}

async fn files(
    State(served): State<Arc<Served>>,
    glob: Result<Path<String>, PathRejection>,
) -> Response {
    let glob = match glob {
        Ok(Path(glob)) => glob,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let source = Arc::clone(&served.source);
    blocking(&served, Class::Api, move || {
        json(api::files(&source, &glob))
    })
    .await
}

async fn snapshot(State(served): State<Arc<Served>>) -> Response {
    let source = Arc::clone(&served.source);
    blocking(&served, Class::Api, move || {
        live(JSON, api::snapshot(&source))
    })
    .await
}

async fn prometheus(State(served): State<Arc<Served>>) -> Response {
    // Served again while fresh: the same bytes, shared, not copied.
    if let Some(bytes) = served.recent_metrics.fresh() {
        return live(metrics::CONTENT_TYPE, bytes);
    }
    let shared = Arc::clone(&served);
    blocking(&served, Class::Scrape, move || {
        // Rendered by a request that held the permit before this one?
        let bytes = shared
            .recent_metrics
            .get_or_render(|| metrics::render(&shared.source));
        live(metrics::CONTENT_TYPE, bytes)
    })
    .await
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not found")
}
