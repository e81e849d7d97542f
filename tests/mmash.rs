//! The `mmash` server binary against live writer processes: every endpoint,
//! the refusals, files coming and going, a broken file, and the Prometheus
//! text checked by `promtool` where it is installed.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use mmstats::{Counter, Gauge, MmStats, Text};
use serde_json::{json, Value as Json};

use common::{child_role, spawn_role, wait_for_line, KillOnDrop};

/// What each writer publishes; `n` comes from the test.
#[derive(MmStats)]
struct Web {
    #[mmstats(label = "status.2XX")]
    status_2xx: Counter,
    requests: Counter,
    idle: Counter,
    #[mmstats(label = "queue.depth")]
    queue_depth: Gauge<i32>,
    load: Gauge<f64>,
    healthy: Gauge<bool>,
    #[mmstats(label = "last.user", size = 32)]
    last_user: Text,
}

/// A user name that needs escaping everywhere.
const HOSTILE_USER: &str = "a\"b\\c\nd";

/// The writer's part, when this process plays one: a `Web` model in
/// `$MMASH_TEST_DIR` named `web-PID-TID.mmstats`, with `requests` set to
/// `$MMASH_TEST_N`, kept until killed.
fn play_writer() -> bool {
    let Some(role) = child_role() else {
        return false;
    };
    assert_eq!(role, "writer");
    let dir = PathBuf::from(std::env::var_os("MMASH_TEST_DIR").unwrap());
    let n: u64 = std::env::var("MMASH_TEST_N").unwrap().parse().unwrap();
    let web = Web::options()
        .path(dir)
        .filename("web-{PID}-{TID}.mmstats")
        .create()
        .unwrap();
    web.requests.add(n);
    web.idle.add(0);
    web.status_2xx.add(2 * n);
    web.queue_depth.set(-3);
    web.load
        .set(if n.is_multiple_of(2) { 0.5 } else { f64::NAN });
    web.healthy.set(n.is_multiple_of(2));
    web.last_user.set(HOSTILE_USER);
    println!("\nready {}", web.path().display());
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// A writer process of `test` publishing `n`, and its file.
fn writer(test: &str, dir: &Path, n: u64) -> (KillOnDrop, PathBuf) {
    let n = n.to_string();
    let envs = [
        ("MMASH_TEST_DIR", dir.as_os_str()),
        ("MMASH_TEST_N", n.as_ref()),
    ];
    let mut child = spawn_role(test, "writer", &envs);
    let path = PathBuf::from(wait_for_line(&mut child, "ready "));
    (child, path)
}

/// A running `mmash` and the address it listens on.
struct Server {
    _child: KillOnDrop,
    addr: String,
}

/// Starts `mmash` on a free port serving `dir/*.mmstats`, with `dir` as
/// the directory of request patterns.
fn mmash(dir: &Path) -> Server {
    let pattern = format!("{}/*.mmstats", dir.display());
    mmash_with(&["--glob", &pattern, "--path", dir.to_str().unwrap()], dir)
}

/// Starts `mmash` on a free port with `args`, and `$MMSTATS_PATH` set to
/// `stats_path`.
fn mmash_with(args: &[&str], stats_path: &Path) -> Server {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_mmash"))
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("MMSTATS_GLOB")
            .env("MMSTATS_PATH", stats_path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("mmash printed no address");
    let addr = common::listening_address(&line);
    Server {
        _child: child,
        addr,
    }
}

/// An HTTP answer.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    fn json(&self) -> Json {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{}",
            self.text()
        );
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Server {
    /// `GET target` (sent as is: no normalising of `..` or escapes), over
    /// raw HTTP/1.1.
    fn get(&self, target: &str) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP head");
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut body = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect();
        let reply = Reply {
            status: status.parse().unwrap(),
            headers,
            body: Vec::new(),
        };
        if reply.header("transfer-encoding") == Some("chunked") {
            body = dechunk(&body);
        }
        Reply { body, ..reply }
    }

    /// `GET target`, expecting a 200 with JSON.
    fn json(&self, target: &str) -> Json {
        let reply = self.get(target);
        assert_eq!(reply.status, 200, "{target}: {}", reply.text());
        reply.json()
    }

    /// `GET target`, expecting a 400 with a JSON error; returns the error.
    fn refused(&self, target: &str) -> String {
        let reply = self.get(target);
        assert_eq!(reply.status, 400, "{target}: {}", reply.text());
        let body = reply.json();
        body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{target}: {body}"))
            .to_owned()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 4 + size..];
    }
}

/// A file in `dir` that is no stats file, which every answer must survive.
fn broken(dir: &Path) -> PathBuf {
    let path = dir.join("broken.mmstats");
    std::fs::write(&path, b"this is not an mmstats file").unwrap();
    path
}

fn sorted(value: &Json) -> Vec<Json> {
    let mut items = value.as_array().unwrap().clone();
    items.sort_by_key(|v| v.to_string());
    items
}

#[test]
fn json_api_answers_as_python_mmash_did() {
    const TEST: &str = "json_api_answers_as_python_mmash_did";
    if play_writer() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_a, a_path) = writer(TEST, dir.path(), 3);
    let (_b, b_path) = writer(TEST, dir.path(), 4);
    broken(dir.path());
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::copy(&a_path, dir.path().join("sub/copy.mmstats")).unwrap();
    let server = mmash(dir.path());

    let labels = server.json("/stats/");
    let want: Vec<&str> = vec![
        "healthy",
        "idle",
        "last.user",
        "load",
        "org.rust.version",
        "queue.depth",
        "requests",
        "status.2XX",
        "sys.cmd",
        "sys.created",
        "sys.gid",
        "sys.pid",
        "sys.tid",
        "sys.uid",
    ];
    assert_eq!(labels, json!({ "stats": want }));

    // Values per file, of the labels starting with the prefix.
    let values = server.json("/stats/requests");
    assert_eq!(sorted(&values["requests"]), [json!(3), json!(4)]);
    let values = server.json("/stats/sys.");
    assert_eq!(values.as_object().unwrap().len(), 6, "{values}");
    let mut pids = sorted(&values["sys.pid"]);
    pids.sort_by_key(|p| p.as_u64());
    let mut want_pids = [_a.id(), _b.id()];
    want_pids.sort();
    assert_eq!(pids, [json!(want_pids[0]), json!(want_pids[1])]);
    assert_eq!(server.json("/stats/nothing"), json!({}));
    // exact: only the label itself.
    assert_eq!(server.json("/stats/request?exact=1"), json!({}));
    assert_eq!(
        sorted(&server.json("/stats/requests?exact=1")["requests"]),
        [json!(3), json!(4)]
    );
    assert_eq!(
        server
            .json("/stats/request?exact=0")
            .as_object()
            .unwrap()
            .len(),
        1
    );
    // Strings and NaN as JSON.
    assert_eq!(
        server.json("/stats/last.user")["last.user"],
        json!([HOSTILE_USER, HOSTILE_USER])
    );
    assert_eq!(
        sorted(&server.json("/stats/load")["load"]),
        [json!(0.5), Json::Null]
    );

    // Aggregations.
    let aggr = |query: &str| server.json(&format!("/stats/{query}"));
    assert_eq!(aggr("requests?aggr=sum"), json!({"requests": 7}));
    assert_eq!(aggr("requests?aggr=avg"), json!({"requests": 3.5}));
    assert_eq!(aggr("requests?aggr=max"), json!({"requests": 4}));
    assert_eq!(aggr("requests?aggr=min"), json!({"requests": 3}));
    assert_eq!(aggr("requests?aggr=nonzero-min"), json!({"requests": 3}));
    assert_eq!(aggr("requests?aggr=nonzero-avg"), json!({"requests": 3.5}));
    assert_eq!(aggr("status.?aggr=sum"), json!({"status.2XX": 14}));
    assert_eq!(aggr("healthy?aggr=sum"), json!({"healthy": 1}));
    assert_eq!(aggr("healthy?aggr=max"), json!({"healthy": true}));
    assert_eq!(aggr("queue.depth?aggr=sum"), json!({"queue.depth": -6}));
    assert_eq!(aggr("idle?aggr=sum"), json!({"idle": 0}));
    assert_eq!(
        aggr("last.user?aggr=one"),
        json!({"last.user": HOSTILE_USER})
    );
    assert_eq!(aggr("requests?aggr="), server.json("/stats/requests"));
    let one = aggr("requests?aggr=one")["requests"].as_u64().unwrap();
    assert!(one == 3 || one == 4, "{one}");

    // A label asked for exactly that cannot be aggregated is a 400 with a
    // JSON error.
    let error = server.refused("/stats/idle?aggr=nonzero-min&exact=1");
    assert!(
        error.contains("\"idle\" has no value other than zero"),
        "{error}"
    );
    server.refused("/stats/idle?aggr=nonzero-avg&exact=1");
    let error = server.refused("/stats/last.user?aggr=max&exact=1");
    assert!(error.contains("string"), "{error}");
    // Of a prefix, such labels are left out and the others aggregated.
    assert_eq!(aggr("idle?aggr=nonzero-min"), json!({}));
    let some = aggr("l?aggr=sum");
    assert!(some.get("last.user").is_none(), "{some}");
    assert!(some.get("load").is_some(), "{some}");
    let error = server.refused("/stats/requests?aggr=median");
    assert!(error.contains("unknown aggregation \"median\""), "{error}");

    // ?glob= is relative to the stats directory.
    let values = server.json("/stats/requests?glob=sub/*.mmstats");
    assert_eq!(values, json!({"requests": [3]}));
    let values = server.json("/stats/requests?glob=web-*");
    assert_eq!(sorted(&values["requests"]), [json!(3), json!(4)]);
    assert_eq!(server.json("/stats/requests?glob=nothing-*"), json!({}));

    // /files/: the files read whole (not the broken one), in order.
    let mut want_files = vec![
        a_path.to_str().unwrap().to_owned(),
        b_path.to_str().unwrap().to_owned(),
    ];
    want_files.sort();
    assert_eq!(server.json("/files/"), json!({ "files": want_files }));
    assert_eq!(server.json("/files/web-*"), json!({ "files": want_files }));
    let copy = dir.path().join("sub/copy.mmstats");
    assert_eq!(
        server.json("/files/sub%2F*.mmstats"),
        json!({"files": [copy.to_str().unwrap()]})
    );
    assert_eq!(
        server.json("/files/sub/*.mmstats"),
        json!({"files": [copy.to_str().unwrap()]})
    );

    // Redirects to the slashed paths, as Flask did.
    let reply = server.get("/stats");
    assert_eq!(reply.status, 308);
    assert_eq!(reply.header("location"), Some("/stats/"));
    let reply = server.get("/no/such/page");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({"error": "not found"}));
}

#[test]
fn patterns_may_not_leave_the_stats_directory() {
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("stats");
    std::fs::create_dir(&dir).unwrap();
    // A stats file one level up, and a link to its directory.
    let mut builder = vec![1u8];
    builder.extend(4u16.to_ne_bytes());
    builder.extend(b"done");
    builder.extend(1u16.to_ne_bytes());
    builder.extend(b"B");
    builder.extend([255, 7]);
    std::fs::write(dir.join("here.mmstats"), &builder).unwrap();
    *builder.last_mut().unwrap() = 8;
    std::fs::write(outer.path().join("secret.mmstats"), &builder).unwrap();
    std::os::unix::fs::symlink(outer.path(), dir.join("up")).unwrap();
    // A link to a file elsewhere, as anyone could plant in a shared
    // directory, and one to a file within.
    std::os::unix::fs::symlink(outer.path().join("secret.mmstats"), dir.join("x.mmstats")).unwrap();
    std::os::unix::fs::symlink("here.mmstats", dir.join("y.mmstats")).unwrap();
    let server = mmash(&dir);

    // Neither the link to a file elsewhere nor the directory above; nor
    // the link within: mmash follows no link.
    assert_eq!(
        server.json("/stats/done?glob=*.mmstats"),
        json!({"done": [7]})
    );
    assert_eq!(server.json("/files/x*"), json!({"files": []}));
    for target in [
        "/stats/done?glob=../x",
        "/stats/done?glob=..%2F*.mmstats",
        "/stats/done?glob=/etc/*",
        "/stats/done?glob=%2Ftmp%2F*",
        "/stats/done?glob=.%3F/*.mmstats",
        "/stats/done?glob=x/.*/*.mmstats",
        "/stats/done?glob=%5B",
        "/files/..%2F*",
        "/files/../*",
        "/files/%2Fetc%2F*",
        "/files/.%3F%2F*.mmstats",
        "/stats/done?glob=**%2F*.mmstats",
        "/stats/done?glob=**",
        "/files/**%2Fsecret.mmstats",
        "/files/up%2F**",
    ] {
        let error = server.refused(target);
        assert!(error.starts_with("glob "), "{target}: {error}");
    }
    // A link to a directory elsewhere leads nowhere.
    assert_eq!(server.json("/stats/done?glob=up/*.mmstats"), json!({}));
    assert_eq!(server.json("/files/up%2F*"), json!({"files": []}));
}

#[test]
fn without_path_request_patterns_apply_to_the_served_directory() {
    let outer = tempfile::tempdir().unwrap();
    let served = outer.path().join("served");
    let other = outer.path().join("other");
    let mut stats = vec![1u8];
    stats.extend(4u16.to_ne_bytes());
    stats.extend(b"done");
    stats.extend(1u16.to_ne_bytes());
    stats.extend(b"B");
    stats.extend([255, 7]);
    for dir in [&served, &other] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("a.mmstats"), &stats).unwrap();
    }
    let served_file = served.join("a.mmstats").display().to_string();

    // One served directory: request patterns apply there, not in
    // $MMSTATS_PATH (the directory above it here).
    let glob = format!("{}/*.mmstats", served.display());
    let server = mmash_with(&["--glob", &glob], outer.path());
    assert_eq!(
        server.json("/files/*.mmstats"),
        json!({"files": [served_file]})
    );
    assert_eq!(
        server.json("/files/other%2F*.mmstats"),
        json!({"files": []})
    );
    assert_eq!(server.json("/stats/done?glob=other/*.mmstats"), json!({}));
    drop(server);

    // Two served directories, or one with a wildcard: no directory for
    // request patterns, which are refused until --path gives one.
    let two = format!("{}/*.mmstats", other.display());
    let wild = format!("{}/*/a.mmstats", outer.path().display());
    for args in [&["--glob", &glob, "--glob", &two][..], &["--glob", &wild]] {
        let server = mmash_with(args, outer.path());
        for target in ["/files/*.mmstats", "/stats/done?glob=*.mmstats"] {
            let error = server.refused(target);
            assert!(
                error.starts_with("glob ") && error.contains("--path"),
                "{args:?} {target}: {error}"
            );
        }
        // The served files are still served.
        assert_eq!(
            server.json("/stats/done")["done"].as_array().unwrap().len(),
            2
        );
    }
    let server = mmash_with(
        &[
            "--glob",
            &glob,
            "--glob",
            &two,
            "--path",
            other.to_str().unwrap(),
        ],
        outer.path(),
    );
    assert_eq!(
        server.json("/files/*.mmstats"),
        json!({"files": [other.join("a.mmstats").display().to_string()]})
    );
}

#[test]
fn snapshot_gives_every_field_with_its_kind() {
    const TEST: &str = "snapshot_gives_every_field_with_its_kind";
    if play_writer() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_a, a_path) = writer(TEST, dir.path(), 4);
    let broken = broken(dir.path());
    let server = mmash(dir.path());

    let snapshot = server.json("/api/snapshot");
    let files = snapshot["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{snapshot}");
    let file = &files[0];
    assert_eq!(file["file"], json!(a_path.to_str().unwrap()));
    assert_eq!(file["version"], json!(1));
    assert_eq!(
        file["size"],
        json!(std::fs::metadata(&a_path).unwrap().len())
    );
    let field = |label: &str| -> &Json {
        file["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["label"] == json!(label))
            .unwrap_or_else(|| panic!("no {label} in {file}"))
    };
    let kinds = [
        ("status.2XX", "counter", json!(8)),
        ("requests", "counter", json!(4)),
        ("queue.depth", "gauge", json!(-3)),
        ("load", "gauge", json!(0.5)),
        ("healthy", "bool", json!(true)),
        ("last.user", "text", json!(HOSTILE_USER)),
        ("sys.pid", "gauge", json!(_a.id())),
    ];
    for (label, kind, value) in kinds {
        let f = field(label);
        assert_eq!(f["kind"], json!(kind), "{f}");
        assert_eq!(f["value"], value, "{f}");
        assert_eq!(f.as_object().unwrap().len(), 6, "{f}");
    }
    // Each field's members in the order of `slurpstats --json`, the kind
    // after the type.
    let raw = server.get("/api/snapshot").text();
    let objects: Vec<&str> = raw.split("{\"label\":").skip(1).collect();
    assert_eq!(objects.len(), file["fields"].as_array().unwrap().len());
    for object in objects {
        let at = |key: &str| {
            object
                .find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} in {object}"))
        };
        let order = ["type", "kind", "write_buffer", "offset", "value"].map(at);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{object}");
    }

    // The same shape as `slurpstats --json`, plus the kinds.
    let slurp = Command::new(env!("CARGO_BIN_EXE_slurpstats"))
        .arg("--json")
        .arg(&a_path)
        .output()
        .unwrap();
    let slurped: Json = serde_json::from_slice(&slurp.stdout).unwrap();
    let mut ours = file.clone();
    for f in ours["fields"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("kind");
    }
    // The writer wrote once, so the values are the same too.
    assert_eq!(ours, slurped);

    let errors = snapshot["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{snapshot}");
    assert_eq!(errors[0]["file"], json!(broken.to_str().unwrap()));
    let message = errors[0]["error"].as_str().unwrap();
    assert!(
        message.starts_with(broken.to_str().unwrap()) && message.contains("not an mmstats"),
        "{message}"
    );
}

#[test]
fn files_come_and_go_between_requests() {
    const TEST: &str = "files_come_and_go_between_requests";
    if play_writer() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = mmash(dir.path());
    assert_eq!(server.json("/files/"), json!({"files": []}));
    assert_eq!(server.json("/stats/"), json!({"stats": []}));

    let (mut a, a_path) = writer(TEST, dir.path(), 1);
    assert_eq!(
        server.json("/files/"),
        json!({"files": [a_path.to_str().unwrap()]})
    );
    let (_b, b_path) = writer(TEST, dir.path(), 2);
    let files = server.json("/files/");
    assert_eq!(files["files"].as_array().unwrap().len(), 2, "{files}");
    assert_eq!(
        sorted(&server.json("/stats/requests")["requests"]),
        [json!(1), json!(2)]
    );

    // The first process ends and its file is cleaned away.
    a.kill().unwrap();
    a.wait().unwrap();
    std::fs::remove_file(&a_path).unwrap();
    assert_eq!(
        server.json("/files/"),
        json!({"files": [b_path.to_str().unwrap()]})
    );
    assert_eq!(server.json("/stats/requests"), json!({"requests": [2]}));
    let metrics = server.get("/metrics").text();
    assert!(!metrics.contains(a_path.to_str().unwrap()), "{metrics}");
    assert!(metrics.contains(b_path.to_str().unwrap()), "{metrics}");
}

/// The value of the sample `series` (name and labels, as written) in a
/// `/metrics` text.
fn sample<'t>(text: &'t str, series: &str) -> Option<&'t str> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
}

#[test]
fn metrics_are_prometheus_text() {
    const TEST: &str = "metrics_are_prometheus_text";
    if play_writer() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (even, even_path) = writer(TEST, dir.path(), 4);
    let (odd, odd_path) = writer(TEST, dir.path(), 5);
    broken(dir.path());
    let server = mmash(dir.path());

    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = reply.text();
    // The command: the writer's `sys.cmd` where the file has one, else
    // the file name's part before the pid.
    let cmd = mmstats::reader::StatsFile::open(&even_path)
        .unwrap()
        .fields()
        .flatten()
        .find_map(|field| match field.value {
            mmstats::reader::Value::Str(cmd) if field.label == "sys.cmd" => Some(cmd),
            _ => None,
        })
        .unwrap_or_else(|| "web".to_owned());
    let labels = |pid: u32, path: &Path| {
        format!(
            "{{cmd=\"{cmd}\",pid=\"{pid}\",file=\"{}\"}}",
            path.display()
        )
    };
    let even_labels = labels(even.id(), &even_path);
    let odd_labels = labels(odd.id(), &odd_path);

    // Counters: `_total`, one TYPE line for the samples of both files.
    assert_eq!(
        text.matches("# TYPE mmstats_status_2XX_total counter\n")
            .count(),
        1,
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "# TYPE mmstats_status_2XX_total counter\n\
         mmstats_status_2XX_total{even_labels} 8\n\
         mmstats_status_2XX_total{odd_labels} 10\n"
        )) || text.contains(&format!(
            "# TYPE mmstats_status_2XX_total counter\n\
         mmstats_status_2XX_total{odd_labels} 10\n\
         mmstats_status_2XX_total{even_labels} 8\n"
        )),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("mmstats_requests_total{even_labels}")),
        Some("4")
    );
    assert_eq!(
        sample(&text, &format!("mmstats_idle_total{odd_labels}")),
        Some("0")
    );
    // Gauges, bools, NaN.
    assert!(
        text.contains("# TYPE mmstats_queue_depth gauge\n"),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("mmstats_queue_depth{even_labels}")),
        Some("-3")
    );
    assert_eq!(
        sample(&text, &format!("mmstats_load{even_labels}")),
        Some("0.5")
    );
    assert_eq!(
        sample(&text, &format!("mmstats_load{odd_labels}")),
        Some("NaN")
    );
    assert_eq!(
        sample(&text, &format!("mmstats_healthy{even_labels}")),
        Some("1")
    );
    assert_eq!(
        sample(&text, &format!("mmstats_healthy{odd_labels}")),
        Some("0")
    );
    assert_eq!(
        sample(&text, &format!("mmstats_sys_pid{even_labels}")),
        Some(even.id().to_string().as_str())
    );
    // Strings: an `_info` gauge with the string, escaped, as a label.
    assert!(
        text.contains("# TYPE mmstats_last_user_info gauge\n"),
        "{text}"
    );
    let info = format!(
        "mmstats_last_user_info{}\",value=\"a\\\"b\\\\c\\nd\"}}",
        even_labels.trim_end_matches("\"}")
    );
    assert_eq!(sample(&text, &info), Some("1"), "{info}\n{text}");
    // HELP and TYPE for every name, before its samples.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(
            text.contains(&format!("# HELP {name} ")) && text.contains(&format!("# TYPE {name} ")),
            "{line}"
        );
    }

    // The broken file is counted once per rendering of /metrics (a
    // rendering is served again for 250 ms); the other endpoints do not
    // count.
    let errors = |text: &str| -> u64 {
        sample(text, "mmstats_read_errors_total")
            .unwrap_or_else(|| panic!("{text}"))
            .parse()
            .unwrap()
    };
    let before = errors(&text);
    assert!(before >= 1, "{text}");
    server.get("/stats/");
    server.get("/api/snapshot");
    std::thread::sleep(Duration::from_millis(300));
    let after = errors(&server.get("/metrics").text());
    assert_eq!(after, before + 1);

    promtool_accepts(&text);
}

/// Runs `promtool check metrics` on `text`, if promtool is installed.
fn promtool_accepts(text: &str) {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("SKIP: promtool is not installed (Debian package prometheus); /metrics not checked by it");
            return;
        }
        Err(e) => panic!("promtool: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_page_is_compiled_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = mmash(dir.path());
    for target in ["/", "/graph/"] {
        let reply = server.get(target);
        assert_eq!(reply.status, 200, "{target}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.text(), mmstats_tools::mmash::GRAPH_HTML);
    }
    let reply = server.get("/graph");
    assert_eq!(reply.status, 308);
    assert_eq!(reply.header("location"), Some("/graph/"));
}

#[test]
fn command_line() {
    let help = Command::new(env!("CARGO_BIN_EXE_mmash"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for part in [
        "--glob",
        "--bind",
        "127.0.0.1:5002",
        "Examples:",
        "/metrics",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }

    let bad = Command::new(env!("CARGO_BIN_EXE_mmash"))
        .args(["--glob", "[", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));

    // A port that is taken: exit status 1, naming the address.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_mmash"))
        .args(["--bind", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(&format!("mmash: cannot listen on {addr}: ")),
        "{err}"
    );
}

#[test]
fn names_that_are_not_utf8_break_no_answer() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let stats = common::fixtures_dir().join("blog_script.mmstats");
    std::fs::copy(&stats, dir.path().join("good.mmstats")).unwrap();
    let cafe = std::ffi::OsStr::from_bytes(b"caf\xe9.mmstats");
    std::fs::copy(&stats, dir.path().join(cafe)).unwrap();
    std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"\xff")), b"").unwrap();
    let server = mmash(dir.path());
    let both = [
        format!("{}/caf\\xe9.mmstats", dir.path().display()),
        format!("{}/good.mmstats", dir.path().display()),
    ];
    assert_eq!(server.json("/files/"), json!({ "files": both }));
    assert_eq!(server.json("/stats/done"), json!({"done": [113, 113]}));
    assert_eq!(
        server.json("/api/snapshot")["files"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert_eq!(metrics.text().matches("mmstats_done_total{").count(), 2);
}

#[test]
fn a_directory_given_as_glob_serves_its_stats_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::fixtures_dir().join("blog_script.mmstats"),
        dir.path().join("blog.mmstats"),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not served").unwrap();
    let server = mmash_with(&["--glob", dir.path().to_str().unwrap()], dir.path());
    let files = server.json("/files/");
    assert_eq!(
        files,
        json!({"files": [dir.path().join("blog.mmstats").to_str().unwrap()]})
    );
}

/// A hard link to a file already read is skipped (see `Source::read`).
#[test]
fn hard_links_to_one_file_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blog.mmstats");
    std::fs::copy(common::fixtures_dir().join("blog_script.mmstats"), &file).unwrap();
    for name in ["l1.mmstats", "l2.mmstats", "l3.mmstats"] {
        std::fs::hard_link(&file, dir.path().join(name)).unwrap();
    }
    let server = mmash(dir.path());
    // Read once (as its first name), however many names it has: links
    // to one large file do not multiply the work of an answer.
    let text = server.get("/metrics").text();
    let pids: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("mmstats_sys_pid{"))
        .collect();
    assert_eq!(pids.len(), 1, "{text}");
    assert!(
        pids[0].contains(&format!("file=\"{}\"", file.display())),
        "{text}"
    );
    // Skipped silently: not a read error.
    assert_eq!(sample(&text, "mmstats_read_errors_total"), Some("0"));
}
