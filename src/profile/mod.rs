//! Taxonomy profiles: one file per provider scheme (`rules/profiles/*.toml`),
//! mapping every reason of the vocabulary to a category of that scheme, with
//! the category's kind and what a sender should do (retry, suppress).
//!
//! A profile answers in three steps, all on data compiled at load time:
//! 1. a profile's own rule that decided the verdict may name its category
//!    directly (`category = "Subscribe"` on a `[[rule]]` of the profile file);
//! 2. otherwise `[map]` gives the reason's category, which may depend on the
//!    class of the code (`{ default = "Invalid Recipient", transient = "DNS Failure" }`);
//! 3. the category's disposition (kind, retry, suppress) may itself depend on
//!    the class (`transient = { kind = "soft" }`).
//!
//! ```
//! let engine = rebound::Engine::embedded()?.with_profile("sparkpost")?;
//! let c = engine.classify("host []:25 said: 552 5.2.2 <> Mailbox has exceeded the limit (in reply to RCPT TO command)");
//! assert_eq!((c.category, c.category_code), ("Mailbox Full", Some(22)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod check;
mod parse;
mod policy;
mod refine;

pub(crate) use parse::parse;
pub(crate) use policy::Spelled;
pub use policy::{Escalation, Health, HealthStatus, Policy};
pub use refine::{Context, Refinement};

use crate::classify::{Source, Verdict};
use crate::rules::{Kind, Origin, Reason, ReasonId, Rules};

/// What a sender should do with a bounce of some category: its kind, and
/// whether to retry the message and suppress the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disposition {
    /// The kind.
    pub kind: Kind,
    /// Whether to retry the message (later).
    pub retry: bool,
    /// Whether to stop mailing the address.
    pub suppress: bool,
}

/// One category of a profile's scheme.
#[derive(Debug, Clone)]
pub struct Category {
    /// The category's name in the scheme (`bad-mailbox`, `Invalid Recipient`).
    pub name: String,
    /// The scheme's number for it, when it has one (SparkPost's bounce class
    /// `10`, Postmark's type code `1`).
    pub code: Option<u32>,
    /// What it means.
    pub description: String,
    /// Kind, retry and suppress when the code class says nothing else.
    pub default: Disposition,
    /// The disposition for a transient (4xx, 4.x.x) reply, when it differs.
    pub transient: Option<Disposition>,
    /// The disposition for a permanent (5xx, 5.x.x) reply, when it differs.
    pub permanent: Option<Disposition>,
    /// Replies that must land in this category under this profile (run by
    /// `rebound check`).
    pub examples: Vec<crate::rules::Example>,
    /// Where the category is declared.
    pub origin: Origin,
}

impl Category {
    /// The disposition for a reply of code class `class` (2, 4 or 5).
    pub fn disposition(&self, class: Option<u8>) -> Disposition {
        match class {
            Some(4) => self.transient.unwrap_or(self.default),
            Some(5) => self.permanent.unwrap_or(self.default),
            _ => self.default,
        }
    }
}

/// Where one reason goes: a category index per code class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The category without a 4 or 5 code class.
    pub default: u16,
    /// The category for a transient (4xx, 4.x.x) reply.
    pub transient: u16,
    /// The category for a permanent (5xx, 5.x.x) reply.
    pub permanent: u16,
}

impl Target {
    /// The category index for code class `class`.
    pub fn get(self, class: Option<u8>) -> u16 {
        match class {
            Some(4) => self.transient,
            Some(5) => self.permanent,
            _ => self.default,
        }
    }
}

/// A taxonomy profile: every reason mapped to one of its categories.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The profile's name (`mixpanel`, `sparkpost`, ...).
    pub name: String,
    /// One line saying what scheme it is.
    pub description: String,
    /// Where the scheme is documented.
    pub source: String,
    /// The scheme's categories, in file order.
    pub categories: Vec<Category>,
    /// Target per reason id.
    pub(crate) map: Vec<Target>,
    pub(crate) policy: Policy,
    pub(crate) health: Health,
    /// `[[refine]]` tables, in file order.
    pub(crate) refine: Vec<Refinement>,
    /// Where the profile is defined (its `[profile]` table).
    pub origin: Origin,
}

impl Profile {
    /// The category a reason maps to when the code class says nothing else.
    pub fn category(&self, reason: ReasonId) -> &Category {
        self.category_for(reason, None)
    }

    /// The category a reason maps to for a reply of code class `class`.
    pub fn category_for(&self, reason: ReasonId, class: Option<u8>) -> &Category {
        &self.categories[usize::from(self.map[usize::from(reason)].get(class))]
    }

    /// Where a reason goes, per code class.
    pub fn target(&self, reason: ReasonId) -> Target {
        self.map[usize::from(reason)]
    }

    /// The index of the category called `name`.
    pub fn category_index(&self, name: &str) -> Option<u16> {
        self.categories.iter().position(|c| c.name == name).map(|i| i as u16)
    }

    /// Suppression and escalation policy (defaults where the file is silent).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Bounce-rate thresholds (defaults where the file is silent).
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// The `[[refine]]` tables, in file order.
    pub fn refinements(&self) -> &[Refinement] {
        &self.refine
    }
}

/// A verdict as reported under a profile.
#[derive(Debug, Clone, Copy)]
pub struct Mapped<'a> {
    /// The category name.
    pub category: &'a str,
    /// The scheme's number for the category, when it has one.
    pub code: Option<u32>,
    /// Its kind.
    pub kind: Kind,
    /// Whether to retry.
    pub retry: bool,
    /// Whether to stop mailing the address.
    pub suppress: bool,
}

/// The code class of a verdict: the enhanced code's, else the reply code's.
pub fn class_of(verdict: &Verdict) -> Option<u8> {
    verdict.enhanced_code.map(|c| c.class).or(verdict.reply_code.map(|c| (c / 100) as u8))
}

/// Reports a verdict under `profile`.
///
/// When a rule of the profile itself decided and names a category, that
/// category answers; otherwise the profile's `[map]` does. Without a profile
/// the category is the reason's name and its kind the reason's default, an
/// undetermined kind settled by the code class (4 → soft, 5 → hard).
pub fn resolve<'a>(profile: Option<&'a Profile>, rules: &'a Rules, verdict: &Verdict) -> Mapped<'a> {
    resolve_in(profile, rules, verdict, None)
}

/// Reports a verdict under `profile`, as [`resolve`] does, with what is known
/// of the bounce's `context`: the first of the profile's `[[refine]]` tables
/// that holds names the category (without a context none applies).
pub fn resolve_in<'a>(
    profile: Option<&'a Profile>,
    rules: &'a Rules,
    verdict: &Verdict,
    context: Option<&Context<'_>>,
) -> Mapped<'a> {
    let class = class_of(verdict);
    let Some(p) = profile else {
        let reason: &Reason = rules.reason(verdict.reason);
        let kind = match (reason.kind, class) {
            (Kind::Undetermined, Some(4)) => Kind::Soft,
            (Kind::Undetermined, Some(5)) => Kind::Hard,
            (k, _) => k,
        };
        let suppress = matches!(kind, Kind::Hard | Kind::Complaint);
        return Mapped { category: &reason.name, code: None, kind, retry: kind == Kind::Soft, suppress };
    };
    // Only a rule of the active profile can decide with a category of its own:
    // other profiles' rules are no evidence under this one.
    let named = match verdict.decided_by.map(|e| e.source) {
        Some(Source::Phrase { rule, .. } | Source::Regex { rule, .. }) => {
            rules.rules.get(rule as usize).and_then(|r| r.category)
        }
        _ => None,
    };
    let mapped = || p.map.get(usize::from(verdict.reason)).map_or(0, |t| t.get(class));
    let refined = || context.and_then(|cx| p.refine.iter().find(|r| r.holds(verdict, cx))).map(|r| r.category);
    let index = named.filter(|&i| usize::from(i) < p.categories.len()).or_else(refined).unwrap_or_else(mapped);
    let c = &p.categories[usize::from(index)];
    let d = c.disposition(class);
    Mapped { category: &c.name, code: c.code, kind: d.kind, retry: d.retry, suppress: d.suppress }
}

#[cfg(test)]
mod tests;
