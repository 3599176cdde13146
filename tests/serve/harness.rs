//! Runs `rebound serve` as a child process on an ephemeral loopback port and
//! talks hand-written HTTP/1.1 to it. Every response that goes through
//! [`Server::call`] is checked against the OpenAPI document the server
//! itself serves.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::schema;

/// How long anything the tests wait for may take on a busy machine.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A running `rebound serve`; killed when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    openapi: Value,
}

/// One HTTP response.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Server {
    /// Starts `rebound ARGS... serve --listen 127.0.0.1:0 SERVE_ARGS...` and
    /// waits until it listens.
    pub fn start(global: &[&str], serve: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rebound"))
            .env("REBOUND_NO_CACHE", "1")
            .args(global)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(serve)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rebound serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap());
        let log = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                if let Some(rest) = line.split("serving on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or_default().to_string();
                    let _ = tx.send(addr);
                }
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let Ok(addr) = rx.recv_timeout(PATIENCE) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rebound serve did not start:\n{}", stderr.lock().unwrap());
        };
        let addr: SocketAddr = addr.parse().unwrap();
        assert!(addr.ip().is_loopback(), "{addr}");
        let mut server = Server { child, addr, stderr, openapi: Value::Null };
        let doc = server.raw(b"GET /openapi.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
        assert_eq!(doc.status, 200);
        server.openapi = doc.json();
        server
    }

    /// The OpenAPI document the server serves.
    pub fn openapi(&self) -> &Value {
        &self.openapi
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends a signal (`TERM`, `HUP`, ...) to the server.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").args(["-s", name, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -s {name}");
    }

    /// Waits for the server to exit by itself.
    pub fn wait(mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < PATIENCE, "the server did not exit:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `METHOD PATH` with an optional `Content-Type` and body; the response
    /// is checked against the OpenAPI document.
    pub fn call(&self, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Response {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n");
        if let Some(ct) = content_type {
            request.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if method == "POST" || !body.is_empty() {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        let response = self.raw(&bytes).unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.stderr()));
        self.conforms(method, path, &response);
        response
    }

    /// `POST /classify` with a JSON body.
    pub fn classify(&self, query: &str, body: &Value) -> Response {
        self.call("POST", &format!("/classify{query}"), Some("application/json"), body.to_string().as_bytes())
    }

    /// Sends bytes as they are and reads the response until the server
    /// closes the connection.
    pub fn raw(&self, request: &[u8]) -> std::io::Result<Response> {
        let mut stream = self.connect()?;
        stream.write_all(request)?;
        read_response(&mut stream)
    }

    /// A fresh connection to the server.
    pub fn connect(&self) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect_timeout(&self.addr, PATIENCE)?;
        stream.set_read_timeout(Some(PATIENCE))?;
        Ok(stream)
    }

    /// Checks a response against what the OpenAPI document promises for
    /// `METHOD PATH` and its status; paths the document does not list must
    /// answer with its `Error` schema.
    pub fn conforms(&self, method: &str, path: &str, response: &Response) {
        let doc = &self.openapi;
        let route = path.split('?').next().unwrap();
        let operation = &doc["paths"][route][method.to_ascii_lowercase()];
        let content_type = response.header("content-type").unwrap_or_default();
        let essence = content_type.split(';').next().unwrap().trim();
        let schema = if operation.is_null() {
            assert!(response.status >= 400, "{method} {path} is not documented but answered {}", response.status);
            serde_json::json!({"$ref": "#/components/schemas/Error"})
        } else {
            let mut documented = operation["responses"][response.status.to_string()].clone();
            if let Some(r) = documented.get("$ref").and_then(Value::as_str) {
                documented = doc.pointer(r.strip_prefix('#').unwrap()).unwrap().clone();
            }
            assert!(!documented.is_null(), "{method} {path}: status {} is not documented", response.status);
            let schema = documented["content"][essence]["schema"].clone();
            assert!(!schema.is_null(), "{method} {path} {}: content type {essence} is not documented", response.status);
            schema
        };
        let value = if essence == "application/json" { response.json() } else { Value::String(response.text()) };
        let problems = schema::violations(doc, &schema, &value);
        assert!(problems.is_empty(), "{method} {path} {} breaks the OpenAPI document: {problems:#?}", response.status);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one response: status line, headers, then the body by
/// `Content-Length`, chunked encoding, or to the end of the stream.
pub fn read_response(stream: &mut impl Read) -> std::io::Result<Response> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (name, value) = l.split_once(':').ok_or_else(|| std::io::Error::other(format!("bad header {l:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |n: &str| headers.iter().find(|(h, _)| h == n).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = header("content-length") {
        body.resize(len.parse().map_err(std::io::Error::other)?, 0);
        reader.read_exact(&mut body)?;
    } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(std::io::Error::other)?;
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?;
            if size == 0 {
                break;
            }
        }
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok(Response { status, headers, body })
}

/// Calls `f` until it returns `Some`, or panics saying `what` after
/// [`PATIENCE`].
pub fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(start.elapsed() < PATIENCE, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The value of one series line `name{labels} value` in a metrics page.
pub fn series(metrics: &str, name_and_labels: &str) -> Option<f64> {
    metrics.lines().find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok())
}
