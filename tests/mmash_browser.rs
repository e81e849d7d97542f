//! mmash's live page in a real browser.
//!
//! Two writer processes publish a worker's stats, among them a text whose
//! label is `<script>alert(1)</script>` and whose value is `<b>html</b>`;
//! `mmash` serves them; headless Chromium, driven by chromedriver over the
//! W3C WebDriver protocol, opens `/graph/`. The page must plot a gauge,
//! show a value the writers set after it loaded, show a counter's rate,
//! and show the hostile label and value as text: no element made from
//! them, no alert, no error of its own.
//!
//! The screenshot it takes goes to `target/mmash-graph.png`, and with
//! `MMSTATS_UPDATE_SCREENSHOT=1` (which also waits for a minute of history)
//! to `docs/mmash-graph.png`:
//!
//! ```text
//! MMSTATS_UPDATE_SCREENSHOT=1 cargo test --test mmash_browser -- --nocapture
//! ```
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them); without them the test prints a `SKIP:` line and passes.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mmstats::{Counter, Gauge, MmStats, Text, Timer};
use serde_json::{json, Value as Json};

use common::{child_role, child_test, KillOnDrop};

const TEST: &str = "the_graph_page_plots_live_stats_and_shows_hostile_text_as_text";

const HOSTILE_LABEL: &str = "<script>alert(1)</script>";
const HOSTILE_VALUE: &str = "<b>html</b>";
/// The load both writers are told to show once the page has plotted theirs,
/// as the page writes it (JavaScript's shortest round trip).
const NEW_LOAD: &str = "4.25";

/// What the page polls within: generous, for a loaded CI machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// The size of the page in the browser, and so of the screenshot.
const VIEWPORT: (u64, u64) = (1280, 900);

/// A worker's stats, as a web service might publish them.
#[derive(MmStats)]
struct Worker {
    requests: Counter,
    errors: Counter,
    #[mmstats(label = "db.query_timer")]
    query_timer: Timer,
    #[mmstats(label = "queue.depth")]
    queue_depth: Gauge<u32>,
    load: Gauge<f64>,
    busy: Gauge<bool>,
    #[mmstats(size = 32)]
    user: Text,
    #[mmstats(label = "<script>alert(1)</script>", size = 32)]
    hostile: Text,
}

/// The writer's part: a worker at `$MMSTATS_BROWSER_DIR` that serves
/// simulated requests until its stdin closes. A line `load X` on stdin
/// fixes its load at X.
fn play_writer(role: &str) {
    let index: u32 = role
        .strip_prefix("writer-")
        .and_then(|n| n.parse().ok())
        .expect("role writer-N");
    let dir = PathBuf::from(std::env::var_os("MMSTATS_BROWSER_DIR").expect("the stats dir"));
    let stats = Worker::options()
        .path(&dir)
        .filename("worker-{PID}.mmstats")
        .create()
        .unwrap();
    stats.hostile.set(HOSTILE_VALUE);
    stats.busy.set(true);

    let (lines, commands) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    println!("\nready");

    const USERS: [&str; 5] = ["ann", "bob", "rob", "eve", "kim"];
    let phase = f64::from(index) * 1.7;
    let mut random = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(index);
    let mut fixed_load = None;
    let started = Instant::now();
    for tick in 0u64.. {
        match commands.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                if let Some(load) = line.strip_prefix("load ") {
                    fixed_load = Some(load.trim().parse::<f64>().unwrap());
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // The test is over.
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        // xorshift: a little noise.
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        let noise = (random % 1000) as f64 / 1000.0;
        let t = started.elapsed().as_secs_f64() + phase;
        let rate = 30.0 + 18.0 * (t / 6.0).sin() + 8.0 * noise;
        stats.requests.add((rate / 10.0).round() as u64);
        if random.is_multiple_of(23) {
            stats.errors.incr();
        }
        stats
            .query_timer
            .record_secs(0.012 + 0.005 * (t / 4.0).sin() + 0.003 * noise);
        stats
            .queue_depth
            .set((14.0 + 10.0 * (t / 9.0).sin() + 4.0 * noise).round() as u32);
        stats
            .load
            .set(fixed_load.unwrap_or(0.9 + 0.35 * (t / 7.0).sin() + 0.1 * noise));
        stats.busy.set(!random.is_multiple_of(5));
        if tick % 10 == 0 {
            stats
                .user
                .set(USERS[(tick / 10 + u64::from(index)) as usize % USERS.len()]);
        }
    }
}

/// A writer process; its stdin takes commands.
struct Writer {
    stdin: ChildStdin,
    _child: KillOnDrop,
}

fn start_writer(dir: &Path, index: u32) -> Writer {
    let mut child = KillOnDrop(
        child_test(TEST, &format!("writer-{index}"))
            .env("MMSTATS_BROWSER_DIR", dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line == "ready");
    assert!(ready, "writer {index} did not start");
    // Read the rest, so that the child's test harness never writes into a
    // closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Writer {
        stdin: child.stdin.take().unwrap(),
        _child: child,
    }
}

/// Starts `mmash` on a free port of 127.0.0.1 and returns it with the
/// address it printed (`http://127.0.0.1:PORT/`).
fn start_mmash(dir: &Path) -> (KillOnDrop, String) {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_mmash"))
            .arg("--bind")
            .arg("127.0.0.1:0")
            .arg("--glob")
            .arg(dir.join("*.mmstats"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.stdout.take().unwrap();
    let (first_line, line) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = first_line.send(lines.next());
        // Keep reading, so that mmash never blocks on a full pipe.
        for _ in lines {}
    });
    let line = line
        .recv_timeout(PATIENCE)
        .expect("mmash printed nothing")
        .expect("mmash ended before printing its address")
        .unwrap();
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("mmash's first line: {line:?}"))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    (child, url)
}

/// A process and every process in its process group (chromedriver and the
/// Chromium it starts), killed when the guard goes.
struct ProcessGroup(KillOnDrop);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let group = self.0.id() as libc::pid_t;
        // SAFETY: kill() takes two integers and touches no memory; the
        // group is the one this test made for the child (process_group(0)).
        unsafe { libc::kill(-group, libc::SIGKILL) };
    }
}

fn start_chromedriver(chromedriver: &Path, log: &Path) -> (ProcessGroup, SocketAddr) {
    use std::os::unix::process::CommandExt;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0)
        .spawn()
        .unwrap();
    let group = ProcessGroup(KillOnDrop(child));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    poll("chromedriver to be ready", PATIENCE, || {
        let (_, status) = http(addr, "GET", "/status", None).ok()?;
        status["value"]["ready"].as_bool().filter(|&ready| ready)
    });
    (group, addr)
}

/// One HTTP/1.1 request with a JSON body, answered by a JSON body.
/// (chromedriver keeps the connection open whatever the request says, so
/// the answer ends where its `Content-Length` or last chunk says.)
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Json>,
) -> std::io::Result<(u16, Json)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(Json::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut response = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut read_more = |response: &mut Vec<u8>| -> std::io::Result<()> {
        match stream.read(&mut buf)? {
            0 => Err(bad("the connection closed early")),
            n => {
                response.extend_from_slice(&buf[..n]);
                Ok(())
            }
        }
    };
    let split = loop {
        if let Some(at) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        read_more(&mut response)?;
    };
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse::<usize>().ok());
    let payload = if let Some(length) = length {
        while response.len() < split + 4 + length {
            read_more(&mut response)?;
        }
        response[split + 4..split + 4 + length].to_vec()
    } else if head.contains("transfer-encoding: chunked") {
        loop {
            if let Some(payload) = dechunk(&response[split + 4..]) {
                break payload;
            }
            read_more(&mut response)?;
        }
    } else {
        return Err(bad("an answer with neither a length nor chunks"));
    };
    let json = if payload.is_empty() {
        Json::Null
    } else {
        serde_json::from_slice(&payload).map_err(|err| bad(&err.to_string()))?
    };
    Ok((status, json))
}

/// A chunked body, once all of it (up to the last, empty chunk) is in.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = body.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&body[..end]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(end + 2..end + 2 + size)?);
        body = body.get(end + 4 + size..)?;
    }
}

/// A WebDriver session, deleted (closing its browser) when dropped.
struct Session {
    driver: SocketAddr,
    id: String,
}

impl Session {
    fn new(driver: SocketAddr, chromium: &Path, profile: &Path) -> Session {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {"binary": chromium, "args": args}
        }}});
        let (status, answer) = http(driver, "POST", "/session", Some(&capabilities)).unwrap();
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session (HTTP {status}): {answer}"))
            .to_owned();
        let session = Session { driver, id };
        // The window, less the browser's own bars, is what a screenshot shows.
        let bars = session.run(
            "return [outerWidth - innerWidth, outerHeight - innerHeight];",
            json!([]),
        );
        let (width, height) = VIEWPORT;
        let rect = json!({
            "width": width + bars[0].as_u64().unwrap(),
            "height": height + bars[1].as_u64().unwrap(),
        });
        session.command("POST", "/window/rect", Some(rect)).unwrap();
        session
    }

    /// Calls `probe` until it gives a value, for at most [`PATIENCE`]; on
    /// timeout, fails with what the page shows (and a screenshot of it in
    /// `target/mmash-graph-failure.png`).
    fn wait_for<T>(&self, what: &str, probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        let mut probe = probe;
        loop {
            if let Some(value) = probe() {
                return value;
            }
            if Instant::now() >= deadline {
                let failure = target_dir().join("mmash-graph-failure.png");
                let _ = std::fs::write(&failure, self.screenshot());
                let text = self.run("return document.body.innerText;", json!([]));
                panic!(
                    "waited {PATIENCE:?} for {what} in vain; the page ({}) shows:\n{}",
                    failure.display(),
                    text.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A WebDriver command; its `value`, or the error it answered.
    fn command(&self, method: &str, path: &str, body: Option<Json>) -> Result<Json, String> {
        let path = format!("/session/{}{path}", self.id);
        let (status, answer) =
            http(self.driver, method, &path, body.as_ref()).map_err(|err| err.to_string())?;
        let value = answer["value"].clone();
        if status == 200 {
            Ok(value)
        } else {
            Err(format!("{} ({})", value["error"], value["message"]))
        }
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    fn run(&self, script: &str, args: Json) -> Json {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .unwrap_or_else(|err| panic!("script failed: {err}\n{script}"))
    }

    fn click(&self, css: &str) {
        let element = self
            .command(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .unwrap_or_else(|err| panic!("{css}: {err}"));
        let id = element
            .as_object()
            .and_then(|e| e.values().next())
            .and_then(Json::as_str)
            .unwrap_or_else(|| panic!("{css}: {element}"));
        self.command("POST", &format!("/element/{id}/click"), Some(json!({})))
            .unwrap_or_else(|err| panic!("clicking {css}: {err}"));
    }

    fn screenshot(&self) -> Vec<u8> {
        let png = self.command("GET", "/screenshot", None).unwrap();
        base64_decode(png.as_str().unwrap())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.command("DELETE", "", None);
    }
}

/// What the page shows for the stat row (numbers or texts table) or plot
/// with `data-label` equal to the argument; null where there is none.
const ROW: &str = r#"
const label = arguments[0];
const row = Array.from(document.querySelectorAll('tr.stat')).find((r) => r.dataset.label === label);
const plot = Array.from(document.querySelectorAll('figure.plot')).find((p) => p.dataset.label === label);
return {
  row: row ? {
    value: row.dataset.value,
    rate: row.dataset.rate === undefined ? null : row.dataset.rate,
    labelText: row.querySelector('td.label').textContent,
    valueText: row.querySelector('td.value').textContent,
    files: row.querySelector('td.files') ? row.querySelector('td.files').textContent : null,
  } : null,
  samples: plot ? Number(plot.dataset.samples) : null,
};
"#;

/// What the hostile text could have made of the page.
const INJECTION: &str = r#"
return {
  scripts: Array.from(document.querySelectorAll('script')).filter((s) => s.textContent.includes('alert(1)')).length,
  bolds: document.querySelectorAll('b').length,
  pageErrors: window.mmash ? window.mmash.pageErrors : ['window.mmash is missing'],
  errorsShown: !document.getElementById('errors').hidden,
  errors: document.getElementById('errors').textContent,
  updates: Number(document.getElementById('status').dataset.updates),
};
"#;

/// Calls `probe` until it gives a value, for at most `timeout`.
fn poll<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "waited {timeout:?} for {what} in vain"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c:?}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(sextet)
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &d)| acc | u32::from(d) << (18 - 6 * i));
        out.extend_from_slice(&bits.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// The first of `names` that is an executable file on `$PATH` (or a path).
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::iter::once(PathBuf::from(name))
            .filter(|p| p.is_absolute())
            .chain(std::env::split_paths(&path).map(|dir| dir.join(name)))
            .find(|p| p.is_file())
    })
}

/// `target/` (or `$CARGO_TARGET_DIR`): this test binary is in `target/<profile>/deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_owned()
}

#[test]
fn the_graph_page_plots_live_stats_and_shows_hostile_text_as_text() {
    if let Some(role) = child_role() {
        play_writer(&role);
        return;
    }
    let (Some(chromium), Some(chromedriver)) = (
        find_program(&["/usr/bin/chromium", "chromium", "chromium-browser"]),
        find_program(&["/usr/bin/chromedriver", "chromedriver"]),
    ) else {
        let line =
            "SKIP: chromium or chromedriver is missing (apt-get install chromium chromium-driver)";
        println!("{line}");
        eprintln!("{line}");
        return;
    };
    let update_docs = std::env::var("MMSTATS_UPDATE_SCREENSHOT").as_deref() == Ok("1");

    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("stats");
    std::fs::create_dir(&stats).unwrap();
    let mut writers: Vec<Writer> = (0..2).map(|i| start_writer(&stats, i)).collect();
    let (_mmash, url) = start_mmash(&stats);

    let (_chromedriver, driver) =
        start_chromedriver(&chromedriver, &dir.path().join("chromedriver.log"));
    // Dropped before chromedriver: the session closes its browser first.
    let page = Session::new(driver, &chromium, &dir.path().join("profile"));
    let mut graph = format!("{url}graph/");
    if update_docs {
        graph.push_str("#interval=500&window=60");
    }
    page.command("POST", "/url", Some(json!({ "url": graph })))
        .unwrap();

    // The first numbers get a plot by themselves; the user swaps one for
    // the load.
    page.wait_for("the default plots", || {
        page.run(ROW, json!(["requests"]))["samples"]
            .as_u64()
            .filter(|&n| n >= 1)
    });
    page.click("figure.plot[data-label='errors'] button.close");
    page.click("tr.stat.numeric[data-label='load'] input.plot-toggle");
    let samples = page.wait_for("the load's plot to have samples", || {
        page.run(ROW, json!(["load"]))["samples"]
            .as_u64()
            .filter(|&n| n >= 2)
    });
    println!("the load's plot has {samples} samples");
    assert!(
        page.run(ROW, json!(["errors"]))["samples"].is_null(),
        "the errors plot was removed"
    );

    // A value written after the page loaded shows up.
    for writer in &mut writers {
        writeln!(writer.stdin, "load {NEW_LOAD}").unwrap();
    }
    let started = Instant::now();
    page.wait_for("the page to show the new load", || {
        let load = page.run(ROW, json!(["load"]));
        (load["row"]["value"] == NEW_LOAD).then_some(())
    });
    println!("the page showed the new load after {:?}", started.elapsed());

    // Counters show their rate per second; across files they are summed.
    let requests = page.wait_for("a request rate", || {
        let requests = page.run(ROW, json!(["requests"]));
        let rate: f64 = requests["row"]["rate"].as_str()?.parse().ok()?;
        (rate > 0.0).then_some(requests)
    });
    println!("requests: {}", requests["row"]);
    assert_eq!(requests["row"]["files"], "sum of 2", "{requests}");
    let load = page.run(ROW, json!(["load"]));
    assert_eq!(load["row"]["files"], "mean of 2", "{load}");

    // Per file, each file has its own rows.
    page.click("#view-files");
    let per_file = page.wait_for("a row per file", || {
        let rows = page.run(
            "return Array.from(document.querySelectorAll('tr.stat.numeric'))
                .filter((r) => r.dataset.label === 'load')
                .map((r) => [r.dataset.file, r.dataset.value]);",
            json!([]),
        );
        (rows.as_array()?.len() == 2).then_some(rows)
    });
    assert_ne!(per_file[0][0], per_file[1][0], "{per_file}");
    assert_eq!(per_file[0][1], NEW_LOAD, "{per_file}");
    assert_eq!(per_file[1][1], NEW_LOAD, "{per_file}");
    page.click("#view-all");

    // The hostile label and value are text, and nothing else.
    let hostile = page.run(ROW, json!([HOSTILE_LABEL]));
    assert_eq!(hostile["row"]["labelText"], HOSTILE_LABEL, "{hostile}");
    assert_eq!(hostile["row"]["valueText"], HOSTILE_VALUE, "{hostile}");
    assert_eq!(hostile["row"]["value"], HOSTILE_VALUE, "{hostile}");
    let injection = page.run(INJECTION, json!([]));
    assert_eq!(
        injection["scripts"], 0,
        "a <script> made from a label: {injection}"
    );
    assert_eq!(
        injection["bolds"], 0,
        "a <b> made from a value: {injection}"
    );
    assert_eq!(injection["pageErrors"], json!([]), "{injection}");
    assert_eq!(injection["errorsShown"], false, "{injection}");
    assert!(injection["updates"].as_u64() > Some(2), "{injection}");
    let alert = page.command("GET", "/alert/text", None);
    assert!(alert.is_err(), "an alert is open: {alert:?}");

    if update_docs {
        // A minute of history, for a screenshot worth looking at.
        poll("a minute of history", Duration::from_secs(90), || {
            page.run(ROW, json!(["requests"]))["samples"]
                .as_u64()
                .filter(|&n| n >= 115)
        });
    }
    let png = page.screenshot();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let shot = target_dir().join("mmash-graph.png");
    std::fs::write(&shot, &png).unwrap();
    println!("screenshot: {}", shot.display());
    if update_docs {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mmash-graph.png");
        std::fs::create_dir_all(docs.parent().unwrap()).unwrap();
        std::fs::write(&docs, &png).unwrap();
        println!("screenshot: {}", docs.display());
    }
}
