//! Bounce emails and other inputs end to end: the fixtures under
//! `tests/fixtures/` (written for these tests, one per MTA format) read into
//! recipients, actions, statuses, commands, remote hosts and diagnostics;
//! line endings, mbox files, logs and JSON lines; email-level evidence; and
//! inputs that must never make the reader panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use rebound::extract::{EmailKind, Report};
use rebound::rules::SourceFile;
use rebound::{Engine, Rules};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn email(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("emails").join(name)).unwrap()
}

/// The built-in rules, compiled once for every test of this file.
fn engine() -> Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::embedded().unwrap()).clone()
}

/// What one recipient of a fixture must come out as.
struct Want {
    recipient: &'static str,
    action: Option<&'static str>,
    status: Option<&'static str>,
    command: Option<&'static str>,
    remote_mta: Option<&'static str>,
    /// Words the diagnostic must contain.
    says: &'static [&'static str],
}

const fn want(recipient: &'static str, says: &'static [&'static str]) -> Want {
    Want { recipient, action: None, status: None, command: None, remote_mta: None, says }
}

fn cases() -> Vec<(&'static str, EmailKind, Vec<Want>)> {
    vec![
        (
            "postfix-dsn.eml",
            EmailKind::Bounce,
            vec![
                Want {
                    action: Some("failed"),
                    status: Some("5.1.1"),
                    command: Some("RCPT"),
                    remote_mta: Some("mx1.example.net"),
                    ..want("bob@example.net", &["said: 550 5.1.1", "User unknown in virtual mailbox table"])
                },
                Want {
                    action: Some("failed"),
                    status: Some("5.2.2"),
                    command: Some("DATA"),
                    remote_mta: Some("mx.example.org"),
                    ..want("carol@example.org", &["552 5.2.2", "over quota"])
                },
            ],
        ),
        (
            "exim.eml",
            EmailKind::Bounce,
            vec![Want {
                status: Some("5.1.1"),
                command: Some("RCPT"),
                remote_mta: Some("mx2.example.net"),
                ..want("dave@example.net", &["550 5.1.1", "does not exist"])
            }],
        ),
        (
            "qmail.eml",
            EmailKind::Bounce,
            vec![Want {
                status: Some("5.2.2"),
                command: Some("RCPT"),
                remote_mta: Some("198.51.100.20"),
                ..want("erin@example.org", &["does not like recipient", "Mailbox full"])
            }],
        ),
        (
            "sendmail-crlf.eml",
            EmailKind::Bounce,
            vec![Want {
                action: Some("failed"),
                status: Some("5.7.1"),
                command: Some("DATA"),
                remote_mta: Some("mx.example.net"),
                // The DSN's Diagnostic-Code has only the first line of the
                // reply; the transcript has all of it, joined.
                ..want("grace@example.net", &["554 5.7.1 Message rejected: content looks like spam"])
            }],
        ),
        (
            "sendmail-pipe.eml",
            EmailKind::Bounce,
            vec![Want {
                action: Some("failed"),
                status: Some("5.0.0"),
                ..want("support@host.example.org", &["unknown mailer error 75"])
            }],
        ),
        (
            "gmail-text.eml",
            EmailKind::Bounce,
            vec![Want { command: Some("DATA"), ..want("judy@example.net", &["No such user here", "(state 18)"]) }],
        ),
        (
            "exchange-qp-base64.eml",
            EmailKind::Bounce,
            vec![Want {
                action: Some("failed"),
                status: Some("5.1.10"),
                ..want("kate@example.org", &["550 5.1.10 RESOLVER.ADR.RecipientNotFound"])
            }],
        ),
        ("iso-2022-jp.eml", EmailKind::Bounce, vec![want("noah@example.jp", &["mailbox is full"])]),
        (
            "shift-jis-base64.eml",
            EmailKind::Bounce,
            vec![Want { status: Some("5.1.1"), ..want("olivia@example.jp", &["550 5.1.1 User unknown"]) }],
        ),
        (
            "delayed-dsn.eml",
            EmailKind::Bounce,
            vec![Want {
                action: Some("delayed"),
                status: Some("4.4.1"),
                ..want("wendy@example.net", &["Connection timed out"])
            }],
        ),
        (
            "forwarded.eml",
            EmailKind::Bounce,
            vec![Want {
                status: Some("5.1.1"),
                command: Some("RCPT"),
                remote_mta: Some("mx.example.org"),
                ..want("yara@example.org", &["User unknown"])
            }],
        ),
        (
            "ses-notification.eml",
            EmailKind::Bounce,
            vec![Want {
                action: Some("failed"),
                status: Some("5.1.1"),
                ..want("zoe@example.net", &["550 5.1.1", "User unknown"])
            }],
        ),
        ("arf.eml", EmailKind::Feedback, vec![want("peter@example.net", &["abuse report"])]),
        ("auto-reply.eml", EmailKind::AutoReply, vec![want("quinn@example.org", &["out of the office"])]),
        ("not-bounce.eml", EmailKind::NotBounce, vec![]),
    ]
}

fn check(name: &str, report: &Report, kind: EmailKind, wants: &[Want]) {
    assert_eq!(report.kind, kind, "{name}: kind");
    assert_eq!(report.bounces.len(), wants.len(), "{name}: recipients {:#?}", report.bounces);
    for (b, w) in report.bounces.iter().zip(wants) {
        assert_eq!(b.recipient.as_deref(), Some(w.recipient), "{name}: recipient");
        let field = |label: &str, got: &Option<String>, want: Option<&str>| {
            if want.is_some() {
                assert_eq!(got.as_deref(), want, "{name}: {label} of {}", w.recipient);
            }
        };
        field("action", &b.action, w.action);
        field("status", &b.status, w.status);
        field("command", &b.command, w.command);
        field("remote_mta", &b.remote_mta, w.remote_mta);
        for word in w.says {
            assert!(
                b.diagnostic.contains(word),
                "{name}: diagnostic of {} lacks {word:?}: {:?}",
                w.recipient,
                b.diagnostic
            );
        }
    }
}

#[test]
fn every_fixture_reads_as_expected() {
    let engine = engine();
    for (name, kind, wants) in cases() {
        check(name, &engine.extract(&email(name)), kind, &wants);
    }
}

#[test]
fn every_fixture_has_a_case() {
    let listed: Vec<&str> = cases().iter().map(|c| c.0).collect();
    for entry in std::fs::read_dir(fixtures().join("emails")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(listed.contains(&name.as_str()), "{name} has no expectations in tests/extract.rs");
    }
}

/// The fixture with LF line endings (CRLF and lone CR become LF).
fn lf(raw: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(raw).replace("\r\n", "\n").replace('\r', "\n").into_bytes()
}

#[test]
fn line_endings_do_not_change_the_answers() {
    let engine = engine();
    for (name, kind, _) in cases() {
        let raw = email(name);
        // Binary-safe fixtures only: the Japanese ones hold escape and 8-bit bytes.
        if std::str::from_utf8(&raw).is_err() || raw.contains(&0x1b) {
            continue;
        }
        let base = lf(&raw);
        let crlf = String::from_utf8_lossy(&base).replace('\n', "\r\n").into_bytes();
        let cr = String::from_utf8_lossy(&base).replace('\n', "\r").into_bytes();
        let want = engine.extract(&base);
        assert_eq!(want.kind, kind, "{name}");
        for (label, variant) in [("CRLF", crlf), ("CR", cr)] {
            let got = engine.extract(&variant);
            assert_eq!(got.kind, want.kind, "{name} with {label} line endings");
            assert_eq!(got.bounces, want.bounces, "{name} with {label} line endings");
        }
    }
}

#[test]
fn classification_uses_the_dsn_status_and_email_kind() {
    let engine = engine();
    let report = engine.extract(&email("postfix-dsn.eml"));
    let answers = engine.answers(&report);
    assert_eq!(answers[0].classification.reason.name, "user_unknown");
    assert_eq!(answers[1].classification.reason.name, "mailbox_full");
    let report = engine.extract(&email("arf.eml"));
    assert_eq!(engine.answers(&report)[0].classification.reason.name, "feedback");
    let report = engine.extract(&email("auto-reply.eml"));
    assert_eq!(engine.answers(&report)[0].classification.reason.name, "vacation");
    // The diagnostic says nothing but "75"; the DSN status is the hint.
    let (report, answers) = engine.classify_email(&email("delayed-dsn.eml"));
    assert_eq!(report.kind, EmailKind::Bounce);
    assert_eq!(answers[0].1.enhanced_code.map(|c| c.to_string()).as_deref(), Some("4.4.1"));
}

/// A rule set of the repository's vocabulary and extraction rules plus the
/// given phrase rules, so that evidence rules are tested whatever the
/// shipped phrase files say.
fn engine_with(phrases: &str) -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files = Vec::new();
    for rel in ["engine.toml", "reasons.toml", "profiles/mixpanel.toml"] {
        files.push(SourceFile::new(format!("rules/{rel}"), std::fs::read_to_string(root.join(rel)).unwrap()));
    }
    let mut extract: Vec<PathBuf> =
        std::fs::read_dir(root.join("extract")).unwrap().map(|e| e.unwrap().path()).collect();
    extract.sort();
    for p in extract {
        let name = format!("rules/extract/{}", p.file_name().unwrap().to_string_lossy());
        files.push(SourceFile::new(name, std::fs::read_to_string(&p).unwrap()));
    }
    files.push(SourceFile::new("test/phrases.toml", phrases));
    Engine::from_rules(Rules::from_sources(files).unwrap()).unwrap()
}

const USER_UNKNOWN: &str = r#"
[[rule]]
reason = "user_unknown"
phrases = ["no such user", "user unknown"]
examples = ["550 5.1.1 no such user"]
"#;

#[test]
fn evidence_rules_refine_the_reason() {
    let engine = engine_with(USER_UNKNOWN);
    // "No such user" answered to the message content, not to RCPT.
    let report = engine.extract(&email("gmail-text.eml"));
    let a = &engine.answers(&report)[0];
    assert_eq!(a.classification.reason.name, "filtered");
    let at = engine.evidence_location(a.evidence.expect("decided by an evidence rule"));
    assert!(at.starts_with("rules/extract/evidence.toml:"), "{at}");
    // Refused at RCPT: the diagnostic's reason stands.
    let report = engine.extract(&email("postfix-dsn.eml"));
    let a = &engine.answers(&report)[0];
    assert_eq!(a.classification.reason.name, "user_unknown");
    assert!(a.evidence.is_none());
    // A local delivery program's failure is a mailer error, whatever it printed.
    let report = engine.extract(&email("sendmail-pipe.eml"));
    assert_eq!(report.bounces[0].diagnostic_type.as_deref(), Some("x-unix"));
    assert_eq!(engine.answers(&report)[0].classification.reason.name, "mailer_error");
}

#[test]
fn bad_extraction_rules_are_reported_with_their_location() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files = Vec::new();
    for rel in ["engine.toml", "reasons.toml", "profiles/mixpanel.toml"] {
        files.push(SourceFile::new(format!("rules/{rel}"), std::fs::read_to_string(root.join(rel)).unwrap()));
    }
    files.push(SourceFile::new(
        "bad.toml",
        "[extract]\ndescription = \"x\"\n\n[[extract.recipient]]\nregex = '(?P<rcpt>[a-z]+@[a-z.]+'\nexamples = [\"a@b.c\"]\n\n[[extract.recipient]]\nregex = 'no group here'\nexamples = [\"no group here\"]\n\n[[extract.evidence]]\nid = \"x\"\nreason = \"no_such_reason\"\ncommand = [\"DATA\"]\n",
    ));
    let err = Engine::from_rules(Rules::from_sources(files).unwrap()).unwrap_err();
    let text: Vec<String> = err.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(text.iter().any(|d| d.starts_with("bad.toml:5:9: error: regex does not compile")), "{text:#?}");
    assert!(text.iter().any(|d| d.starts_with("bad.toml:9:9: error: regex has no named group `rcpt`")), "{text:#?}");
    assert!(text.iter().any(|d| d.contains("unknown reason `no_such_reason`")), "{text:#?}");
}

#[test]
fn mbox_files_split_into_their_messages() {
    let data = std::fs::read(fixtures().join("inputs/mailbox.mbox")).unwrap();
    assert_eq!(rebound::input::detect(&data), rebound::input::Kind::Mbox);
    let engine = engine();
    let kinds: Vec<EmailKind> = rebound::input::mbox::split(&data).map(|m| engine.extract(m).kind).collect();
    assert_eq!(kinds, [EmailKind::Bounce, EmailKind::NotBounce, EmailKind::Bounce]);
}

#[test]
fn inputs_are_told_apart() {
    use rebound::input::{detect, Kind};
    let read = |p: &str| std::fs::read(fixtures().join(p)).unwrap();
    assert_eq!(detect(&read("inputs/maillog")), Kind::Log);
    assert_eq!(detect(&read("inputs/events.jsonl")), Kind::Json);
    assert_eq!(detect(&read("inputs/replies.txt")), Kind::Lines);
    for (name, _, _) in cases() {
        assert_eq!(detect(&email(name)), Kind::Email, "{name}");
        let cr = String::from_utf8_lossy(&lf(&email(name))).replace('\n', "\r").into_bytes();
        assert_eq!(detect(&cr), Kind::Email, "{name} with CR line endings");
    }
}

fn rebound(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rebound")).env("REBOUND_NO_CACHE", "1").args(args).output().unwrap()
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn classify_reads_emails_mailboxes_directories_logs_and_json() {
    let dir = fixtures();
    let path = |p: &str| dir.join(p).to_string_lossy().into_owned();
    let o = rebound(&["classify", "-f", "json", &path("emails/postfix-dsn.eml")]);
    assert!(o.status.success());
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["recipient"], "bob@example.net");
    assert_eq!(v[0]["status"], "5.1.1");
    assert_eq!(v[0]["action"], "failed");
    assert_eq!(v[0]["remote_mta"], "mx1.example.net");
    assert_eq!(v[0]["command"], "RCPT");
    assert_eq!(v[0]["file"], path("emails/postfix-dsn.eml"));
    for key in ["reason", "category", "kind", "retry", "enhanced_code", "reply_code", "rule", "diagnostic"] {
        assert!(v[0].get(key).is_some(), "missing {key}");
    }

    let o = rebound(&["classify", "-f", "json", &path("inputs/mailbox.mbox")]);
    let v = json_lines(&o.stdout);
    let recipients: Vec<&str> = v.iter().map(|r| r["recipient"].as_str().unwrap()).collect();
    assert_eq!(recipients, ["bob@example.net", "carol@example.org", "dave@example.net"]);
    assert_eq!(v[2]["message"], 3);
    assert!(String::from_utf8_lossy(&o.stderr).contains("message 2: not a bounce"));

    let o = rebound(&["classify", "-f", "json", &path("emails")]);
    let v = json_lines(&o.stdout);
    let n: usize = cases().iter().map(|c| c.2.len()).sum();
    assert_eq!(v.len(), n, "one record per recipient of every fixture");
    assert!(String::from_utf8_lossy(&o.stderr).contains("not-bounce.eml: not a bounce"));

    let o = rebound(&["classify", "-f", "json", &path("inputs/maillog")]);
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 4, "bounced, deferred, CRM export and Exim failure; not the delivery");
    assert_eq!(v[0]["recipient"], "bob@example.net");
    assert_eq!(v[0]["status"], "5.1.1");
    assert_eq!(v[1]["action"], "delayed");
    assert!(v[2]["diagnostic"].as_str().unwrap().contains("552 5.2.2"));
    assert_eq!(v[3]["remote_mta"], "mx2.example.net");

    let o = rebound(&["classify", "-f", "json", "--field", "smtp.reply", &path("inputs/events.jsonl")]);
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["recipient"], "carol@example.org");
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 line(s) without a reply field `smtp.reply`"));

    let o = rebound(&["classify", "-f", "json", &path("inputs/ses.jsonl")]);
    let v = json_lines(&o.stdout);
    assert_eq!(v[0]["recipient"], "zoe@example.net");
    assert_eq!(v[1]["reason"], "feedback");
}

#[test]
fn classify_refuses_emails_over_the_size_limit_and_goes_on() {
    let dir = fixtures();
    let big = dir.join("emails/postfix-dsn.eml");
    let small = dir.join("emails/exim.eml");
    let o = rebound(&["classify", "-f", "json", "--max-size", "2K", &big.to_string_lossy(), &small.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1), "a refused input fails the run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("postfix-dsn.eml: email of") && err.contains("--max-size"), "{err}");
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["recipient"], "dave@example.net");
}

#[test]
fn eval_reports_agreement_with_labels() {
    let o = rebound(&["eval", &fixtures().join("corpus").to_string_lossy()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("all"), "{out}");
    assert!(out.contains("100.0% (4/4)"), "every labelled email yields a recipient and a diagnostic: {out}");
    assert!(out.contains("worst confusions"), "{out}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let engine = engine();
        let report = engine.extract(&bytes);
        let _ = engine.answers(&report);
    }

    #[test]
    fn damaged_fixtures_never_panic(
        which in 0usize..15,
        cut in 0usize..4096,
        flips in proptest::collection::vec((0usize..4096, any::<u8>()), 0..16),
    ) {
        let names: Vec<&str> = cases().iter().map(|c| c.0).collect();
        let mut raw = email(names[which % names.len()]);
        for (at, byte) in flips {
            if !raw.is_empty() {
                let i = at % raw.len();
                raw[i] = byte;
            }
        }
        raw.truncate(cut.min(raw.len()));
        let engine = engine();
        let report = engine.extract(&raw);
        let _ = engine.answers(&report);
    }
}
