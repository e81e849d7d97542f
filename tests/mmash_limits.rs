//! mmash stays reachable whatever other local clients do: silent sockets,
//! headers sent in part, and idle keep-alive connections are closed after
//! the header timeout; the number of open connections is bounded (with a
//! line on standard error when the bound is reached) and a scraper beyond
//! it is answered once one closes; the soft limit on open files is raised
//! to the hard limit, and under a low one a flood of idle sockets does not
//! lock a scraper out. A flood of requests that read files is served a few
//! at a time (the rest answered 503 with `Retry-After`), so threads do not
//! grow with the clients and a scrape still gets through.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{example, fixtures_dir, KillOnDrop};

/// Longer than any wait the tests expect (the header timeout they set is
/// one second): reaching it fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

struct Server {
    child: KillOnDrop,
    addr: String,
}

/// A stats directory holding `files` files of 50 fields (the `populate`
/// example's).
fn populated(files: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(example("populate"))
        .arg(dir.path())
        .arg(files.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    dir
}

/// A stats directory holding one file with a counter `done` of 113.
fn stats_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        fixtures_dir().join("blog_script.mmstats"),
        dir.path().join("blog_script.mmstats"),
    )
    .unwrap();
    dir
}

/// Starts `mmash` on a free port serving `dir`, with `args`, through `sh -c
/// "SHELL_PREFIX exec mmash ..."` so that a test can set limits first.
fn start(dir: &Path, shell_prefix: &str, args: &[&str]) -> Server {
    let pattern = format!("{}/*.mmstats", dir.display());
    let script = format!("{shell_prefix} exec \"$0\" \"$@\"");
    let mut child = KillOnDrop(
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_mmash"))
            .args(["--bind", "127.0.0.1:0", "--glob", &pattern])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = common::listening_address(&line);
    Server { child, addr }
}

impl Server {
    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream
    }

    /// `GET target` on a new connection; the head and the body.
    fn get(&self, target: &str) -> (String, String) {
        let mut stream = self.connect();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = String::new();
        stream
            .read_to_string(&mut raw)
            .unwrap_or_else(|e| panic!("no answer to {target} within {PATIENCE:?}: {e}"));
        let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP head");
        (head.to_owned(), body.to_owned())
    }

    /// `GET /metrics` on a new connection; the status line and the body.
    fn scrape(&self) -> (String, String) {
        let (head, body) = self.get("/metrics");
        (head.lines().next().unwrap().to_owned(), body)
    }

    /// The number of threads of the server now.
    fn threads(&self) -> usize {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("Threads:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Everything mmash wrote on standard error, once it is stopped.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        err
    }
}

/// Asserts that the server closes `stream` (end of stream or a reset)
/// rather than leaving it open until the test's patience runs out.
fn assert_closed_by_server(mut stream: TcpStream, what: &str) {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            // An answer (say a 408) may come before the end.
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("{what}: still open after {PATIENCE:?} ({e})"),
        }
    }
}

fn assert_scraped(server: &Server) {
    let (status, body) = server.scrape();
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert!(
        body.lines()
            .any(|line| line.starts_with("mmstats_done_total{") && line.ends_with(" 113")),
        "{body}"
    );
}

#[test]
fn silent_partial_and_idle_keep_alive_connections_are_closed() {
    let dir = stats_dir();
    let server = start(dir.path(), "", &["--header-timeout", "1"]);

    let silent = server.connect();
    let mut partial = server.connect();
    partial.write_all(b"GET /metrics HTTP/1.1\r\nHo").unwrap();
    let mut idle = server.connect();
    write!(
        idle,
        "GET /stats/ HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    )
    .unwrap();
    // Read the whole answer, then leave the connection idle.
    let mut reader = BufReader::new(idle.try_clone().unwrap());
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse::<usize>().unwrap());
            }
        }
    }
    let mut body = vec![0; length.expect("a content-length")];
    reader.read_exact(&mut body).unwrap();
    assert!(String::from_utf8(body).unwrap().contains("\"stats\""));

    assert_closed_by_server(silent, "a connection that sent nothing");
    assert_closed_by_server(partial, "a connection that sent part of a header");
    drop(reader);
    assert_closed_by_server(idle, "an idle keep-alive connection");
    // And the server still serves.
    assert_scraped(&server);
}

#[test]
fn a_scraper_gets_through_at_the_connection_bound() {
    let dir = stats_dir();
    let server = start(
        dir.path(),
        "",
        &["--header-timeout", "1", "--max-connections", "4"],
    );
    let hogs: Vec<TcpStream> = (0..12).map(|_| server.connect()).collect();
    assert_scraped(&server);
    drop(hogs);
    let err = server.stop();
    assert!(
        err.contains("mmash: 4 connections open, the most allowed (--max-connections)"),
        "no line about the bound on standard error: {err:?}"
    );
}

/// The soft and hard limits on open files of process `pid`.
fn open_files_limits(pid: u32) -> (String, String) {
    let limits = fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    let mut words = line["Max open files".len()..].split_whitespace();
    (
        words.next().unwrap().to_owned(),
        words.next().unwrap().to_owned(),
    )
}

#[test]
fn the_soft_open_files_limit_is_raised_to_the_hard_one() {
    let dir = stats_dir();
    let server = start(dir.path(), "ulimit -Sn 64 &&", &[]);
    let (soft, hard) = open_files_limits(server.child.id());
    assert_eq!(soft, hard, "the soft limit was left below the hard one");
    assert_ne!(soft, "64");
    assert_scraped(&server);
}

#[test]
fn idle_sockets_beyond_a_low_open_files_limit_do_not_lock_a_scraper_out() {
    let dir = stats_dir();
    let server = start(dir.path(), "ulimit -n 256 &&", &["--header-timeout", "1"]);
    assert_eq!(
        open_files_limits(server.child.id()),
        ("256".to_owned(), "256".to_owned())
    );
    // More idle sockets than the server has descriptors.
    let hogs: Vec<TcpStream> = (0..300).map(|_| server.connect()).collect();
    assert_scraped(&server);
    drop(hogs);
    let err = server.stop();
    // The default bound for 256 descriptors is (256 - 64) / 2.
    assert!(
        err.contains("mmash: 96 connections open, the most allowed"),
        "{err:?}"
    );
    assert!(!err.contains("cannot accept"), "{err:?}");
}

#[test]
fn a_flood_of_reading_requests_is_served_a_few_at_a_time() {
    let dir = populated(300);
    let server = std::sync::Arc::new(start(
        dir.path(),
        "",
        &["--max-reads", "1", "--queue-wait", "0.5"],
    ));
    let clients: Vec<_> = (0..48)
        .map(|_| {
            let server = std::sync::Arc::clone(&server);
            std::thread::spawn(move || server.get("/api/snapshot"))
        })
        .collect();
    let mut most_threads = server.threads();
    let (status, body) = server.scrape();
    assert_eq!(
        status, "HTTP/1.1 200 OK",
        "a scrape during the flood: {body}"
    );
    let mut answers = Vec::new();
    for client in clients {
        most_threads = most_threads.max(server.threads());
        answers.push(client.join().unwrap());
    }
    most_threads = most_threads.max(server.threads());
    let mut served = 0;
    for (head, body) in &answers {
        let status = head.lines().next().unwrap();
        match status {
            "HTTP/1.1 200 OK" => {
                assert!(body.contains("\"files\""), "{body:.200}");
                served += 1;
            }
            "HTTP/1.1 503 Service Unavailable" => {
                assert!(
                    head.lines()
                        .any(|l| l.eq_ignore_ascii_case("retry-after: 1")),
                    "{head}"
                );
                assert!(body.contains("busy"), "{body}");
            }
            other => panic!("unexpected answer {other}: {body:.200}"),
        }
    }
    assert!(served > 0, "no snapshot was served");
    // One permit per class: two reading threads, two spare, the async
    // workers and the main thread; without the bound a thread per request.
    assert!(
        most_threads <= 12,
        "{most_threads} threads served 48 concurrent snapshots"
    );
}

/// A file of `fields` one-byte fields `f0`, `f1`, ... (a dense file like
/// one a hostile or broken writer could leave).
fn dense_file(path: &Path, fields: usize) {
    let mut builder = mmstats::reader::testing::FileBuilder::new();
    for i in 0..fields {
        builder.unbuffered(&format!("f{i}"), "B", &[1]);
    }
    fs::write(path, builder.finish(4096)).unwrap();
}

/// The samples of `/metrics` whose name starts with `mmstats_f` followed
/// by a digit: the dense file's fields.
fn dense_samples(body: &str) -> usize {
    body.lines()
        .filter(|line| {
            line.strip_prefix("mmstats_f")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count()
}

#[test]
fn fields_past_the_bounds_are_counted_not_served() {
    let dir = tempfile::tempdir().unwrap();
    dense_file(&dir.path().join("dense.mmstats"), 50);
    let server = start(dir.path(), "", &["--max-fields-per-file", "10"]);

    let (status, body) = server.scrape();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(dense_samples(&body), 10, "{body}");
    assert!(
        body.contains("\nmmstats_fields_dropped_total 40\n"),
        "{body}"
    );
    // The count grows with every rendering that leaves fields out (a
    // rendering is served again for 250 ms).
    std::thread::sleep(Duration::from_millis(300));
    let (_, body) = server.scrape();
    assert!(
        body.contains("\nmmstats_fields_dropped_total 80\n"),
        "{body}"
    );

    let (_, body) = server.get("/api/snapshot");
    let snapshot: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(snapshot["files"][0]["fields"].as_array().unwrap().len(), 10);
    let error = snapshot["errors"][0]["error"].as_str().unwrap();
    assert!(error.contains("40 fields left out"), "{error}");
}

#[test]
fn a_dense_file_is_served_up_to_the_default_bound() {
    let dir = tempfile::tempdir().unwrap();
    // 150,000 fields, past the default of 100,000 per file.
    dense_file(&dir.path().join("dense.mmstats"), 150_000);
    let server = start(dir.path(), "", &[]);
    let (status, body) = server.scrape();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(dense_samples(&body), 100_000);
    assert!(body.contains("\nmmstats_fields_dropped_total 50000\n"));
}

#[test]
fn clients_that_never_read_their_answers_are_let_go() {
    let dir = populated(1000);
    let server = start(
        dir.path(),
        "",
        &["--write-timeout", "1", "--max-connections", "4"],
    );
    // Every connection takes a snapshot of some megabytes and reads none
    // of it: the kernel's buffers fill, and the writes stall.
    let hogs: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = server.connect();
            write!(
                stream,
                "GET /api/snapshot HTTP/1.1\r\nHost: {}\r\n\r\n",
                server.addr
            )
            .unwrap();
            stream
        })
        .collect();
    // Once their writes have stalled for the write timeout, they are closed
    // and a scrape gets a connection.
    let (status, body) = server.scrape();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("mmstats_f0_total{"), "{body:.300}");
    drop(hogs);
}
