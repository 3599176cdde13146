//! The state `rebound suppress --state FILE` keeps between runs: soft-bounce
//! counts still open and the recipients already suppressed, as JSON.
//!
//! The file is replaced atomically: the new state is written to a temporary
//! file in the same directory, flushed to disk, renamed over the old one,
//! and the directory is flushed too. A crash at any point leaves either the
//! old state or the new one, never a mix; a temporary file left behind by a
//! crash is never read.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::rules::Kind;

/// The state format written; files of another version are refused.
pub const VERSION: u32 = 1;

/// Soft bounces of one recipient since its last delivery, within the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftBounces {
    /// When each bounced (Unix seconds; `null` for undated input), oldest first.
    pub dates: Vec<Option<i64>>,
    /// The reason of the latest.
    pub reason: String,
}

/// How a recipient came to be suppressed; written as [`Decision::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Decision {
    /// A bounce of a kind the policy suppresses at once (hard, complaint, ...).
    Kind(Kind),
    /// Too many soft bounces with no delivery in between.
    EscalatedSoft,
}

impl Decision {
    /// `hard_bounce`, `complaint`, `escalated_soft_bounces`, `block_bounce`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::EscalatedSoft => "escalated_soft_bounces",
            Decision::Kind(Kind::Hard) => "hard_bounce",
            Decision::Kind(Kind::Complaint) => "complaint",
            Decision::Kind(Kind::Soft) => "soft_bounce",
            Decision::Kind(Kind::Block) => "block_bounce",
            Decision::Kind(Kind::Admin) => "admin_answer",
            Decision::Kind(Kind::Undetermined) => "undetermined_bounce",
            Decision::Kind(Kind::AutoReply) => "auto_reply",
            Decision::Kind(Kind::Success) => "delivery",
        }
    }
}

impl From<Decision> for &'static str {
    fn from(d: Decision) -> &'static str {
        d.as_str()
    }
}

impl TryFrom<String> for Decision {
    type Error = String;

    fn try_from(s: String) -> Result<Decision, String> {
        let kinds = [
            Kind::Hard,
            Kind::Complaint,
            Kind::Soft,
            Kind::Block,
            Kind::Admin,
            Kind::Undetermined,
            Kind::AutoReply,
            Kind::Success,
        ];
        std::iter::once(Decision::EscalatedSoft)
            .chain(kinds.map(Decision::Kind))
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown decision `{s}`"))
    }
}

/// A suppressed recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// The recipient, lowercased.
    pub recipient: String,
    /// What decided.
    pub decision: Decision,
    /// The reason of the deciding bounce.
    pub reason: String,
    /// Its category in the active profile.
    pub category: String,
    /// When it bounced (Unix seconds).
    pub date: Option<i64>,
    /// For escalations: how many soft bounces, and when the first was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_bounces: Option<u32>,
    /// For escalations: the first soft bounce counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_soft_bounce: Option<i64>,
}

/// Everything kept between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The format version ([`VERSION`]).
    pub version: u32,
    /// The newest date seen so far (Unix seconds).
    pub newest: Option<i64>,
    /// Open soft-bounce counts, by recipient.
    pub soft: BTreeMap<String, SoftBounces>,
    /// Suppressed recipients, by recipient.
    pub suppressed: BTreeMap<String, Suppression>,
}

impl Default for State {
    fn default() -> State {
        State { version: VERSION, newest: None, soft: BTreeMap::new(), suppressed: BTreeMap::new() }
    }
}

/// Why a state file could not be used.
#[derive(Debug)]
pub enum StateError {
    /// Reading or writing failed.
    Io(PathBuf, io::Error),
    /// The file is not a state file of this version.
    Invalid(PathBuf, String),
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            StateError::Invalid(p, e) => {
                write!(f, "{}: not a rebound suppress state file ({e}); fix or remove it", p.display())
            }
        }
    }
}

impl std::error::Error for StateError {}

impl State {
    /// Reads the state at `path`; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<State, StateError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) => return Err(StateError::Io(path.to_path_buf(), e)),
        };
        let state: State =
            serde_json::from_str(&text).map_err(|e| StateError::Invalid(path.to_path_buf(), e.to_string()))?;
        if state.version != VERSION {
            let msg = format!("version {} where {VERSION} is expected", state.version);
            return Err(StateError::Invalid(path.to_path_buf(), msg));
        }
        Ok(state)
    }

    /// Replaces the state at `path` atomically (see the module docs).
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let err = |e| StateError::Io(path.to_path_buf(), e);
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| err(io::Error::other(e)))?;
        text.push(b'\n');
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path.file_name().ok_or_else(|| err(io::Error::other("the state path names no file")))?;
        let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
        let written = (|| {
            let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, path)?;
            sync_dir(dir)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map_err(err)
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let dir = std::env::temp_dir().join(format!("rebound-state-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        assert_eq!(State::load(&path).unwrap(), State::default());
        let mut s = State::default();
        s.soft.insert("a@b.example".into(), SoftBounces { dates: vec![Some(1), None], reason: "mailbox_full".into() });
        for decision in [Decision::EscalatedSoft, Decision::Kind(Kind::Hard), Decision::Kind(Kind::AutoReply)] {
            let sup = Suppression {
                recipient: decision.as_str().into(),
                decision,
                reason: "r".into(),
                category: "c".into(),
                date: None,
                soft_bounces: None,
                first_soft_bounce: None,
            };
            s.suppressed.insert(sup.recipient.clone(), sup);
        }
        s.save(&path).unwrap();
        assert_eq!(State::load(&path).unwrap(), s);
        fs::write(&path, "{\"version\":1,").unwrap();
        assert!(State::load(&path).unwrap_err().to_string().contains("fix or remove it"));
        fs::write(&path, "{\"version\":9,\"newest\":null,\"soft\":{},\"suppressed\":{}}").unwrap();
        assert!(State::load(&path).unwrap_err().to_string().contains("version 9"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
