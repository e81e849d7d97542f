//! The dashboard page, compiled into the binary: no file to install, no
//! CDN. It fetches `/api/snapshot` and draws the numbers live.
//! [`GRAPH_HTML`] is re-exported by [`mmash`](super).
#![forbid(unsafe_code)]

/// The page served at `/` and `/graph/`, a self-contained HTML document.
pub const GRAPH_HTML: &str = include_str!("graph.html");

/// Its content type.
pub const CONTENT_TYPE: &str = "text/html; charset=utf-8";
