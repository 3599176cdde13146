//! `rebound serve` end to end: a real server process on an ephemeral
//! loopback port, every endpoint, every error path, reloads on file change
//! and SIGHUP, and a graceful SIGTERM. Every response is checked against the
//! OpenAPI document the server serves.

#[path = "serve/fixtures.rs"]
mod fixtures;
#[path = "serve/harness.rs"]
mod harness;
#[path = "serve/schema.rs"]
mod schema;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use fixtures::{BLOCK_RULE, DSN, ENGINE, PROFILE};
use harness::{eventually, series, Server};
use serde_json::{json, Value};

fn rules_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("engine.toml"), ENGINE).unwrap();
    std::fs::create_dir(dir.path().join("profiles")).unwrap();
    std::fs::write(dir.path().join("profiles/esp.toml"), PROFILE).unwrap();
    dir
}

fn start(dir: &Path, serve: &[&str]) -> Server {
    Server::start(&["--rules", dir.to_str().unwrap()], serve)
}

/// What `rebound classify --format json` writes for these lines.
fn cli_answers(dir: &Path, profile: Option<&str>, lines: &[&str]) -> String {
    cli_stdin(dir, profile, lines.join("\n").as_bytes())
}

/// What `rebound classify --format json` writes for `stdin`.
fn cli_stdin(dir: &Path, profile: Option<&str>, stdin: &[u8]) -> String {
    let mut args = vec!["--rules", dir.to_str().unwrap()];
    if let Some(p) = profile {
        args.extend(["--profile", p]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(args)
        .args(["classify", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// A request body must conform to the document's `ClassifyRequest`.
fn assert_documented_request(server: &Server, body: &Value) {
    let doc = server.openapi();
    let schema = &doc["paths"]["/classify"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(schema::violations(doc, schema, body), Vec::<String>::new(), "{body}");
}

#[test]
fn classify_answers_exactly_like_the_cli() {
    let dir = rules_dir();
    let server = start(dir.path(), &[]);
    let lines = ["550 5.1.1 <bob@example.org>: nobody by that name", "452 4.2.2 the mailbox is full", "hello"];

    let one = json!({"text": lines[0]});
    assert_documented_request(&server, &one);
    let r = server.classify("", &one);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.text(), cli_answers(dir.path(), None, &lines[..1]), "one reply: the CLI's record, byte for byte");
    assert_eq!(r.json()["reason"], "user_unknown");
    let code_line = ENGINE.lines().position(|l| l == "[[code]]").unwrap() + 1;
    assert_eq!(r.json()["rule"], format!("{}:{code_line}", dir.path().join("engine.toml").display()));

    let batch = json!({"texts": lines});
    assert_documented_request(&server, &batch);
    let r = server.classify("", &batch);
    assert_eq!(r.status, 200);
    let cli: Vec<Value> =
        cli_answers(dir.path(), None, &lines).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(r.json(), Value::Array(cli), "a batch: the CLI's records as a list, in order");
    let answers = r.json();
    let reasons: Vec<&str> = answers.as_array().unwrap().iter().map(|a| a["reason"].as_str().unwrap()).collect();
    // The two reasons come from different rules, so neither answer is a default.
    assert_eq!(reasons, ["user_unknown", "mailbox_full", "undefined"]);

    // A batch over 64 KiB is classified off the request threads; same answers.
    let many: Vec<&str> = lines.iter().copied().cycle().take(3000).collect();
    let r = server.classify("", &json!({"texts": many}));
    assert_eq!(r.status, 200);
    let answers = r.json();
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 3000);
    assert!(answers.iter().zip(&many).all(|(a, t)| a["diagnostic"] == *t), "in order");

    let r = server.classify("", &json!({"texts": []}));
    assert_eq!((r.status, r.json()), (200, json!([])));
    // Non-ASCII and control characters survive the round trip.
    let r = server.classify("", &json!({"text": "550 5.1.1 Benutzer unbekannt \u{00e9}\t\u{0001}"}));
    assert_eq!(r.json()["diagnostic"], "550 5.1.1 Benutzer unbekannt \u{00e9}\t\u{0001}");
}

#[test]
fn a_bounce_email_gets_one_answer_per_recipient_like_the_cli() {
    let dir = rules_dir();
    let server = start(dir.path(), &[]);
    for profile in [None, Some("esp")] {
        let query = profile.map(|p| format!("?profile={p}")).unwrap_or_default();
        let r = server.call("POST", &format!("/classify{query}"), Some("message/rfc822"), DSN.as_bytes());
        assert_eq!(r.status, 200, "{}", r.text());
        let cli: Vec<Value> =
            cli_stdin(dir.path(), profile, DSN.as_bytes()).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(cli.len(), 2, "the CLI reads both recipients");
        assert_eq!(r.json(), Value::Array(cli), "{profile:?}: the CLI's records for the same email, as a list");
    }
    let answers = server.call("POST", "/classify", Some("message/rfc822"), DSN.as_bytes()).json();
    let got: Vec<(&str, &str, &str, &str)> = answers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap();
            (s("recipient"), s("action"), s("remote_mta"), s("reason"))
        })
        .collect();
    assert_eq!(
        got,
        [
            ("bob@example.net", "failed", "mx.example.net", "user_unknown"),
            ("carol@example.net", "delayed", "mx2.example.net", "mailbox_full")
        ]
    );

    // Not a bounce, or not an email at all: nothing to answer, no error.
    let hello = "From: a@example.com\r\nTo: b@example.com\r\nSubject: lunch?\r\n\r\nTomorrow at noon?\r\n";
    for body in [hello.as_bytes(), b"\xff\x00 not an email", b""] {
        let r = server.call("POST", "/classify", Some("message/rfc822"), body);
        assert_eq!((r.status, r.json()), (200, json!([])), "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn the_profile_is_picked_per_request_and_by_the_server() {
    let dir = rules_dir();
    let server = start(dir.path(), &[]);
    let text = json!({"text": "550 5.1.1 nobody by that name"});
    let r = server.classify("?profile=esp", &text);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), cli_answers(dir.path(), Some("esp"), &["550 5.1.1 nobody by that name"]));
    assert_eq!(
        (r.json()["category"].as_str(), r.json()["reason"].as_str()),
        (Some("bad-mailbox"), Some("user_unknown"))
    );
    assert_eq!(server.classify("", &text).json()["category"], "user_unknown", "no profile: the reason");

    let r = server.classify("?profile=nope", &text);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["known_profiles"], json!(["esp"]));
    assert!(r.json()["error"].as_str().unwrap().contains("`nope`"), "{}", r.text());

    let server = Server::start(&["--rules", dir.path().to_str().unwrap(), "--profile", "esp"], &[]);
    assert_eq!(server.classify("", &text).json()["category"], "bad-mailbox", "--profile sets the default");
    assert_eq!(server.call("GET", "/healthz", None, b"").json()["profile"], "esp");
}

#[test]
fn bad_requests_get_json_errors_and_never_take_the_server_down() {
    let dir = rules_dir();
    let server = start(dir.path(), &["--max-body", "1K"]);
    let json_body = |body: &[u8]| server.call("POST", "/classify", Some("application/json"), body);
    for (body, needle) in [
        (&b"{\"text\": \"550"[..], "malformed JSON body"),
        (b"", "malformed JSON body"),
        (b"\xff\xfe", "malformed JSON body"),
        (b"[\"550\"]", "malformed JSON body"),
        (b"{\"text\": 550}", "malformed JSON body"),
        (b"{\"texts\": [\"a\", null]}", "malformed JSON body"),
        (b"{}", "`text`"),
        (b"{\"text\": \"a\", \"texts\": []}", "not both"),
        (b"{\"reply\": \"a\"}", "unknown field"),
    ] {
        let r = json_body(body);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(body));
        let error = r.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(needle), "{error}");
    }
    let r = server.call("POST", "/classify", Some("text/plain"), b"550 5.1.1 x");
    assert_eq!(r.status, 415);
    assert!(r.json()["error"].as_str().unwrap().contains("text/plain"));
    let r = server.call("POST", "/classify?profile=%ff", Some("application/json"), b"{\"text\":\"a\"}");
    assert_eq!(r.status, 400, "{}", r.text());

    // Over --max-body: declared up front, and streamed without a length.
    let big = json!({"text": "x".repeat(2000)}).to_string();
    let r = json_body(big.as_bytes());
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("1024 bytes"), "{}", r.text());
    let mut chunked = b"POST /classify HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in big.as_bytes().chunks(300) {
        chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let r = server.raw(&chunked).unwrap();
    server.conforms("POST", "/classify", &r);
    assert_eq!(r.status, 413, "{}", r.text());
    // Just under the limit is fine.
    let fits = json!({"text": "x".repeat(1000)}).to_string();
    assert_eq!(json_body(fits.as_bytes()).status, 200);

    let r = server.call("GET", "/nowhere", None, b"");
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("/nowhere"));
    let r = server.call("GET", "/classify", None, b"");
    assert_eq!(r.status, 405);
    assert_eq!(server.call("DELETE", "/healthz", None, b"").status, 405);
    // Garbage that is not HTTP at all only costs its own connection.
    let _ = server.raw(b"\x00\x01 not http\r\n\r\n");
    let r = server.call("GET", "/healthz", None, b"");
    assert_eq!(r.status, 200, "still serving after all that");
}

#[test]
fn healthz_metrics_and_openapi() {
    let dir = rules_dir();
    let server = start(dir.path(), &[]);
    let r = server.call("GET", "/healthz", None, b"");
    assert_eq!(r.status, 200);
    let health = r.json();
    assert_eq!((health["status"].as_str(), health["generation"].as_u64()), (Some("ok"), Some(1)));
    assert_eq!(health["last_reload_error"], Value::Null);

    let r = server.call("GET", "/openapi.json", None, b"");
    assert_eq!(r.status, 200);
    assert!(r.json()["openapi"].as_str().unwrap().starts_with("3."));

    server.classify("?profile=esp", &json!({"texts": ["550 5.1.1 a", "550 5.1.1 b", "452 4.2.2 mailbox is full"]}));
    server.classify("", &json!({"text": "550 5.1.1 a"}));
    server.classify("", &json!({}));
    server.call("GET", "/nowhere", None, b"");
    let r = server.call("GET", "/metrics", None, b"");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let m = r.text();
    for line in m.lines() {
        let ok = line.starts_with("# HELP rebound_")
            || line.starts_with("# TYPE rebound_")
            || (line.starts_with("rebound_") && line.rsplit(' ').next().unwrap().parse::<f64>().is_ok());
        assert!(ok, "not a rebound_* exposition line: {line:?}");
    }
    let want = [
        ("rebound_http_requests_total{route=\"/classify\",status=\"200\"}", 2.0),
        ("rebound_http_requests_total{route=\"/classify\",status=\"400\"}", 1.0),
        ("rebound_http_requests_total{route=\"other\",status=\"404\"}", 1.0),
        ("rebound_http_requests_total{route=\"/openapi.json\",status=\"200\"}", 2.0),
        ("rebound_classify_duration_seconds_count", 2.0),
        ("rebound_classify_duration_seconds_bucket{le=\"+Inf\"}", 2.0),
        ("rebound_answers_total{profile=\"esp\",category=\"bad-mailbox\",kind=\"hard\"}", 2.0),
        ("rebound_answers_total{profile=\"esp\",category=\"try-later\",kind=\"soft\"}", 1.0),
        ("rebound_answers_total{profile=\"\",category=\"user_unknown\",kind=\"hard\"}", 1.0),
        ("rebound_rules_generation", 1.0),
        ("rebound_rules_reloads_total{outcome=\"applied\"}", 0.0),
        ("rebound_rules_reloads_total{outcome=\"rejected\"}", 0.0),
        ("rebound_rules_last_reload_rejected", 0.0),
        ("rebound_http_requests_in_flight", 1.0),
    ];
    for (name, value) in want {
        assert_eq!(series(&m, name), Some(value), "{name} in\n{m}");
    }
}

#[test]
fn rules_reload_on_change_and_a_broken_change_keeps_the_last_good_rules() {
    let dir = rules_dir();
    let server = start(dir.path(), &[]);
    let ask =
        || server.classify("", &json!({"text": "554 5.7.1 go away"})).json()["reason"].as_str().unwrap().to_string();
    assert_eq!(ask(), "undefined");

    std::fs::write(dir.path().join("block.toml"), BLOCK_RULE).unwrap();
    eventually("the new rule answers", || (ask() == "blocked").then_some(()));
    let health = server.call("GET", "/healthz", None, b"").json();
    assert_eq!(health["generation"], 2);

    // A broken edit is rejected as a whole; generation 2 keeps answering.
    std::fs::write(dir.path().join("broken.toml"), "[[rule]]\nreason = \"no_such_reason\"\nphrases = [\"x\"]\n")
        .unwrap();
    let m = eventually("the rejected reload shows in /metrics", || {
        let m = server.call("GET", "/metrics", None, b"").text();
        (series(&m, "rebound_rules_reloads_total{outcome=\"rejected\"}") >= Some(1.0)).then_some(m)
    });
    assert_eq!(series(&m, "rebound_rules_last_reload_rejected"), Some(1.0));
    assert_eq!(series(&m, "rebound_rules_generation"), Some(2.0));
    assert_eq!(series(&m, "rebound_rules_reloads_total{outcome=\"applied\"}"), Some(1.0));
    assert_eq!(ask(), "blocked");
    let health = server.call("GET", "/healthz", None, b"").json();
    assert_eq!(health["generation"], 2);
    let errors = health["last_reload_error"].as_array().expect("the rejected reload's diagnostics");
    assert!(errors.iter().any(|e| e.as_str().unwrap().contains("broken.toml:")), "{errors:?}");
    // The log line may reach the test's reader of the server's stderr after
    // the metrics show the rejection: wait for it.
    eventually("the rejected reload's diagnostics are logged", || {
        server.stderr().contains("broken.toml:").then_some(())
    });

    // Fixing the files clears the error.
    std::fs::remove_file(dir.path().join("broken.toml")).unwrap();
    eventually("the fix clears the error", || {
        let health = server.call("GET", "/healthz", None, b"").json();
        health["last_reload_error"].is_null().then_some(())
    });
    assert_eq!(ask(), "blocked");
}

#[test]
fn sighup_forces_a_reload() {
    let dir = rules_dir();
    let server = start(dir.path(), &[]);
    server.signal("HUP");
    eventually("SIGHUP reloads (nothing changed)", || {
        let m = server.call("GET", "/metrics", None, b"").text();
        (series(&m, "rebound_rules_reloads_total{outcome=\"unchanged\"}") == Some(1.0)).then_some(())
    });
    // The metric is counted before the line is logged: wait for the log too.
    eventually("SIGHUP is logged", || server.stderr().contains("rules unchanged (forced)").then_some(()));
    assert_eq!(server.call("GET", "/healthz", None, b"").status, 200);

    // The built-in rules never change: SIGHUP is acknowledged, not fatal.
    let builtin = Server::start(&[], &[]);
    builtin.signal("HUP");
    eventually("SIGHUP is acknowledged", || builtin.stderr().contains("SIGHUP ignored").then_some(()));
    let health = builtin.call("GET", "/healthz", None, b"").json();
    assert_eq!(health["generation"], 1);
}

#[test]
fn sigterm_finishes_the_requests_in_flight_and_exits_0() {
    let dir = rules_dir();
    let server = start(dir.path(), &[]);
    let body = json!({"text": "550 5.1.1 nobody by that name"}).to_string();
    let (head, tail) = body.as_bytes().split_at(10);
    let mut in_flight = server.connect().unwrap();
    write!(
        in_flight,
        "POST /classify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    in_flight.write_all(head).unwrap();
    eventually("the request is in flight", || {
        let m = server.call("GET", "/metrics", None, b"").text();
        (series(&m, "rebound_http_requests_in_flight") == Some(2.0)).then_some(())
    });

    server.signal("TERM");
    eventually("new connections are refused", || server.connect().is_err().then_some(()));
    in_flight.write_all(tail).unwrap();
    let r = harness::read_response(&mut in_flight).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["reason"], "user_unknown");
    drop(in_flight);
    let stderr = server.stderr();
    let status = server.wait();
    assert_eq!(status.code(), Some(0), "{stderr}");
}
