//! A small self-made rule set, written into a temporary directory.

use std::path::Path;
use std::time::Duration;

/// How long any wait in these tests may take before it counts as a failure.
/// Generous, so that a loaded machine slows the tests down instead of
/// failing them; a change normally goes live in well under a second.
pub const DEADLINE: Duration = Duration::from_secs(15);

pub const ENGINE: &str = "[engine]\nundetermined = \"undefined\"\n";

pub const REASONS: &str = r#"[[reason]]
name = "user_unknown"
kind = "hard"
description = "The mailbox does not exist."

[[reason]]
name = "mailbox_full"
kind = "soft"
description = "The mailbox is over quota."

[[reason]]
name = "undefined"
kind = "undetermined"
description = "No evidence at all."
"#;

/// `phrases/base.toml`.
pub const BASE: &str = r#"[[rule]]
id = "no-such-user"
reason = "user_unknown"
phrases = ["no such user"]
examples = ["550 no such user here"]
"#;

/// A rule file added by the tests (its example is on line 5, column 13).
pub const FULL: &str = r#"[[rule]]
id = "full"
reason = "mailbox_full"
phrases = ["mailbox is full"]
examples = ["452 mailbox is full"]
"#;

/// A profile with two categories.
pub const TINY_PROFILE: &str = r#"[profile]
name = "tiny"
description = "Two categories."

[[category]]
name = "bad-address"
kind = "hard"
retry = false

[[category]]
name = "later"
kind = "soft"
retry = true

[map]
user_unknown = "bad-address"
mailbox_full = "later"
undefined = "later"
"#;

/// Set A (`flipped == false`): "alpha" is `user_unknown`, "beta"
/// `mailbox_full`; set B the other way round.
pub fn swap_rules(flipped: bool) -> String {
    let (a, b) = if flipped { ("mailbox_full", "user_unknown") } else { ("user_unknown", "mailbox_full") };
    format!(
        "[[rule]]\nid = \"alpha\"\nreason = \"{a}\"\nphrases = [\"alpha\"]\nexamples = [\"550 alpha\"]\n\n\
         [[rule]]\nid = \"beta\"\nreason = \"{b}\"\nphrases = [\"beta\"]\nexamples = [\"550 beta\"]\n"
    )
}

/// Writes `text` to `path`, creating its folders.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A temporary rules directory holding the engine settings, the vocabulary
/// and `phrases/base.toml`.
pub fn rules_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("engine.toml"), ENGINE);
    write(&dir.path().join("reasons.toml"), REASONS);
    write(&dir.path().join("phrases/base.toml"), BASE);
    dir
}
