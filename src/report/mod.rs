//! `rebound report`: what a batch of bounces says about a sender's mail.
//!
//! Records ([`Record`], one classified bounce each) go into a [`Builder`],
//! which counts them per category and kind, per recipient domain, per
//! receiving provider ([`Providers`]) and per day, and keeps the most frequent
//! diagnostics of every category (as [`template::template`]s). [`Builder::finish`]
//! gives a [`Report`]; with the number of messages sent it also gives the
//! bounce rate and its health under the profile's [`Health`] thresholds.
//! [`render`] and [`html`] write it out.
//!
//! ```
//! use rebound::report::{Builder, Options, Providers, Record};
//! use rebound::report::record::Classifier;
//!
//! let engine = rebound::Engine::embedded()?;
//! let mut classifier = Classifier::new(&engine);
//! let mut builder = Builder::new(Providers::from_rules(engine.rules())?);
//! for line in ["550 5.1.1 <a@gmail.com>: User unknown", "452 4.2.2 Mailbox full"] {
//!     builder.add(&classifier.line(None, line.as_bytes()));
//! }
//! let report = builder.finish(&Options { sent: Some(100), ..Options::default() });
//! assert_eq!(report.bounces, 2);
//! assert_eq!(report.bounce_rate, Some(2.0));
//! assert_eq!(report.health, Some("borderline")); // exactly 2%: neither below nor above
//! # Ok::<(), rebound::LoadError>(())
//! ```

pub mod date;
pub mod html;
pub mod input;
pub mod provider;
pub mod record;
pub mod render;
pub mod template;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::profile::Health;
use crate::rules::Kind;
pub use provider::Providers;
pub use record::Record;

/// Distinct diagnostic templates kept per category; later new ones are
/// counted as `(other)`, so memory stays bounded on any input.
const MAX_TEMPLATES: usize = 20_000;
/// Distinct recipient domains kept; later new ones are counted as `(other)`.
const MAX_DOMAINS: usize = 200_000;

/// The name used for everything past a limit.
pub const OTHER: &str = "(other)";
/// The name used for a missing domain or provider.
pub const UNKNOWN: &str = "(unknown)";

/// How to finish a report.
#[derive(Debug, Clone)]
pub struct Options {
    /// Messages sent in the period, for the bounce rate.
    pub sent: Option<u64>,
    /// Bounce-rate thresholds.
    pub health: Health,
    /// Domains and diagnostics per category listed; the rest are summed as `(other)`.
    pub top: usize,
    /// The profile the categories are in.
    pub profile: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options { sent: None, health: Health::default(), top: 10, profile: None }
    }
}

/// Bounce-rate thresholds as reported, in percent of messages sent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// A rate below this is healthy.
    pub healthy_below: f64,
    /// A rate above this is unhealthy.
    pub unhealthy_above: f64,
    /// A rate above this is risky.
    pub risky_above: f64,
}

impl From<Health> for Thresholds {
    fn from(h: Health) -> Thresholds {
        Thresholds { healthy_below: h.healthy_below, unhealthy_above: h.unhealthy_above, risky_above: h.risky_above }
    }
}

/// Bounces (or complaints) per 100 messages sent; `None` when nothing was sent.
///
/// One correctly rounded division of `count * 100` by `sent`, so a rate that
/// is exactly a threshold (2,400 of 120,000) compares equal to it.
pub fn rate_percent(count: u64, sent: u64) -> Option<f64> {
    (sent > 0).then(|| (u128::from(count) * 100) as f64 / sent as f64)
}

/// A name and how many records it has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    /// The category, kind, domain, provider or diagnostic.
    pub name: String,
    /// Records.
    pub count: u64,
    /// Share of all records, in percent.
    pub percent: f64,
}

/// One category: its count and its most frequent diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCount {
    /// The category.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Records.
    pub count: u64,
    /// Share of all records, in percent.
    pub percent: f64,
    /// The most frequent diagnostics, with addresses and ids masked; shares are of this category.
    pub diagnostics: Vec<Count>,
}

/// The records of one day, per category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Records that day.
    pub count: u64,
    /// Records per category that day (categories without any left out).
    pub categories: BTreeMap<String, u64>,
}

/// A finished report; serialized as is for `--format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The profile the categories are in.
    pub profile: Option<String>,
    /// Records read other than deliveries: what the tables count.
    pub records: u64,
    /// Records that count as bounces (see [`Record::is_bounce`]).
    pub bounces: u64,
    /// Records that say a message was delivered (counted here only).
    pub deliveries: u64,
    /// Records that are complaints.
    pub complaints: u64,
    /// Messages sent, when given.
    pub sent: Option<u64>,
    /// Bounces per 100 messages sent.
    pub bounce_rate: Option<f64>,
    /// Complaints per 100 messages sent.
    pub complaint_rate: Option<f64>,
    /// How healthy the bounce rate is: `healthy`, `borderline`, `unhealthy` or `risky`.
    pub health: Option<&'static str>,
    /// The thresholds applied.
    pub thresholds: Thresholds,
    /// The earliest date seen (RFC 3339).
    pub first_date: Option<String>,
    /// The latest date seen (RFC 3339).
    pub last_date: Option<String>,
    /// Records without a date.
    pub undated: u64,
    /// Records per kind, most first.
    pub kinds: Vec<Count>,
    /// Records per category, most first.
    pub categories: Vec<CategoryCount>,
    /// Records per recipient domain, most first (`top` of them, then `(other)`).
    pub domains: Vec<Count>,
    /// Records per receiving provider, most first.
    pub providers: Vec<Count>,
    /// Records per day, in date order (empty without dates).
    pub days: Vec<Day>,
}

#[derive(Debug)]
struct CategoryAcc {
    kind: Kind,
    count: u64,
    templates: HashMap<String, u64>,
    other_templates: u64,
}

/// Counts records into a [`Report`].
#[derive(Debug)]
pub struct Builder {
    providers: Providers,
    records: u64,
    bounces: u64,
    deliveries: u64,
    complaints: u64,
    undated: u64,
    first: Option<i64>,
    last: Option<i64>,
    kinds: HashMap<Kind, u64>,
    categories: HashMap<String, CategoryAcc>,
    domains: HashMap<String, u64>,
    other_domains: u64,
    providers_count: HashMap<String, u64>,
    days: BTreeMap<i64, HashMap<String, u64>>,
}

impl Builder {
    /// An empty report grouping providers with `providers`.
    pub fn new(providers: Providers) -> Builder {
        Builder {
            providers,
            records: 0,
            bounces: 0,
            deliveries: 0,
            complaints: 0,
            undated: 0,
            first: None,
            last: None,
            kinds: HashMap::new(),
            categories: HashMap::new(),
            domains: HashMap::new(),
            other_domains: 0,
            providers_count: HashMap::new(),
            days: BTreeMap::new(),
        }
    }

    /// Counts one record. A delivery (a log's `status=sent`, a DSN's
    /// `delivered`) is only counted as one: the tables are about the rest.
    pub fn add(&mut self, r: &Record) {
        if r.is_delivery() {
            self.deliveries += 1;
            return;
        }
        self.records += 1;
        self.bounces += u64::from(r.is_bounce());
        self.complaints += u64::from(r.is_complaint());
        *self.kinds.entry(r.kind).or_default() += 1;

        let acc = match self.categories.get_mut(&r.category) {
            Some(acc) => acc,
            None => self.categories.entry(r.category.clone()).or_insert(CategoryAcc {
                kind: r.kind,
                count: 0,
                templates: HashMap::new(),
                other_templates: 0,
            }),
        };
        acc.count += 1;
        let t = template::template(&r.diagnostic);
        if let Some(n) = acc.templates.get_mut(&t) {
            *n += 1;
        } else if acc.templates.len() < MAX_TEMPLATES {
            acc.templates.insert(t, 1);
        } else {
            acc.other_templates += 1;
        }

        let domain = r.domain();
        let provider = self.providers.provider(r.remote_mta.as_deref(), domain.as_deref());
        let provider = match (provider, &domain, &r.remote_mta) {
            (Some(p), _, _) => p,
            (None, None, None) => UNKNOWN,
            (None, _, _) => OTHER,
        };
        if let Some(n) = self.providers_count.get_mut(provider) {
            *n += 1;
        } else {
            self.providers_count.insert(provider.to_string(), 1);
        }
        let domain = domain.unwrap_or_else(|| UNKNOWN.to_string());
        if let Some(n) = self.domains.get_mut(&domain) {
            *n += 1;
        } else if self.domains.len() < MAX_DOMAINS {
            self.domains.insert(domain, 1);
        } else {
            self.other_domains += 1;
        }

        match r.date {
            Some(t) => {
                self.first = Some(self.first.map_or(t, |f| f.min(t)));
                self.last = Some(self.last.map_or(t, |l| l.max(t)));
                let day = self.days.entry(date::day(t)).or_default();
                if let Some(n) = day.get_mut(&r.category) {
                    *n += 1;
                } else {
                    day.insert(r.category.clone(), 1);
                }
            }
            None => self.undated += 1,
        }
    }

    /// The finished report.
    pub fn finish(self, options: &Options) -> Report {
        let total = self.records;
        let percent = |n: u64| if total == 0 { 0.0 } else { (u128::from(n) * 100) as f64 / total as f64 };
        let count = |name: String, n: u64| Count { name, count: n, percent: percent(n) };
        let mut kinds: Vec<Count> = self.kinds.iter().map(|(k, &n)| count(k.as_str().to_string(), n)).collect();
        sort_counts(&mut kinds);
        let mut categories: Vec<CategoryCount> = self
            .categories
            .into_iter()
            .map(|(name, acc)| {
                let mut diagnostics = top(acc.templates, acc.other_templates, options.top);
                for d in &mut diagnostics {
                    d.percent = (u128::from(d.count) * 100) as f64 / acc.count as f64;
                }
                CategoryCount { name, kind: acc.kind, count: acc.count, percent: percent(acc.count), diagnostics }
            })
            .collect();
        categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let mut domains = top(self.domains, self.other_domains, options.top);
        let mut providers = top(self.providers_count, 0, usize::MAX);
        for c in domains.iter_mut().chain(providers.iter_mut()) {
            c.percent = percent(c.count);
        }
        let days = self
            .days
            .into_iter()
            .map(|(day, cats)| Day {
                date: date::format_day(day),
                count: cats.values().sum(),
                categories: cats.into_iter().collect(),
            })
            .collect();
        let sent = options.sent;
        Report {
            profile: options.profile.clone(),
            records: total,
            bounces: self.bounces,
            deliveries: self.deliveries,
            complaints: self.complaints,
            sent,
            bounce_rate: sent.and_then(|s| rate_percent(self.bounces, s)),
            complaint_rate: sent.and_then(|s| rate_percent(self.complaints, s)),
            health: sent.and_then(|s| rate_percent(self.bounces, s)).map(|r| options.health.assess(r).as_str()),
            thresholds: options.health.into(),
            first_date: self.first.map(date::format),
            last_date: self.last.map(date::format),
            undated: self.undated,
            kinds,
            categories,
            domains,
            providers,
            days,
        }
    }
}

fn sort_counts(v: &mut [Count]) {
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
}

/// The `n` largest counts, most first, then the rest (and `other`) summed
/// as `(other)`. Percentages are left for the caller.
fn top(counts: HashMap<String, u64>, other: u64, n: usize) -> Vec<Count> {
    let mut all: Vec<Count> = counts.into_iter().map(|(name, count)| Count { name, count, percent: 0.0 }).collect();
    sort_counts(&mut all);
    let rest: u64 = all.iter().skip(n).map(|c| c.count).sum::<u64>() + other;
    all.truncate(n);
    if rest > 0 {
        all.push(Count { name: OTHER.to_string(), count: rest, percent: 0.0 });
    }
    all
}
