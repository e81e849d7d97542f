//! The HTTP side: the routes, and running each request's reading on
//! tokio's blocking threads.
//!
//! Reading stats files is blocking work (mapping files, globbing
//! directories), so every handler that reads moves to
//! [`tokio::task::spawn_blocking`]; the async worker threads only accept
//! connections and write answers. Answers that read files are marked
//! `cache-control: no-store`: they are live.
#![forbid(unsafe_code)]

use std::io;
use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use super::api::{self, ApiError, ValuesQuery};
use super::source::Source;
use super::{metrics, page};

const JSON: &str = "application/json";

/// The routes of `mmash` over `source`; see the [module
/// documentation](super) for what each answers.
pub fn router(source: Arc<Source>) -> Router {
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
        .with_state(source)
}

/// Serves `source` on `listener` until the listener fails.
///
/// # Errors
///
/// The I/O error that stopped the server.
pub async fn serve(listener: tokio::net::TcpListener, source: Arc<Source>) -> io::Result<()> {
    axum::serve(listener, router(source)).await
}

/// A body with its content type, not to be cached.
fn live(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
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

/// Runs `read` on a blocking thread; a panic in it is a 500.
async fn blocking(read: impl FnOnce() -> Response + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(read).await {
        Ok(response) => response,
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("reading the stats files failed: {e}"),
        ),
    }
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

async fn labels(State(source): State<Arc<Source>>) -> Response {
    blocking(move || live(JSON, api::labels(&source))).await
}

async fn values(
    State(source): State<Arc<Source>>,
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
    blocking(move || json(api::values(&source, &prefix, &query))).await
}

async fn all_files(State(source): State<Arc<Source>>) -> Response {
    blocking(move || json(api::files(&source, ""))).await
}

async fn files(
    State(source): State<Arc<Source>>,
    glob: Result<Path<String>, PathRejection>,
) -> Response {
    let glob = match glob {
        Ok(Path(glob)) => glob,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    blocking(move || json(api::files(&source, &glob))).await
}

async fn snapshot(State(source): State<Arc<Source>>) -> Response {
    blocking(move || live(JSON, api::snapshot(&source))).await
}

async fn prometheus(State(source): State<Arc<Source>>) -> Response {
    blocking(move || live(metrics::CONTENT_TYPE, metrics::render(&source))).await
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not found")
}
