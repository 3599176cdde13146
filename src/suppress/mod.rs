//! `rebound suppress`: the recipients to stop mailing, by the profile's
//! [`Policy`], applied over all records in date order.
//!
//! - A bounce whose category suppresses (by the policy's `suppress` kinds,
//!   hard and complaint by default, or the category's own `suppress`)
//!   suppresses its recipient at once.
//! - Soft bounces of the escalating categories (every soft category unless
//!   `[policy.escalate] categories` names some) are counted per recipient; a
//!   delivery resets the count; `after` of them (within `within`, when set)
//!   suppress the recipient as escalated soft bounces, reported in the `to`
//!   category when the policy names one.
//! - Other records (blocks, automatic replies, ...) change nothing: a block
//!   is about the sender, not the recipient.
//!
//! The counts and the suppressed recipients live in a [`State`], which
//! `--state FILE` keeps between runs, so daily batches need not re-read
//! history.
//!
//! ```
//! use rebound::profile::Policy;
//! use rebound::report::record::Classifier;
//! use rebound::suppress::{Decision, Suppressor};
//!
//! let engine = rebound::Engine::embedded()?;
//! let mut classifier = Classifier::new(&engine);
//! let mut s = Suppressor::new(&Policy::default(), None, Default::default());
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

use crate::profile::{Policy, Profile};
use crate::report::Record;
use crate::rules::Kind;
pub use state::{Decision, SoftBounces, State, StateError, Suppression, VERSION};

/// What matters of one record for the policy.
#[derive(Debug, Clone)]
struct Event {
    date: Option<i64>,
    recipient: String,
    delivery: bool,
    suppress: bool,
    escalating: bool,
    kind: Kind,
    reason: String,
    category: String,
}

/// Collects records, then applies the policy to them in date order.
#[derive(Debug)]
pub struct Suppressor {
    /// Soft bounces that escalate; 0 never.
    after: u32,
    /// The window they must fall in, in seconds.
    within: Option<i64>,
    /// The categories that escalate; `None`: every soft one.
    escalating: Option<Vec<String>>,
    /// The category reported for an escalation, when not the bounce's own.
    to: Option<String>,
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
    /// A suppressor applying `policy`, continuing from `state`. The
    /// escalation's categories are those of `profile` (without a profile,
    /// every soft category escalates).
    pub fn new(policy: &Policy, profile: Option<&Profile>, state: State) -> Suppressor {
        let e = &policy.escalation;
        let name = |i: u16| profile.and_then(|p| p.categories.get(usize::from(i))).map(|c| c.name.clone());
        let escalating = if e.categories.is_empty() || profile.is_none() {
            None
        } else {
            Some(e.categories.iter().filter_map(|&i| name(i)).collect())
        };
        Suppressor {
            after: e.after,
            within: e.within.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            escalating,
            to: e.to.and_then(name),
            state,
            events: Vec::new(),
            last_date: None,
            skipped: 0,
        }
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
        let escalating = match &self.escalating {
            Some(names) => names.contains(&r.category),
            None => r.kind == Kind::Soft,
        };
        if !(delivery || r.suppress || escalating) {
            return;
        }
        self.events.push(Event {
            date: self.last_date,
            recipient,
            delivery,
            suppress: r.suppress,
            escalating,
            // A complaint stays a complaint in a profile that files it under a hard category.
            kind: if r.is_complaint() { Kind::Complaint } else { r.kind },
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
        if !e.suppress {
            if !e.escalating || self.after == 0 {
                return None;
            }
            let window = self.within;
            let limit = self.after as usize;
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
            if let Some(to) = &self.to {
                s.category.clone_from(to);
            }
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
        if let (Some(window), Some(newest)) = (self.within, self.state.newest) {
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
    use std::time::Duration;

    use super::*;
    use crate::profile::Escalation;

    fn record(rcpt: &str, kind: Kind, day: i64) -> Record {
        Record {
            file: None,
            recipient: Some(rcpt.into()),
            action: None,
            status: None,
            remote_mta: None,
            diagnostic: String::new(),
            reason: format!("{}_reason", kind.as_str()),
            reason_kind: kind,
            category: kind.as_str().into(),
            kind,
            suppress: matches!(kind, Kind::Hard | Kind::Complaint),
            enhanced_code: None,
            reply_code: None,
            date: Some(day * 86_400),
        }
    }

    fn policy(after: u32, within_days: Option<u64>) -> Policy {
        let within = within_days.map(|d| Duration::from_secs(d * 86_400));
        Policy { escalation: Escalation { after, within, ..Escalation::default() }, ..Policy::default() }
    }

    fn decide(policy: Policy, records: &[Record]) -> Vec<(String, Decision)> {
        let mut s = Suppressor::new(&policy, None, State::default());
        records.iter().for_each(|r| s.add(r));
        s.run().into_iter().map(|s| (s.recipient, s.decision)).collect()
    }

    #[test]
    fn window_forgets_old_soft_bounces() {
        let policy = policy(3, Some(10));
        let spread = [record("a@x", Kind::Soft, 0), record("a@x", Kind::Soft, 9), record("a@x", Kind::Soft, 19)];
        assert!(decide(policy.clone(), &spread).is_empty(), "day 0 is out of the window on day 19");
        let close = [record("a@x", Kind::Soft, 9), record("a@x", Kind::Soft, 0), record("a@x", Kind::Soft, 10)];
        assert_eq!(decide(policy, &close), [("a@x".to_string(), Decision::EscalatedSoft)], "sorted by date");
    }

    #[test]
    fn blocks_count_nothing_and_limit_zero_never_escalates() {
        let recs = [record("a@x", Kind::Soft, 0), record("a@x", Kind::Block, 1), record("A@X", Kind::Soft, 2)];
        assert_eq!(decide(policy(2, None), &recs), [("a@x".to_string(), Decision::EscalatedSoft)]);
        assert!(decide(policy(0, None), &recs).is_empty());
    }
}
