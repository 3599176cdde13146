//! Rule files and an email written for the `rebound serve` tests.

/// A small rule set of our own: one code rule, one phrase rule, a profile.
pub const ENGINE: &str = r#"
[engine]
undetermined = "undefined"

[[reason]]
name = "user_unknown"
kind = "hard"
description = "no such mailbox"

[[reason]]
name = "mailbox_full"
kind = "soft"
description = "over quota"

[[reason]]
name = "blocked"
kind = "block"
description = "the sender is blocked"

[[reason]]
name = "undefined"
kind = "undetermined"
description = "no evidence"

[[code]]
code = "x.1.1"
reason = "user_unknown"
priority = 55
examples = ["550 5.1.1 nobody by that name"]

[[rule]]
id = "full"
reason = "mailbox_full"
phrases = ["mailbox is full"]
examples = ["452 4.2.2 the mailbox is full"]
"#;

pub const PROFILE: &str = r#"
[profile]
name = "esp"
description = "a two-bucket scheme for the tests"

[[category]]
name = "bad-mailbox"
kind = "hard"
retry = false

[[category]]
name = "try-later"
kind = "soft"
retry = true

[map]
user_unknown = "bad-mailbox"
mailbox_full = "try-later"
blocked = "bad-mailbox"
undefined = "try-later"
"#;

/// A phrase rule added while the server runs.
pub const BLOCK_RULE: &str = r#"
[[rule]]
id = "go-away"
reason = "blocked"
phrases = ["go away"]
examples = ["554 5.7.1 go away"]
"#;

/// A delivery status notification about two recipients, written for these tests.
pub const DSN: &str = "From: MAILER-DAEMON@mx.example.org\r
To: sender@example.com\r
Subject: Undelivered Mail Returned to Sender\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r
\r
--b1\r
Content-Type: text/plain\r
\r
I could not deliver your message to two recipients.\r
\r
--b1\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example.org\r
\r
Final-Recipient: rfc822; bob@example.net\r
Action: failed\r
Status: 5.1.1\r
Remote-MTA: dns; mx.example.net\r
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: nobody by that name\r
\r
Final-Recipient: rfc822; carol@example.net\r
Action: delayed\r
Status: 4.2.2\r
Remote-MTA: dns; mx2.example.net\r
Diagnostic-Code: smtp; 452 4.2.2 the mailbox is full\r
\r
--b1--\r
";
