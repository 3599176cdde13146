//! `rebound suppress`: the recipients to stop mailing, by the profile's
//! [`Policy`], applied over all records in date order.
//!
//! - A bounce of a kind the policy suppresses (hard, complaint) suppresses
//!   its recipient at once.
//! - Soft bounces are counted per recipient; a delivery resets the count;
//!   `soft_limit` of them within `soft_window_days` suppress the recipient as
//!   escalated soft bounces.
//! - Other records (blocks, automatic replies, ...) change nothing: a block
//!   is about the sender, not the recipient.
//!
//! The counts and the suppressed recipients live in a [`State`], which
//! `--state FILE` keeps between runs, so daily batches need not re-read
//! history.
//!
//! ```
//! use rebound::policy::Policy;
//! use rebound::report::record::Classifier;
//! use rebound::suppress::{Decision, Suppressor};
//!
//! let engine = rebound::Engine::embedded()?;
//! let mut classifier = Classifier::new(&engine);
//! let mut s = Suppressor::new(Policy::default(), Default::default());
//! for day in 1..=3 {
//!     let line = format!(r#"{{"recipient":"bob@example.org","diagnostic":"452 4.2.2 Mailbox full","date":"2024-05-0{day}T00:00:00Z"}}"#);
//!     s.add(&classifier.line(None, line.as_bytes()));
//! }
//! let decided = s.run();
//! assert_eq!(decided.len(), 1);
//! assert_eq!(decided[0].decision, Decision::EscalatedSoft);
//! # Ok::<(), rebound::LoadError>(())
//! ```

mod state;

use crate::policy::Policy;
use crate::report::Record;
use crate::rules::Kind;
pub use state::{Decision, SoftBounces, State, StateError, Suppression, VERSION};

/// What matters of one record for the policy.
#[derive(Debug, Clone)]
struct Event {
    date: Option<i64>,
    recipient: String,
    delivery: bool,
    kind: Kind,
    reason: String,
    category: String,
}

/// Collects records, then applies the policy to them in date order.
#[derive(Debug)]
pub struct Suppressor {
    policy: Policy,
    state: State,
    events: Vec<Event>,
    last_date: Option<i64>,
    skipped: u64,
}

/// The recipient as kept: trimmed of `<>` and lowercased.
pub fn normalize_recipient(r: &str) -> Option<String> {
    let r = r.trim().trim_start_matches('<').trim_end_matches('>').trim();
    r.contains('@').then(|| r.to_ascii_lowercase())
}

impl Suppressor {
    /// A suppressor applying `policy`, continuing from `state`.
    pub fn new(policy: Policy, state: State) -> Suppressor {
        Suppressor { policy, state, events: Vec::new(), last_date: None, skipped: 0 }
    }

    /// Takes one record. Records without a date are placed right after the
    /// record before them in the input; records without a recipient are
    /// skipped (and counted in [`Suppressor::skipped`]).
    pub fn add(&mut self, r: &Record) {
        if r.date.is_some() {
            self.last_date = r.date;
        }
        let Some(recipient) = r.recipient.as_deref().and_then(normalize_recipient) else {
            self.skipped += 1;
            return;
        };
        let delivery = r.is_delivery();
        let relevant = delivery || r.kind == Kind::Soft || self.policy.suppresses(r.kind);
        if !relevant {
            return;
        }
        self.events.push(Event {
            date: self.last_date,
            recipient,
            delivery,
            kind: r.kind,
            reason: r.reason.clone(),
            category: r.category.clone(),
        });
    }

    /// Records skipped for want of a recipient.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Applies the policy to every record taken, in date order, and returns
    /// the recipients suppressed by them (in the order decided). The state
    /// then holds the new counts and suppressions: see [`Suppressor::state`].
    pub fn run(&mut self) -> Vec<Suppression> {
        let mut events = std::mem::take(&mut self.events);
        // Stable: records of the same moment keep their input order.
        events.sort_by_key(|e| e.date);
        let mut decided = Vec::new();
        for e in events {
            if let Some(d) = e.date {
                self.state.newest = Some(self.state.newest.map_or(d, |n| n.max(d)));
            }
            if let Some(s) = self.apply(e) {
                decided.push(s);
            }
        }
        self.prune();
        decided
    }

    fn apply(&mut self, e: Event) -> Option<Suppression> {
        if self.state.suppressed.contains_key(&e.recipient) {
            return None;
        }
        if e.delivery {
            self.state.soft.remove(&e.recipient);
            return None;
        }
        let mut s = Suppression {
            recipient: e.recipient.clone(),
            decision: Decision::Kind(e.kind),
            reason: e.reason,
            category: e.category,
            date: e.date,
            soft_bounces: None,
            first_soft_bounce: None,
        };
        if !self.policy.suppresses(e.kind) {
            if e.kind != Kind::Soft || self.policy.soft_limit == 0 {
                return None;
            }
            let window = self.policy.window_secs();
            let limit = self.policy.soft_limit as usize;
            let entry = self
                .state
                .soft
                .entry(e.recipient.clone())
                .or_insert_with(|| SoftBounces { dates: Vec::new(), reason: String::new() });
            entry.dates.push(e.date);
            entry.reason.clone_from(&s.reason);
            if let (Some(window), Some(now)) = (window, e.date) {
                entry.dates.retain(|d| d.is_none_or(|d| now - d <= window));
            }
            if entry.dates.len() > limit {
                entry.dates.drain(..entry.dates.len() - limit);
            }
            if entry.dates.len() < limit {
                return None;
            }
            s.decision = Decision::EscalatedSoft;
            s.soft_bounces = Some(entry.dates.len() as u32);
            s.first_soft_bounce = entry.dates.iter().flatten().min().copied();
        }
        self.state.soft.remove(&e.recipient);
        self.state.suppressed.insert(e.recipient, s.clone());
        Some(s)
    }

    /// Forgets soft bounces that can no longer count: every date older than
    /// the window before the newest date seen.
    fn prune(&mut self) {
        if let (Some(window), Some(newest)) = (self.policy.window_secs(), self.state.newest) {
            self.state.soft.retain(|_, b| b.dates.iter().any(|d| d.is_none_or(|d| newest - d <= window)));
        }
    }

    /// The state after [`Suppressor::run`].
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The state, taken out.
    pub fn into_state(self) -> State {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(rcpt: &str, kind: Kind, day: i64) -> Record {
        Record {
            file: None,
            recipient: Some(rcpt.into()),
            action: None,
            status: None,
            remote_mta: None,
            diagnostic: String::new(),
            reason: format!("{}_reason", kind.as_str()),
            category: kind.as_str().into(),
            kind,
            enhanced_code: None,
            reply_code: None,
            date: Some(day * 86_400),
        }
    }

    fn decide(policy: Policy, records: &[Record]) -> Vec<(String, Decision)> {
        let mut s = Suppressor::new(policy, State::default());
        records.iter().for_each(|r| s.add(r));
        s.run().into_iter().map(|s| (s.recipient, s.decision)).collect()
    }

    #[test]
    fn window_forgets_old_soft_bounces() {
        let policy = Policy { soft_window_days: 10, ..Policy::default() };
        let spread = [record("a@x", Kind::Soft, 0), record("a@x", Kind::Soft, 9), record("a@x", Kind::Soft, 19)];
        assert!(decide(policy.clone(), &spread).is_empty(), "day 0 is out of the window on day 19");
        let close = [record("a@x", Kind::Soft, 9), record("a@x", Kind::Soft, 0), record("a@x", Kind::Soft, 10)];
        assert_eq!(decide(policy, &close), [("a@x".to_string(), Decision::EscalatedSoft)], "sorted by date");
    }

    #[test]
    fn blocks_count_nothing_and_limit_zero_never_escalates() {
        let recs = [record("a@x", Kind::Soft, 0), record("a@x", Kind::Block, 1), record("A@X", Kind::Soft, 2)];
        let policy = Policy { soft_limit: 2, ..Policy::default() };
        assert_eq!(decide(policy, &recs), [("a@x".to_string(), Decision::EscalatedSoft)]);
        let policy = Policy { soft_limit: 0, ..Policy::default() };
        assert!(decide(policy, &recs).is_empty());
    }
}
