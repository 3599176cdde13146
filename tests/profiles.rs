//! Every shipped profile on real replies: the category, its number where the
//! scheme has one, and its kind, with the built-in rules. The replies are the
//! examples written in the rule files (and the five seed replies of the
//! profile issue); the expected categories are written here by hand from each
//! provider's documented scheme.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use rebound::{Engine, EnhancedCode, Hints, Kind};

const PROFILES: [&str; 11] = [
    "mixpanel",
    "powermta",
    "sparkpost",
    "bulk-email",
    "marketing-automation",
    "mailexpress",
    "ses",
    "postmark",
    "sendgrid",
    "kumomta",
    "sisimai",
];

/// The built-in rules, compiled once for every test here.
fn base() -> &'static Engine {
    static BASE: OnceLock<Engine> = OnceLock::new();
    BASE.get_or_init(|| Engine::embedded().expect("the built-in rules load"))
}

fn engine(profile: &str) -> Engine {
    base().with_profile(profile).expect("the profile exists")
}

/// The five replies every profile issue starts from.
const SEEDS: [&str; 5] = [
    "550 5.7.1 No such user! 1683454980-0NPfrE8P9Cg0-eRlBSO3h",
    "host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)",
    "host[]:25 said: 550 5.2.1 The email account that you tried to reach is disabled. p28si19674740ybk.52 (in reply to RCPT TO command)",
    "host[]:25 said: 550 No such recipient (in reply to RCPT TO command)",
    "domain name does not exist",
];

/// Category and kind of each seed reply, per profile.
const SEED_ANSWERS: [(&str, [(&str, Kind); 5]); 5] = [
    (
        "mixpanel",
        [
            ("bad-mailbox", Kind::Hard),
            ("quota-issues", Kind::Soft),
            ("inactive-mailbox", Kind::Hard),
            ("bad-mailbox", Kind::Hard),
            ("bad-domain", Kind::Hard),
        ],
    ),
    (
        "sparkpost",
        [
            ("Invalid Recipient", Kind::Hard),
            ("Mailbox Full", Kind::Soft),
            ("Invalid Recipient", Kind::Hard),
            ("Invalid Recipient", Kind::Hard),
            ("Invalid Recipient", Kind::Hard),
        ],
    ),
    (
        "bulk-email",
        [
            ("bounce_hb", Kind::Hard),
            ("bounce_fm", Kind::Soft),
            ("bounce_hb", Kind::Hard),
            ("bounce_hb", Kind::Hard),
            ("bounce_df", Kind::Hard),
        ],
    ),
    (
        "marketing-automation",
        [
            ("Hard bounce", Kind::Hard),
            ("Mailbox Full", Kind::Soft),
            ("Hard bounce", Kind::Hard),
            ("Hard bounce", Kind::Hard),
            ("Hard bounce", Kind::Hard),
        ],
    ),
    (
        "mailexpress",
        [("Hard", Kind::Hard), ("Soft", Kind::Soft), ("Hard", Kind::Hard), ("Hard", Kind::Hard), ("Hard", Kind::Hard)],
    ),
];

#[test]
fn seed_replies_land_in_the_expected_category() {
    let mut wrong = Vec::new();
    for (profile, answers) in SEED_ANSWERS {
        let engine = engine(profile);
        for (reply, (category, kind)) in SEEDS.iter().zip(answers) {
            let c = engine.classify(reply);
            if (c.category, c.kind) != (category, kind) {
                wrong.push(format!(
                    "{profile}: {reply:?} -> {} ({}, reason {}), want {category} ({})",
                    c.category,
                    c.kind.as_str(),
                    c.reason.name,
                    kind.as_str()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn sparkpost_reports_the_class_number() {
    let engine = engine("sparkpost");
    let numbers: Vec<Option<u32>> = SEEDS.iter().map(|r| engine.classify(r).category_code).collect();
    assert_eq!(numbers, [Some(10), Some(22), Some(10), Some(10), Some(10)]);
}

/// Real replies (examples of the shipped rules) and the category each profile
/// reports, in the order of [`PROFILES`].
const REAL: &[(&str, [&str; 11])] = &[
    (
        "550 5.1.6 recipient no longer on server",
        [
            "bad-mailbox",
            "bad-mailbox",
            "Invalid Recipient",
            "bounce_hb",
            "Hard bounce",
            "Hard",
            "Permanent/NoEmail",
            "AddressChange",
            "Invalid Address",
            "InactiveMailbox",
            "hasmoved",
        ],
    ),
    (
        "452 4.2.2 Mailbox full",
        [
            "quota-issues",
            "quota-issues",
            "Mailbox Full",
            "bounce_fm",
            "Mailbox Full",
            "Soft",
            "Transient/MailboxFull",
            "SoftBounce",
            "Mailbox Unavailable",
            "QuotaIssues",
            "mailboxfull",
        ],
    ),
    (
        "550 5.1.2 xxxxx@yourdomain.com... Host unknown (Name server: .: no data known)",
        [
            "bad-domain",
            "bad-domain",
            "Invalid Recipient",
            "bounce_df",
            "Hard bounce",
            "Hard",
            "Permanent/General",
            "HardBounce",
            "Invalid Address",
            "BadDomain",
            "hostunknown",
        ],
    ),
    (
        "451 HOTMAIL.com.tw: Name server timeout",
        [
            "no-answer-from-host",
            "no-answer-from-host",
            "Timeout",
            "bounce_tr",
            "Transient Bounce",
            "Soft",
            "Transient/General",
            "Transient",
            "Technical Failure",
            "NoAnswerFromHost",
            "networkerror",
        ],
    ),
    (
        "550 IP 74.220.202.212 is blocked by EarthLink. Go to earthlink.net/block for details. (in reply to MAIL FROM command)",
        [
            "spam-related",
            "spam-related",
            "Spam Block",
            "bounce_tr",
            "Mail Block - Spam Detected",
            "Soft",
            "Permanent/General",
            "Blocked",
            "Reputation",
            "SpamBlock",
            "blocked",
        ],
    ),
    (
        "550 5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL -- see https://www.spamhaus.org/dbl/",
        [
            "spam-related",
            "spam-related",
            "Spam Content",
            "bounce_tr",
            "Mail Block - Spam Detected",
            "Soft",
            "Transient/ContentRejected",
            "SpamNotification",
            "Content",
            "SpamContent",
            "spamdetected",
        ],
    ),
    (
        "421 - [Too many sessions opened]",
        [
            "bad-connection",
            "bad-connection",
            "Transient Failure",
            "bounce_tr",
            "Transient Bounce",
            "Soft",
            "Transient/General",
            "Transient",
            "Frequency or Volume Too High",
            "TransientFailure",
            "ratelimited",
        ],
    ),
    (
        "550 5.7.64 TenantAttribution; Relay Access Denied",
        [
            "relaying-issues",
            "relaying-issues",
            "Relaying Denied",
            "bounce_hb",
            "Mail Block - Relay Denied",
            "Hard",
            "Permanent/General",
            "HardBounce",
            "Technical Failure",
            "RelayDenied",
            "norelaying",
        ],
    ),
    (
        "550 5.7.1 Email rejected per DMARC policy for example.org",
        [
            "policy-related",
            "policy-related",
            "Mail Block",
            "bounce_tr",
            "Mail Block - General",
            "Soft",
            "Permanent/General",
            "DMARCPolicy",
            "Technical Failure",
            "AuthenticationFailed",
            "authfailure",
        ],
    ),
    (
        "552 5.3.4 Message size exceeds fixed limit",
        [
            "content-related",
            "content-related",
            "Too Large",
            "bounce_tr",
            "Message Too Large",
            "Soft",
            "Transient/MessageTooLarge",
            "SoftBounce",
            "Technical Failure",
            "QuotaIssues",
            "emailtoolarge",
        ],
    ),
    (
        "552 Virus infected message rejected. IB705",
        [
            "virus-related",
            "virus-related",
            "Prohibited Attachment",
            "bounce_tr",
            "Mail Block - General",
            "Soft",
            "Transient/AttachmentRejected",
            "VirusNotification",
            "Content",
            "VirusRelated",
            "virusdetected",
        ],
    ),
    (
        "Reason: delivery retry timeout exceeded",
        [
            "message-expired",
            "message-expired",
            "Timeout",
            "bounce_tr",
            "Transient Bounce",
            "Soft",
            "Transient/General",
            "Transient",
            "Technical Failure",
            "MessageExpired",
            "expired",
        ],
    ),
    (
        "250 2.0.0 Ok: queued as 4F3A21C0B5",
        [
            "other",
            "success",
            "Undetermined",
            "bounce_tr",
            "General bounce",
            "Soft",
            "Delivery",
            "Unknown",
            "Unclassified",
            "Uncategorized",
            "delivered",
        ],
    ),
    (
        "554 5.7.1 [internal] recipient address was suppressed due to customer policy",
        [
            "bad-mailbox",
            "bad-mailbox",
            "Admin Failure",
            "bounce_hb",
            "Hard bounce",
            "Hard",
            "Permanent/Suppressed",
            "HardBounce",
            "Invalid Address",
            "InvalidRecipient",
            "suppressed",
        ],
    ),
];

#[test]
fn every_profile_reports_real_replies_in_its_own_scheme() {
    let engines: Vec<Engine> = PROFILES.iter().map(|p| engine(p)).collect();
    let mut wrong = Vec::new();
    for (reply, want) in REAL {
        for ((profile, engine), want) in PROFILES.iter().zip(&engines).zip(want) {
            let c = engine.classify(reply);
            if c.category != *want {
                wrong.push(format!("{profile}: {reply:?} -> {} (reason {}), want {want}", c.category, c.reason.name));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn the_code_class_can_change_the_category_and_its_kind() {
    // SparkPost: a missing domain is an invalid recipient, a transient DNS
    // failure is class 21.
    let sparkpost = engine("sparkpost");
    let c = sparkpost.classify("550 5.1.2 xxxxx@yourdomain.com... Host unknown (Name server: .: no data known)");
    assert_eq!((c.category, c.category_code, c.kind), ("Invalid Recipient", Some(10), Kind::Hard));
    let hints = Hints { status: EnhancedCode::parse("4.4.3"), reply_code: Some(451) };
    let c = sparkpost.classify_bytes(b"Host unknown (Name server: .: no data known)", hints);
    assert_eq!((c.category, c.category_code, c.kind), ("DNS Failure", Some(21), Kind::Soft));

    // Sisimai: notaccept is hard unless the reply is 4xx.
    let sisimai = engine("sisimai");
    let c = sisimai.classify("556 5.1.10 Recipient address has null MX");
    assert_eq!((c.category, c.kind), ("notaccept", Kind::Hard));
    // Sendmail's failed lookup of the domain is hostunknown, as its 5.1.2 says.
    let c = sisimai.classify("550 5.1.2 <nekochan@libsisimai.org>... Host unknown (Name server: .: host not found)");
    assert_eq!((c.category, c.kind), ("hostunknown", Kind::Hard));
    let hints = Hints { status: EnhancedCode::parse("4.3.2"), reply_code: Some(421) };
    let c = sisimai.classify_bytes(b"This domain does not accept mail", hints);
    assert_eq!((c.category, c.kind, c.retry), ("notaccept", Kind::Soft, true));

    // PowerMTA: the category is a label, retry follows the class.
    let powermta = engine("powermta");
    let c = powermta.classify("452 4.2.2 Mailbox full");
    assert_eq!((c.category, c.retry), ("quota-issues", true));
    let c = powermta.classify("552 5.2.2 Mailbox full");
    assert_eq!((c.category, c.retry), ("quota-issues", false));
}

#[test]
fn list_requests_are_answered_by_the_profiles_own_rules() {
    let unsubscribe = "Please unsubscribe me. I never asked for these emails.";
    let subscribe = "Please subscribe me to your list, I would like to get the weekly news.";
    for (profile, unsub, sub) in [
        ("sparkpost", ("Unsubscribe", Some(90)), ("Subscribe", Some(80))),
        ("postmark", ("Unsubscribe", Some(16)), ("Subscribe", Some(32))),
        ("kumomta", ("Unsubscribe", None), ("Subscribe", None)),
    ] {
        let e = engine(profile);
        let c = e.classify(unsubscribe);
        assert_eq!((c.category, c.category_code, c.kind), (unsub.0, unsub.1, Kind::Hard), "{profile}");
        let c = e.classify(subscribe);
        assert_eq!((c.category, c.category_code, c.kind), (sub.0, sub.1, Kind::Admin), "{profile}");
    }
    // Under a profile without such rules the same text is no evidence.
    let mixpanel = engine("mixpanel");
    assert_eq!(mixpanel.classify(subscribe).reason.name, "undefined");
}

#[test]
fn profile_rules_never_change_the_reason_of_another_rules_example() {
    let base = base();
    let rules = base.rules();
    let mut wrong = Vec::new();
    for profile in PROFILES {
        let e = base.with_profile(profile).unwrap();
        for rule in rules.rules.iter().filter(|r| r.profile.is_none()) {
            for ex in &rule.examples {
                let want = &base.classify(&ex.text).reason.name;
                let got = &e.classify(&ex.text).reason.name;
                if got != want {
                    wrong.push(format!("{profile}: {:?} is {got} here, {want} under the default", ex.text));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_profile_ships_and_mixpanel_is_the_default() {
    let rules = base().rules();
    let mut names: Vec<&str> = rules.profiles.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let mut want = PROFILES.to_vec();
    want.sort_unstable();
    assert_eq!(names, want);
    assert_eq!(rules.engine.default_profile.as_deref(), Some("mixpanel"));
    assert_eq!(base().profile().unwrap().name, "mixpanel");
    for p in &rules.profiles {
        assert!(!p.description.is_empty() && !p.description.contains('\n'), "{}", p.name);
    }
}

#[test]
fn marketing_automation_records_mailbox_full_escalation() {
    let e = engine("marketing-automation");
    let p = e.profile().unwrap();
    let esc = &p.policy().escalation;
    let name = |i: u16| p.categories[usize::from(i)].name.as_str();
    assert_eq!(esc.after, 3);
    assert_eq!(esc.categories.iter().map(|&i| name(i)).collect::<Vec<_>>(), ["Mailbox Full"]);
    assert_eq!(esc.to.map(name), Some("Hard bounce"));
    assert!(p.policy().suppresses(Kind::Hard) && !p.policy().suppresses(Kind::Soft));
}

fn rebound(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rebound"))
        .env("REBOUND_NO_CACHE", "1")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn one_flag_switches_the_json_output() {
    let reply = format!("{}\n", SEEDS[1]);
    let (ok, out, err) = rebound(&["--profile", "sparkpost", "classify", "--format", "json"], &reply);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((v["category"].as_str(), v["category_code"].as_u64()), (Some("Mailbox Full"), Some(22)));
    let (ok, out, _) = rebound(&["classify", "--format", "json"], &reply);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((v["category"].as_str(), v["kind"].as_str()), (Some("quota-issues"), Some("soft")));
    assert!(v["category_code"].is_null());
}

#[test]
fn the_profiles_command_lists_and_shows() {
    let (ok, out, err) = rebound(&["profiles"], "");
    assert!(ok, "{err}");
    for p in PROFILES {
        assert!(out.lines().any(|l| l[2..].starts_with(p)), "{p} missing from:\n{out}");
    }
    let (ok, out, _) = rebound(&["profiles", "ses"], "");
    assert!(ok);
    assert!(out.contains("Permanent/NoEmail") && out.contains("user_unknown"), "{out}");
    let (ok, _, err) = rebound(&["profiles", "nosuch"], "");
    assert!(!ok);
    assert!(err.contains("unknown profile `nosuch`") && err.contains("sparkpost"), "{err}");
}
