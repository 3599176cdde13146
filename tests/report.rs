//! `rebound report` and `rebound suppress` end to end, on the fixtures under
//! `tests/fixtures/report/` (a small rule set with two profiles, JSON-lines
//! and reply-line inputs, daily batches).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report").join(name).display().to_string()
}

/// Runs `rebound --rules <fixture rules> ARGS`.
fn rebound(args: &[&str]) -> Output {
    let rules = fixture("rules");
    Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .arg("--rules")
        .arg(rules)
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}: {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn report_json(args: &[&str]) -> Value {
    let mut all = vec!["report", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&rebound(&all))).unwrap()
}

fn count_of(list: &Value, name: &str) -> u64 {
    list.as_array().unwrap().iter().find(|c| c["name"] == name).map_or(0, |c| c["count"].as_u64().unwrap())
}

/// `(recipient, decision, category)` per line of `suppress --format json`.
fn suppressed(out: &str) -> Vec<(String, String, String)> {
    out.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (s("recipient"), s("decision"), s("category"))
        })
        .collect()
}

fn recipients(out: &str) -> Vec<String> {
    suppressed(out).into_iter().map(|s| s.0).collect()
}

#[test]
fn report_counts_categories_domains_and_providers() {
    let r = report_json(&[&fixture("batch.jsonl")]);
    assert_eq!(r["records"], 23, "the delivery is counted apart");
    assert_eq!(r["profile"], "house");
    // Complaint and automatic reply are records but not bounces.
    assert_eq!(
        (r["bounces"].as_u64(), r["deliveries"].as_u64(), r["complaints"].as_u64()),
        (Some(21), Some(1), Some(1))
    );
    // Reasons are mapped into the profile asked for, whatever category the input carried.
    assert_eq!(count_of(&r["categories"], "gone"), 13);
    assert_eq!(count_of(&r["categories"], "full"), 5);
    assert_eq!(count_of(&r["kinds"], "hard"), 13);
    let sum: u64 = r["categories"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(sum, 23);
    assert_eq!(count_of(&r["categories"], "delivered"), 0);
    assert_eq!(count_of(&r["domains"], "gmail.com"), 7);
    // Providers: by remote MTA first (example.org is hosted by Google), then by domain.
    assert_eq!(count_of(&r["providers"], "Google"), 9);
    assert_eq!(count_of(&r["providers"], "Microsoft"), 6);
    assert_eq!(count_of(&r["providers"], "Yahoo"), 6);
    assert_eq!(count_of(&r["providers"], "(other)"), 2);
    assert_eq!(r["days"].as_array().unwrap().len(), 4);
    assert_eq!(
        (r["first_date"].as_str(), r["last_date"].as_str()),
        (Some("2024-05-01T08:24:00Z"), Some("2024-05-04T14:35:00Z"))
    );
    // Top diagnostics: the same reply to different recipients counts once.
    let gone = r["categories"].as_array().unwrap().iter().find(|c| c["name"] == "gone").unwrap();
    assert_eq!(gone["diagnostics"][0]["count"], 8, "six gmail.com, one googlemail.com, one Google-hosted domain");
    assert!(gone["diagnostics"][0]["name"].as_str().unwrap().contains("<id>"));
    assert!(r["health"].is_null(), "no health without --sent");
}

#[test]
fn report_lists_the_top_and_sums_the_rest() {
    let r = report_json(&["--top", "2", &fixture("batch.jsonl")]);
    let domains = r["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 3);
    assert_eq!(count_of(&r["domains"], "(other)"), 23 - 7 - 5);
}

#[test]
fn report_and_suppress_read_a_postfix_log() {
    let log = fixture("maillog");
    let r = report_json(&["--sent", "120000", &log]);
    // Bounced and deferred lines are records; `status=sent` lines are deliveries; the rest is skipped.
    assert_eq!((r["records"].as_u64(), r["deliveries"].as_u64()), (Some(6), Some(2)));
    assert_eq!(count_of(&r["categories"], "full"), 3);
    assert_eq!(count_of(&r["providers"], "Yahoo"), 3);
    assert_eq!(count_of(&r["providers"], "Microsoft"), 1, "by the relay's host name");
    assert_eq!(r["first_date"], "2024-06-03T09:00:03Z");
    assert_eq!(r["health"], "healthy");
    // max@yahoo.com: full, full, delivered, full: the delivery resets the count.
    let out = ok(&rebound(&["suppress", "-f", "json", &log]));
    assert_eq!(suppressed(&out), [("kim@example.com".into(), "hard_bounce".into(), "gone".into())]);
}

#[test]
fn suppress_reads_a_maildir() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let maildir = fixture("maildir");
    let out = ok(&rebound(&["suppress", "-f", "json", "--state", state.to_str().unwrap(), &maildir]));
    let got = suppressed(&out);
    // One record per recipient and email; bob's three DSNs (cur/ and new/) escalate.
    assert_eq!(
        got,
        [
            ("alice@example.org".into(), "hard_bounce".into(), "gone".into()),
            ("bob@example.net".into(), "escalated_soft_bounces".into(), "gone".into()),
        ]
    );
    let bob: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(bob["date"], "2024-05-04T08:00:00Z", "dated by the emails");
    // Run again on the same mail: nothing new to stop.
    let again = ok(&rebound(&["suppress", "--state", state.to_str().unwrap(), &maildir]));
    assert!(again.is_empty(), "{again}");
    let r = report_json(&[&maildir]);
    assert_eq!(r["records"], 5);
    assert_eq!(count_of(&r["providers"], "Google"), 1);
}

#[test]
fn report_reads_reply_lines() {
    let r = report_json(&[&fixture("replies.txt")]);
    assert_eq!(r["records"], 7, "the blank line is skipped");
    assert_eq!(count_of(&r["categories"], "gone"), 3);
    assert_eq!(count_of(&r["categories"], "full"), 2);
    assert_eq!(count_of(&r["kinds"], "auto_reply"), 1);
    assert_eq!(r["bounces"], 6);
    assert_eq!(count_of(&r["domains"], "(unknown)"), 7);
    assert!(r["days"].as_array().unwrap().is_empty());
}

#[test]
fn health_thresholds_at_their_edges() {
    let batch = fixture("batch.jsonl");
    let bounces = report_json(&[&batch])["bounces"].as_u64().unwrap();
    let health = |profile: &str, sent: u64| {
        let r = report_json(&["--profile", profile, "--sent", &sent.to_string(), &batch]);
        r["health"].as_str().unwrap().to_string()
    };
    // The defaults (profile `plain` is silent): healthy below 2%, unhealthy above 2%, risky above 5%.
    assert_eq!(health("plain", bounces * 50 + 1), "healthy", "just below 2%");
    assert_eq!(health("plain", bounces * 50), "borderline", "exactly 2%");
    assert_eq!(health("plain", bounces * 50 - 1), "unhealthy", "just above 2%");
    assert_eq!(health("plain", bounces * 20), "unhealthy", "exactly 5%");
    assert_eq!(health("plain", bounces * 20 - 1), "risky", "just above 5%");
    // Profile `house` declares its own [health]: 1%, 3%, 8%.
    assert_eq!(health("house", bounces * 20 - 1), "unhealthy");
    assert_eq!(health("house", bounces * 100 + 1), "healthy");
    assert_eq!(health("house", bounces * 100), "borderline");
    let r = report_json(&["--profile", "plain", "--sent", &(bounces * 50).to_string(), &batch]);
    assert_eq!(r["bounce_rate"], 2.0);
    assert_eq!(r["thresholds"]["risky_above"], 5.0);
}

#[test]
fn sent_file_holds_a_number_or_lists_messages() {
    let dir = tempfile::tempdir().unwrap();
    let number = dir.path().join("sent.txt");
    std::fs::write(&number, "1,050\n").unwrap();
    let r = report_json(&["--sent-file", number.to_str().unwrap(), &fixture("batch.jsonl")]);
    assert_eq!(r["sent"], 1050);
    let list = dir.path().join("sent.log");
    std::fs::write(&list, "a@example.org\n\nb@example.org\nc@example.org\n").unwrap();
    let r = report_json(&["--sent-file", list.to_str().unwrap(), &fixture("batch.jsonl")]);
    assert_eq!(r["sent"], 3);
    let o = rebound(&["report", "--sent", "5", "--sent-file", number.to_str().unwrap()]);
    assert!(!o.status.success(), "--sent and --sent-file exclude each other");
}

#[test]
fn csv_report_agrees_with_json() {
    let batch = fixture("batch.jsonl");
    let json = report_json(&["--sent", "1000", &batch]);
    let csv = ok(&rebound(&["report", "--format", "csv", "--sent", "1000", &batch]));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("section,name,detail,count,percent"));
    let rows: Vec<Vec<String>> = lines.map(split_csv).collect();
    let find = |section: &str, name: &str| rows.iter().find(|r| r[0] == section && r[1] == name).cloned().unwrap();
    assert_eq!(find("summary", "records")[3], json["records"].to_string());
    assert_eq!(find("summary", "health")[2], json["health"].as_str().unwrap());
    for c in json["categories"].as_array().unwrap() {
        let row = find("category", c["name"].as_str().unwrap());
        assert_eq!((row[2].as_str(), row[3].as_str()), (c["kind"].as_str().unwrap(), c["count"].to_string().as_str()));
    }
    // A diagnostic with a comma is quoted and comes back whole.
    let diag = rows.iter().find(|r| r[0] == "diagnostic" && r[1].contains("Spamhaus")).unwrap();
    assert_eq!(diag[1], "550 5.7.1 Service unavailable, Client host <id> blocked using Spamhaus");
}

/// Splits one CSV line (quoted fields with doubled quotes).
fn split_csv(line: &str) -> Vec<String> {
    let (mut out, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

#[test]
fn soft_bounces_escalate_in_date_order() {
    let out = ok(&rebound(&["suppress", "--format", "json", &fixture("escalation.jsonl")]));
    let got = suppressed(&out);
    // bob: three mailbox-full bounces within 30 days (written out of order, in
    // two date formats and two spellings of the address) escalate, reported in
    // the policy's `to` category. erin: hard, listed once. frank: complaint.
    assert_eq!(
        got,
        [
            ("erin@example.org".into(), "hard_bounce".into(), "gone".into()),
            ("frank@example.org".into(), "complaint".into(), "complaint".into()),
            ("bob@example.org".into(), "escalated_soft_bounces".into(), "gone".into()),
        ]
    );
    let bob: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!((bob["soft_bounces"].as_u64(), bob["date"].as_str()), (Some(3), Some("2024-03-09T08:00:00Z")));
    assert_eq!(bob["first_soft_bounce"], "2024-03-01T08:00:00Z");
    // grace (blocks are about the sender) and heidi (not an escalating category) stay.
}

#[test]
fn a_delivery_resets_the_soft_bounce_count() {
    // carol: full, full, delivered, full, full — never three in a row.
    let text = std::fs::read_to_string(fixture("escalation.jsonl")).unwrap();
    assert!(!recipients(&ok(&rebound(&["suppress", "-f", "json", &fixture("escalation.jsonl")])))
        .contains(&"carol@example.org".to_string()));
    // The same bounces without the delivery escalate.
    let dir = tempfile::tempdir().unwrap();
    let without = dir.path().join("without-delivery.jsonl");
    let kept: Vec<&str> = text.lines().filter(|l| !(l.contains("carol@") && l.contains("delivered"))).collect();
    assert_eq!(kept.len() + 1, text.lines().count());
    std::fs::write(&without, kept.join("\n")).unwrap();
    let got = suppressed(&ok(&rebound(&["suppress", "-f", "json", without.to_str().unwrap()])));
    assert!(got.contains(&("carol@example.org".into(), "escalated_soft_bounces".into(), "gone".into())), "{got:?}");
}

#[test]
fn the_window_comes_from_the_profile() {
    // dave bounces soft on Jan 1, Feb 10 and Mar 20: never three within
    // `house`'s 30 days; `plain` has no window, and escalates every soft category.
    let house = recipients(&ok(&rebound(&["suppress", "-f", "json", &fixture("escalation.jsonl")])));
    assert!(!house.contains(&"dave@example.org".to_string()));
    let out = ok(&rebound(&["--profile", "plain", "suppress", "-f", "json", &fixture("escalation.jsonl")]));
    let plain = suppressed(&out);
    assert!(plain.contains(&("dave@example.org".into(), "escalated_soft_bounces".into(), "full".into())), "{plain:?}");
}

#[test]
fn text_output_is_one_recipient_per_line_with_the_reason() {
    let out = ok(&rebound(&["suppress", &fixture("escalation.jsonl")]));
    let first: Vec<&str> = out.lines().next().unwrap().split('\t').collect();
    assert_eq!(first[..2], ["erin@example.org", "hard_bounce"]);
    assert!(first[2].contains("user_unknown"), "{first:?}");
    assert_eq!(out.lines().count(), 3);
}

fn state_run(state: &Path, day: u32) -> Vec<String> {
    let input = fixture(&format!("daily/day{day}.jsonl"));
    recipients(&ok(&rebound(&["suppress", "-f", "json", "--state", state.to_str().unwrap(), &input])))
}

#[test]
fn state_carries_soft_bounce_counts_between_batches() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    assert!(state_run(&state, 1).is_empty());
    assert_eq!(state_run(&state, 2), ["carol@example.org"]);
    // Day 3: bob's third soft bounce escalates; carol is not listed again; dan's
    // delivery on day 2 reset his count.
    assert_eq!(state_run(&state, 3), ["bob@example.org"]);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["soft"]["dan@example.org"]["dates"].as_array().unwrap().len(), 1);
    assert!(saved["suppressed"]["bob@example.org"].is_object());
    // Without the state, day 3 alone knows nothing of bob's earlier bounces.
    let alone = recipients(&ok(&rebound(&["suppress", "-f", "json", &fixture("daily/day3.jsonl")])));
    assert_eq!(alone, ["carol@example.org"]);
    // --all lists the earlier runs' decisions too.
    let all = ok(&rebound(&["suppress", "--all", "--state", state.to_str().unwrap(), &fixture("daily/day3.jsonl")]));
    assert_eq!(all.lines().count(), 2);
}

#[test]
fn a_partial_temp_file_left_by_a_crash_does_not_corrupt_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    state_run(&state, 1);
    state_run(&state, 2);
    let before = std::fs::read(&state).unwrap();
    // A run that died while writing its new state leaves a truncated temp file.
    let tmp: PathBuf = dir.path().join(".state.json.999999.tmp");
    std::fs::write(&tmp, &before[..before.len() / 2]).unwrap();
    assert_eq!(state_run(&state, 3), ["bob@example.org"], "the state before the crash still counts");
    let after: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(after["version"], 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") && !n.contains("999999"))
        .collect();
    assert!(leftovers.is_empty(), "a finished run leaves no temp file: {leftovers:?}");
}

#[test]
fn a_corrupt_state_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    state_run(&state, 1);
    let good = std::fs::read(&state).unwrap();
    let truncated = &good[..good.len() - 5];
    std::fs::write(&state, truncated).unwrap();
    let o = rebound(&["suppress", "--state", state.to_str().unwrap(), &fixture("daily/day2.jsonl")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("fix or remove it"));
    assert!(o.stdout.is_empty(), "no decisions from a run that cannot keep them");
    assert_eq!(std::fs::read(&state).unwrap(), truncated, "the file is not overwritten");
}

#[test]
fn classify_output_feeds_report() {
    // The pipeline users run: classify to JSON lines, then report on them.
    let classify = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(["classify", "--format", "json"])
        .arg(fixture("replies.txt"))
        .output()
        .unwrap();
    let lines = ok(&classify);
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("classified.jsonl");
    std::fs::write(&jsonl, &lines).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(["report", "-f", "json"])
        .arg(&jsonl)
        .output()
        .unwrap();
    let r: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(r["records"].as_u64().unwrap(), lines.lines().count() as u64);
    for line in lines.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(count_of(&r["categories"], v["category"].as_str().unwrap()) > 0, "{line}");
    }
}

#[test]
fn a_missing_input_fails_the_run_after_the_others() {
    let o = rebound(&["report", "-f", "json", "/nonexistent/bounces.log", &fixture("replies.txt")]);
    assert_eq!(o.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["records"], 7);
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/bounces.log"));
}

/// The value of attribute `attr` on the element with `id="id"` in `dom`.
fn attr_by_id(dom: &str, id: &str, attr: &str) -> Option<String> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let start = dom[..at].rfind('<')?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    Some(tag[from..from + tag[from..].find('"')?].to_string())
}

/// Every `(data-name|data-category, data-count)` pair inside the element with `id="id"`.
fn counts_in(dom: &str, id: &str, key: &str) -> Vec<(String, u64)> {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in the page"));
    let section = &dom[start..start + dom[start..].find("</section>").unwrap()];
    let mut out = Vec::new();
    let needle = format!("{key}=\"");
    let mut rest = section;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        let name = &rest[..rest.find('"').unwrap()];
        let c = rest.find("data-count=\"").unwrap() + "data-count=\"".len();
        let count = rest[c..c + rest[c..].find('"').unwrap()].parse().unwrap();
        out.push((name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"), count));
    }
    out
}

#[test]
fn html_report_renders_in_a_headless_browser_and_matches_json() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is needed for the HTML report test in CI (.ci/run installs it)"
        );
        eprintln!("skipping: chromium is not installed");
        return;
    };
    let batch = fixture("batch.jsonl");
    let json = report_json(&["--sent", "1000", &batch]);
    let html = ok(&rebound(&["report", "--format", "html", "--sent", "1000", &batch]));
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"), "self-contained");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = dir.path().join("profile");
    let o = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "chromium failed: {}", String::from_utf8_lossy(&o.stderr));
    let dom = String::from_utf8(o.stdout).unwrap();
    // What the browser built from the page, read back: the totals match the JSON report.
    for (id, key) in [("records", "records"), ("bounces", "bounces"), ("sent", "sent"), ("complaints", "complaints")] {
        assert_eq!(attr_by_id(&dom, id, &format!("data-{id}")), Some(json[key].to_string()), "#{id}");
    }
    assert_eq!(attr_by_id(&dom, "health", "data-health").as_deref(), json["health"].as_str());
    let table: Vec<(String, u64)> = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts_in(&dom, "categories", "data-category"), table);
    for (id, key) in [("domains", "domains"), ("providers", "providers"), ("kinds", "kinds")] {
        let want: Vec<(String, u64)> = json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap().to_string(), c["count"].as_u64().unwrap()))
            .collect();
        assert_eq!(counts_in(&dom, id, "data-name"), want, "#{id} bars");
    }
    // One stacked bar segment per (day, category) with records.
    let segments: usize =
        json["days"].as_array().unwrap().iter().map(|d| d["categories"].as_object().unwrap().len()).sum();
    let chart = &dom[dom.find("id=\"over-time\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert_eq!(chart.matches("<rect").count(), segments);
}
