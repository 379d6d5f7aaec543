//! Running the built `taskforce` program, and a small HTTP/1.1 client over a plain TcpStream.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a server may take to start (the demo seeds its network first).
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// The program, run in `dir`, with none of the caller's Taskforce settings.
pub fn taskforce(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_taskforce"));
    command.current_dir(dir).stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TASKFORCE_") {
            command.env_remove(name);
        }
    }
    command
}

/// What a finished run printed.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(dir: &Path, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = taskforce(dir)
        .args(args)
        .output()
        .expect("run the taskforce program");
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Run {
    pub fn succeeded(self) -> Self {
        assert!(
            self.status.success(),
            "expected success, got {}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn failed(self) -> Self {
        assert!(
            !self.status.success(),
            "expected failure\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The files in a folder (to show that a refused command created nothing).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A unique name for a database (PostgreSQL) made by one test.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// A running `taskforce serve` or `taskforce demo`: started, waited for until it prints the
/// address it listens on, and killed when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Where `/healthz` and `/metrics` are served when they have an address of their own.
    pub metrics_addr: Option<String>,
    /// What it printed on standard output before it listened.
    pub banner: Vec<String>,
    stderr_file: PathBuf,
}

impl Server {
    /// Starts the program in `dir` (its standard error goes to a file there).
    pub fn start(dir: &Path, args: &[&str]) -> Self {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stderr_file = dir.join(format!("server-{n}.stderr"));
        let stderr = std::fs::File::create(&stderr_file).expect("stderr file");
        let mut child = taskforce(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start the taskforce program");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, receive) = mpsc::channel();
        std::thread::spawn(move || {
            // Keeps reading to the end, so the program never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        let mut banner = Vec::new();
        let mut metrics_addr = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match receive.recv_timeout(left) {
                Ok(line) => {
                    if let Some((_, addr)) = line.split_once("health and metrics on http://") {
                        metrics_addr = Some(addr.trim().to_owned());
                    }
                    let listening = [
                        ("http", " listening on http://"),
                        ("https", " listening on https://"),
                    ]
                    .into_iter()
                    .find_map(|(scheme, text)| {
                        line.split_once(text)
                            .map(|(_, addr)| (scheme, addr.trim().to_owned()))
                    });
                    if let Some((scheme, addr)) = listening {
                        banner.push(line);
                        return Self {
                            child,
                            addr,
                            scheme,
                            metrics_addr,
                            banner,
                            stderr_file,
                        };
                    }
                    banner.push(line);
                }
                Err(e) => {
                    let _ = child.kill();
                    let status = child.wait();
                    panic!(
                        "taskforce {args:?} did not start listening ({e}; {status:?})\nstdout:\n{}\nstderr:\n{}",
                        banner.join("\n"),
                        std::fs::read_to_string(&stderr_file).unwrap_or_default()
                    );
                }
            }
        }
    }

    pub fn get(&self, path: &str) -> HttpReply {
        http_get(&self.addr, path)
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
    }

    /// Asks the program to stop (SIGTERM, as a service manager would) and waits for it.
    pub fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "could not send SIGTERM to {pid}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the program") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the program did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpReply {
    /// The value of the session cookie this answer sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| v.strip_prefix("taskforce_session="))
            .and_then(|rest| rest.split(';').next())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `GET path` over a fresh connection (HTTP/1.1, `Connection: close`).
pub fn http_get(addr: &str, path: &str) -> HttpReply {
    http_request(addr, "GET", path, &[], None)
}

/// A request over a fresh connection (HTTP/1.1, `Connection: close`), with extra headers and a
/// body.
pub fn http_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> HttpReply {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("read timeout");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() || method != "GET" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer has a blank line after its headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_vec()
    };
    HttpReply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            return out;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}

/// `application/x-www-form-urlencoded`, fields in order.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// The code an authenticator app shows now for `secret` (the server reads the same clock).
pub fn totp_now(secret: &str, email: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("a base32 secret");
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Taskforce".into()),
        email.to_owned(),
    )
    .expect("a TOTP");
    totp.generate_current().expect("the system time")
}

/// A signed-in browser: its session cookie.
pub struct Browser {
    pub addr: String,
    pub cookie: String,
    /// The authenticator secret, when this sign-in enrolled one.
    pub secret: Option<String>,
}

impl Browser {
    /// Signs in over HTTP as a person does: password, then the authenticator code (enrolling
    /// an authenticator when the account has none; `secret` is the one enrolled before).
    pub fn sign_in(addr: &str, email: &str, password: &str, secret: Option<&str>) -> Self {
        let body = form_body(&[("email", email), ("password", password), ("next", "/")]);
        let form = [("Content-Type", "application/x-www-form-urlencoded")];
        let signed = http_request(addr, "POST", "/sign-in", &form, Some(&body));
        assert_eq!(signed.status, 303, "sign-in of {email}: {}", signed.body);
        let cookie = signed.session_cookie().expect("a session cookie");
        let cookie_header = format!("taskforce_session={cookie}");
        let page = http_request(
            addr,
            "GET",
            "/sign-in/second-factor",
            &[("Cookie", &cookie_header)],
            None,
        );
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"")
            .expect("a csrf field")
            .to_owned();
        let enrolled = between(&page.body, "id=\"totp-secret\">", "</code>").map(str::to_owned);
        let secret = enrolled
            .clone()
            .or_else(|| secret.map(str::to_owned))
            .expect("an authenticator secret");
        let body = form_body(&[("csrf", &csrf), ("code", &totp_now(&secret, email))]);
        let done = http_request(
            addr,
            "POST",
            "/sign-in/second-factor",
            &[
                ("Cookie", &cookie_header),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            Some(&body),
        );
        assert!(
            done.status == 200 || done.status == 303,
            "second factor of {email}: {} {}",
            done.status,
            done.body
        );
        Self {
            addr: addr.to_owned(),
            cookie,
            secret: enrolled,
        }
    }

    pub fn get(&self, path: &str) -> HttpReply {
        let cookie = format!("taskforce_session={}", self.cookie);
        http_request(&self.addr, "GET", path, &[("Cookie", &cookie)], None)
    }
}

/// The PostgreSQL server the suite may use (`TASKFORCE_TEST_POSTGRES`), if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("TASKFORCE_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = base[scheme_end..]
        .find('/')
        .map_or(base, |i| &base[..scheme_end + i]);
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}
