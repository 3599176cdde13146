//! What a sender does with classified bounces: whom to stop mailing
//! ([`Policy`]) and whether its sending is healthy ([`Health`]).
//!
//! Both are data: a profile file may declare `[policy]` and `[health]`
//! tables; a profile that is silent (or no profile at all) gets the defaults
//! the common schemes agree on:
//!
//! ```toml
//! [policy]
//! suppress = ["hard", "complaint"]   # kinds that stop mailing a recipient at once
//! soft_limit = 3                     # soft bounces in a row that count as a hard bounce (0: never)
//! soft_window_days = 30              # ... when they fall within this many days (0: any time)
//!
//! [health]
//! unhealthy_above = 2.0              # bounce rate, in percent of messages sent
//! risky_above = 5.0
//! ```
//!
//! ```
//! use rebound::policy::{Health, HealthStatus};
//!
//! let health = Health::default();
//! assert_eq!(health.assess(2_400, 120_000), Some(HealthStatus::Healthy)); // exactly 2%
//! assert_eq!(health.assess(2_401, 120_000), Some(HealthStatus::Unhealthy));
//! assert_eq!(health.assess(6_001, 120_000), Some(HealthStatus::Risky));
//! assert_eq!(health.assess(1, 0), None);
//! ```

use serde::{Deserialize, Serialize};

use crate::rules::Kind;

/// Whom to stop mailing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Kinds whose bounce stops mailing the recipient at once.
    pub suppress: Vec<Kind>,
    /// Soft bounces with no delivery in between after which the recipient is
    /// treated as a hard bounce; 0 never escalates.
    pub soft_limit: u32,
    /// The escalating soft bounces must fall within this many days (first to
    /// last); 0 means any time apart.
    pub soft_window_days: u32,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy { suppress: vec![Kind::Hard, Kind::Complaint], soft_limit: 3, soft_window_days: 30 }
    }
}

impl Policy {
    /// Whether a bounce of `kind` stops mailing the recipient at once.
    pub fn suppresses(&self, kind: Kind) -> bool {
        self.suppress.contains(&kind)
    }

    /// The window in seconds, `None` for no window.
    pub fn window_secs(&self) -> Option<i64> {
        (self.soft_window_days > 0).then(|| i64::from(self.soft_window_days) * 86_400)
    }
}

/// Bounce-rate thresholds, in percent of the messages sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Health {
    /// Above this rate sending is unhealthy.
    pub unhealthy_above: f64,
    /// Above this rate sending is risky (mailbox providers start to block).
    pub risky_above: f64,
}

impl Default for Health {
    fn default() -> Health {
        Health { unhealthy_above: 2.0, risky_above: 5.0 }
    }
}

/// How healthy a bounce rate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// At or below the unhealthy threshold.
    Healthy,
    /// Above the unhealthy threshold, at or below the risky one.
    Unhealthy,
    /// Above the risky threshold.
    Risky,
}

impl HealthStatus {
    /// `healthy`, `unhealthy` or `risky`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
            HealthStatus::Risky => "risky",
        }
    }
}

impl Health {
    /// The bounce rate in percent; `None` when nothing was sent.
    ///
    /// Computed as `bounces * 100 / sent` in one correctly rounded division,
    /// so a rate that is exactly a threshold compares equal to it.
    pub fn rate_percent(bounces: u64, sent: u64) -> Option<f64> {
        (sent > 0).then(|| (u128::from(bounces) * 100) as f64 / sent as f64)
    }

    /// The status of `bounces` out of `sent` messages; `None` when nothing
    /// was sent.
    pub fn assess(&self, bounces: u64, sent: u64) -> Option<HealthStatus> {
        let rate = Health::rate_percent(bounces, sent)?;
        Some(if rate > self.risky_above {
            HealthStatus::Risky
        } else if rate > self.unhealthy_above {
            HealthStatus::Unhealthy
        } else {
            HealthStatus::Healthy
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_exclusive() {
        let h = Health::default();
        assert_eq!(h.assess(0, 100), Some(HealthStatus::Healthy));
        assert_eq!(h.assess(2, 100), Some(HealthStatus::Healthy));
        assert_eq!(h.assess(201, 10_000), Some(HealthStatus::Unhealthy));
        assert_eq!(h.assess(5, 100), Some(HealthStatus::Unhealthy));
        assert_eq!(h.assess(501, 10_000), Some(HealthStatus::Risky));
        assert_eq!(h.assess(u64::MAX, u64::MAX), Some(HealthStatus::Risky));
        assert_eq!(h.assess(0, 0), None);
    }

    #[test]
    fn silent_tables_get_the_defaults() {
        let p: Policy = toml::from_str("soft_limit = 5").unwrap();
        assert_eq!(p.soft_limit, 5);
        assert_eq!(p.suppress, vec![Kind::Hard, Kind::Complaint]);
        let h: Health = toml::from_str("").unwrap();
        assert_eq!(h, Health::default());
        assert!(toml::from_str::<Policy>("soft_limt = 5").is_err());
    }
}
