//! The server's counters and their Prometheus text exposition (format
//! 0.0.4): requests by route and status, the classification latency
//! histogram, answers by category, and the rules' generation and reloads.
//!
//! Counting is cheap: a request takes one short uncontended lock for its
//! status and one per answer for its category; the histogram is atomics only.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use super::source::Current;
use crate::reload::ReloadStats;
use crate::Kind;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 14] =
    [0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

/// The routes requests are counted under; anything else is `other`, so that
/// a scanner probing random paths cannot grow the series without bound.
pub(crate) const ROUTES: [&str; 5] = ["/classify", "/healthz", "/metrics", "/openapi.json", "other"];

/// Every counter the server keeps.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// (route index, status code) → requests.
    requests: Mutex<BTreeMap<(u8, u16), u64>>,
    latency: Histogram,
    /// profile → category → kind → answers.
    answers: Mutex<BTreeMap<Box<str>, ByCategory>>,
    in_flight: AtomicU64,
}

/// Answers of one profile: category → kind → count.
type ByCategory = BTreeMap<Box<str>, BTreeMap<&'static str, u64>>;

/// One request in flight; counted down when dropped, even when the client
/// goes away and the request's future is dropped unfinished.
pub(crate) struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a single map update, never left half done.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The index in [`ROUTES`] of a request path.
pub(crate) fn route_of(path: &str) -> u8 {
    ROUTES[..4].iter().position(|r| *r == path).unwrap_or(4) as u8
}

impl Metrics {
    /// Counts a request in flight until the guard is dropped.
    pub(crate) fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    /// Requests being answered now.
    pub(crate) fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Counts one answered request.
    pub(crate) fn count_request(&self, route: u8, status: u16) {
        *lock(&self.requests).entry((route, status)).or_insert(0) += 1;
    }

    /// Records how long one `/classify` request took to answer.
    pub(crate) fn observe_latency(&self, d: Duration) {
        self.latency.observe(d);
    }

    /// Counts one answer; `profile` is empty when the rules define none.
    pub(crate) fn count_answer(&self, profile: &str, category: &str, kind: Kind) {
        let mut answers = lock(&self.answers);
        let by_category = match answers.get_mut(profile) {
            Some(m) => m,
            None => answers.entry(profile.into()).or_default(),
        };
        let by_kind = match by_category.get_mut(category) {
            Some(m) => m,
            None => by_category.entry(category.into()).or_default(),
        };
        *by_kind.entry(kind.as_str()).or_insert(0) += 1;
    }

    /// The Prometheus text exposition of every series, given the live rules
    /// and the reload counters (`None`: rules that never reload, all zero).
    pub(crate) fn render(&self, current: &Current, reloads: Option<&ReloadStats>) -> String {
        let mut out = String::with_capacity(4096);
        header(&mut out, "rebound_http_requests_total", "counter", "HTTP requests answered, by route and status code.");
        for (&(route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "rebound_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                ROUTES[usize::from(route)]
            );
        }
        header(&mut out, "rebound_http_requests_in_flight", "gauge", "HTTP requests being answered now.");
        let _ = writeln!(out, "rebound_http_requests_in_flight {}", self.in_flight());

        header(
            &mut out,
            "rebound_classify_duration_seconds",
            "histogram",
            "Time to answer one /classify request once its body is read (parse, classify, write), for the requests answered 200.",
        );
        self.latency.render(&mut out, "rebound_classify_duration_seconds");

        header(&mut out, "rebound_answers_total", "counter", "Answers given, by profile, category and kind.");
        for (profile, by_category) in lock(&self.answers).iter() {
            for (category, by_kind) in by_category {
                for (kind, n) in by_kind {
                    out.push_str("rebound_answers_total{profile=\"");
                    label(&mut out, profile);
                    out.push_str("\",category=\"");
                    label(&mut out, category);
                    let _ = writeln!(out, "\",kind=\"{kind}\"}} {n}");
                }
            }
        }

        header(
            &mut out,
            "rebound_rules_generation",
            "gauge",
            "Generation of the live rules: 1 at start, +1 per applied reload.",
        );
        let _ = writeln!(out, "rebound_rules_generation {}", current.generation);
        header(
            &mut out,
            "rebound_rules_loaded_timestamp_seconds",
            "gauge",
            "When the live rules were loaded (Unix time).",
        );
        let loaded = current.loaded_at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
        let _ = writeln!(out, "rebound_rules_loaded_timestamp_seconds {loaded:.3}");
        header(
            &mut out,
            "rebound_rules_reloads_total",
            "counter",
            "Rule reloads by outcome: applied, rejected (the last good rules keep serving) or unchanged.",
        );
        let count = |f: fn(&ReloadStats) -> u64| reloads.map_or(0, f);
        for (outcome, n) in [
            ("applied", count(|r| r.applied)),
            ("rejected", count(|r| r.rejected)),
            ("unchanged", count(|r| r.unchanged)),
        ] {
            let _ = writeln!(out, "rebound_rules_reloads_total{{outcome=\"{outcome}\"}} {n}");
        }
        header(
            &mut out,
            "rebound_rules_last_reload_rejected",
            "gauge",
            "1 while the files on disk are broken and older rules serve; 0 otherwise.",
        );
        let _ = writeln!(
            out,
            "rebound_rules_last_reload_rejected {}",
            u8::from(reloads.is_some_and(|r| r.last_error.is_some()))
        );
        if let Some(d) = reloads.and_then(|r| r.last_duration) {
            header(&mut out, "rebound_rules_last_reload_duration_seconds", "gauge", "How long the last reload took.");
            let _ = writeln!(out, "rebound_rules_last_reload_duration_seconds {:.6}", d.as_secs_f64());
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Appends a label value, escaped as the text format requires.
fn label(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A latency histogram over [`BUCKETS`]: lock-free, counts per bucket (not
/// cumulative; summed when rendered).
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = BUCKETS.iter().position(|&b| secs <= b).unwrap_or(BUCKETS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str) {
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().map(|b| format!("{b}")).chain(["+Inf".to_string()]).enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum:.9}\n{name}_count {cumulative}");
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    fn render(m: &Metrics, reloads: Option<&ReloadStats>) -> String {
        let engine = crate::Engine::embedded().unwrap();
        m.render(&Current { engine, generation: 3, loaded_at: SystemTime::UNIX_EPOCH }, reloads)
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_count_everything() {
        let m = Metrics::default();
        for micros in [10, 30, 30, 2_000_000] {
            m.observe_latency(Duration::from_micros(micros));
        }
        let text = render(&m, None);
        assert!(text.contains("rebound_classify_duration_seconds_bucket{le=\"0.000025\"} 1\n"), "{text}");
        assert!(text.contains("rebound_classify_duration_seconds_bucket{le=\"0.00005\"} 3\n"), "{text}");
        assert!(text.contains("rebound_classify_duration_seconds_bucket{le=\"1\"} 3\n"), "{text}");
        assert!(text.contains("rebound_classify_duration_seconds_bucket{le=\"+Inf\"} 4\n"), "{text}");
        assert!(text.contains("rebound_classify_duration_seconds_count 4\n"), "{text}");
        assert!(text.contains("rebound_classify_duration_seconds_sum 2.000070000\n"), "{text}");
    }

    #[test]
    fn counts_requests_answers_and_reloads_with_escaped_labels() {
        let m = Metrics::default();
        m.count_request(route_of("/classify"), 200);
        m.count_request(route_of("/classify"), 200);
        m.count_request(route_of("/wp-login.php"), 404);
        m.count_answer("", "user_unknown", Kind::Hard);
        m.count_answer("esp", "Bad \"Mailbox\"\\", Kind::Hard);
        let reloads = ReloadStats {
            generation: 3,
            loaded_at: SystemTime::UNIX_EPOCH,
            applied: 2,
            rejected: 1,
            unchanged: 0,
            last_duration: Some(Duration::from_millis(4)),
            last_error: Some(vec![crate::Diagnostic::error_path("rules/a.toml", "broken")].into()),
        };
        let text = render(&m, Some(&reloads));
        for line in [
            "rebound_http_requests_total{route=\"/classify\",status=\"200\"} 2",
            "rebound_http_requests_total{route=\"other\",status=\"404\"} 1",
            "rebound_answers_total{profile=\"\",category=\"user_unknown\",kind=\"hard\"} 1",
            "rebound_answers_total{profile=\"esp\",category=\"Bad \\\"Mailbox\\\"\\\\\",kind=\"hard\"} 1",
            "rebound_rules_generation 3",
            "rebound_rules_loaded_timestamp_seconds 0.000",
            "rebound_rules_reloads_total{outcome=\"applied\"} 2",
            "rebound_rules_reloads_total{outcome=\"rejected\"} 1",
            "rebound_rules_last_reload_rejected 1",
            "rebound_rules_last_reload_duration_seconds 0.004000",
        ] {
            assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
        }
    }
}
