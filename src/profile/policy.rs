//! What a sender does with bounces over time, per profile: which kinds
//! suppress an address, when repeated soft bounces count as hard
//! ([`Policy`]), and which bounce rates are healthy ([`Health`]).
//!
//! These are data only: parsed, validated and exposed here; acting on them
//! (counting bounces per address, computing rates) is the caller's job.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::rules::{Diagnostic, Kind, SourceFile};

/// A profile's suppression and escalation policy (`[policy]`).
///
/// ```
/// let engine = rebound::Engine::embedded().unwrap();
/// let profile = engine.with_profile("marketing-automation").unwrap();
/// let policy = profile.profile().unwrap().policy();
/// assert!(policy.suppresses(rebound::Kind::Hard));
/// assert_eq!(policy.escalation.after, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Kinds whose categories suppress the address by default (a category
    /// may say otherwise with its own `suppress`).
    pub suppress: Vec<Kind>,
    /// When repeated soft bounces count as a hard one.
    pub escalation: Escalation,
}

/// Soft-to-hard escalation (`[policy.escalate]`): after `after` soft bounces
/// of the escalating categories with no delivery in between (and, when
/// `within` is set, all within that time), the address is treated as
/// hard-bounced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// How many soft bounces in a row escalate; 0 means never.
    pub after: u32,
    /// The window they must fall in; `None`: any time since the last delivery.
    pub within: Option<Duration>,
    /// Indices (into [`crate::profile::Profile::categories`]) of the categories
    /// that escalate; empty means every category of kind `soft`.
    pub categories: Vec<u16>,
    /// The category reported once escalated; `None`: the same category, as hard.
    pub to: Option<u16>,
}

impl Default for Policy {
    /// Hard bounces and complaints suppress; 3 soft bounces with no delivery
    /// in between escalate.
    fn default() -> Policy {
        Policy { suppress: vec![Kind::Hard, Kind::Complaint], escalation: Escalation::default() }
    }
}

impl Default for Escalation {
    fn default() -> Escalation {
        Escalation { after: 3, within: None, categories: Vec::new(), to: None }
    }
}

impl Policy {
    /// Whether a category of `kind` suppresses the address by default.
    pub fn suppresses(&self, kind: Kind) -> bool {
        self.suppress.contains(&kind)
    }
}

/// Bounce-rate thresholds (`[health]`), in percent of attempted messages.
///
/// ```
/// use rebound::profile::{Health, HealthStatus};
///
/// let h = Health::default();
/// assert_eq!(h.assess(1.5), HealthStatus::Healthy);
/// assert_eq!(h.assess(3.0), HealthStatus::Unhealthy);
/// assert_eq!(h.assess(7.5), HealthStatus::Risky);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Health {
    /// A rate below this is healthy.
    pub healthy_below: f64,
    /// A rate above this is unhealthy.
    pub unhealthy_above: f64,
    /// A rate above this is risky.
    pub risky_above: f64,
}

impl Default for Health {
    /// Healthy below 2%, unhealthy above 2%, risky above 5%.
    fn default() -> Health {
        Health { healthy_below: 2.0, unhealthy_above: 2.0, risky_above: 5.0 }
    }
}

/// How a bounce rate compares with a profile's [`Health`] thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    /// Below `healthy_below`.
    Healthy,
    /// Between `healthy_below` and `unhealthy_above`, both included.
    Borderline,
    /// Above `unhealthy_above`, up to `risky_above`.
    Unhealthy,
    /// Above `risky_above`.
    Risky,
}

impl HealthStatus {
    /// `healthy`, `borderline`, `unhealthy` or `risky`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Borderline => "borderline",
            HealthStatus::Unhealthy => "unhealthy",
            HealthStatus::Risky => "risky",
        }
    }
}

impl Health {
    /// The status of a bounce rate given in percent.
    pub fn assess(&self, rate_percent: f64) -> HealthStatus {
        if rate_percent > self.risky_above {
            HealthStatus::Risky
        } else if rate_percent > self.unhealthy_above {
            HealthStatus::Unhealthy
        } else if rate_percent < self.healthy_below {
            HealthStatus::Healthy
        } else {
            HealthStatus::Borderline
        }
    }
}

/// Writes a duration the way profile files spell it (`30d`, `12h`, `90s`).
pub(crate) struct Spelled(pub Duration);

impl fmt::Display for Spelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_secs();
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
            if s >= size && s % size == 0 {
                return write!(f, "{}{unit}", s / size);
            }
        }
        write!(f, "{s}s")
    }
}

/// Parses `30d`, `12h`, `45m`, `90s`, `2w` (a positive whole number and one unit).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let bad = || format!("`{s}` is not a duration: write a whole number and one unit, such as `30d`, `12h`, `45m`");
    let n: u64 = number.parse().map_err(|_| bad())?;
    let size = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(format!("`{s}`: the window must be longer than zero"));
    }
    n.checked_mul(size).map(Duration::from_secs).ok_or_else(bad)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    pub suppress: Option<Vec<Kind>>,
    pub escalate: Option<RawEscalate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEscalate {
    pub after: Option<Spanned<i64>>,
    pub within: Option<Spanned<String>>,
    #[serde(default)]
    pub categories: Vec<Spanned<String>>,
    pub to: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHealth {
    pub healthy_below: Option<Spanned<f64>>,
    pub unhealthy_above: Option<Spanned<f64>>,
    pub risky_above: Option<Spanned<f64>>,
}

/// Validates `[health]`, filling in defaults for what it leaves out.
pub(crate) fn health(file: &SourceFile, raw: Option<&RawHealth>, diags: &mut Vec<Diagnostic>) -> Health {
    let mut h = Health::default();
    let Some(r) = raw else { return h };
    let given = [&r.healthy_below, &r.unhealthy_above, &r.risky_above];
    let slots = [&mut h.healthy_below, &mut h.unhealthy_above, &mut h.risky_above];
    for (value, slot) in given.into_iter().zip(slots) {
        if let Some(v) = value {
            if v.get_ref().is_finite() && (0.0..=100.0).contains(v.get_ref()) {
                *slot = *v.get_ref();
            } else {
                diags.push(Diagnostic::error_at(file, v.span().start, "a bounce rate is a percentage from 0 to 100"));
            }
        }
    }
    if !(h.healthy_below <= h.unhealthy_above && h.unhealthy_above <= h.risky_above) {
        let at = given.iter().filter_map(|v| v.as_ref()).map(|v| v.span().start).min().unwrap_or(0);
        diags.push(Diagnostic::error_at(
            file,
            at,
            format!(
                "[health] thresholds must grow: healthy_below ({}) <= unhealthy_above ({}) <= risky_above ({})",
                h.healthy_below, h.unhealthy_above, h.risky_above
            ),
        ));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse_duration("12h").unwrap(), Duration::from_secs(12 * 3_600));
        assert_eq!(parse_duration("2w").unwrap(), Duration::from_secs(14 * 86_400));
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("3 days").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
    }

    #[test]
    fn spells_durations_back() {
        assert_eq!(Spelled(Duration::from_secs(30 * 86_400)).to_string(), "30d");
        assert_eq!(Spelled(Duration::from_secs(14 * 86_400)).to_string(), "2w");
        assert_eq!(Spelled(Duration::from_secs(90)).to_string(), "90s");
    }

    #[test]
    fn assesses_rates_against_thresholds() {
        let h = Health { healthy_below: 1.0, unhealthy_above: 2.0, risky_above: 5.0 };
        assert_eq!(h.assess(0.5), HealthStatus::Healthy);
        assert_eq!(h.assess(1.0), HealthStatus::Borderline);
        assert_eq!(h.assess(2.0), HealthStatus::Borderline);
        assert_eq!(h.assess(2.1), HealthStatus::Unhealthy);
        assert_eq!(h.assess(5.0), HealthStatus::Unhealthy);
        assert_eq!(h.assess(5.1), HealthStatus::Risky);
        // The defaults leave exactly 2% on the border.
        assert_eq!(Health::default().assess(2.0), HealthStatus::Borderline);
    }

    #[test]
    fn rejects_thresholds_out_of_order() {
        let file = SourceFile::new("p.toml", "[health]\nhealthy_below = 3.0\nrisky_above = 1.0\n");
        #[derive(Deserialize)]
        struct F {
            health: RawHealth,
        }
        let f: F = toml::from_str(&file.text).unwrap();
        let mut diags = Vec::new();
        health(&file, Some(&f.health), &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("must grow"));
    }
}
