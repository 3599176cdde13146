//! Writing a [`Report`] as a readable table, JSON or CSV. The HTML page is
//! in [`super::html`].

use std::fmt::Write as _;

use super::{Count, Report};

/// The report as pretty-printed JSON (the [`Report`] structure as is).
pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}

/// A count with thousands separators: `120,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A percentage with the precision a reader needs: `1.95%`, `0.004%`.
pub fn percent(p: f64) -> String {
    if p == 0.0 || p >= 1.0 {
        format!("{p:.2}%")
    } else {
        format!("{p:.3}%")
    }
}

/// The summary lines every format leads with: records, period, rate, health.
pub fn summary_lines(r: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    let mut head = format!("{} records", thousands(r.records));
    if let (Some(first), Some(last)) = (&r.first_date, &r.last_date) {
        let _ = write!(head, ", {} to {}", &first[..10], &last[..10]);
    }
    if let Some(p) = &r.profile {
        let _ = write!(head, ", profile {p}");
    }
    lines.push(head);
    let mut rate = format!("{} bounces", thousands(r.bounces));
    match (r.sent, r.bounce_rate, r.health) {
        (Some(sent), Some(rate_p), Some(h)) => {
            let _ = write!(
                rate,
                " of {} sent: bounce rate {} is {} (healthy below {}%, unhealthy above {}%, risky above {}%)",
                thousands(sent),
                percent(rate_p),
                h.to_uppercase(),
                r.thresholds.healthy_below,
                r.thresholds.unhealthy_above,
                r.thresholds.risky_above
            );
        }
        _ => rate.push_str(" (give --sent N for the bounce rate and health)"),
    }
    lines.push(rate);
    let mut other = format!("{} complaints", thousands(r.complaints));
    if let Some(c) = r.complaint_rate {
        let _ = write!(other, " ({})", percent(c));
    }
    let _ = write!(other, ", {} deliveries", thousands(r.deliveries));
    if r.undated > 0 && r.undated < r.records {
        let _ = write!(other, ", {} records without a date", thousands(r.undated));
    }
    lines.push(other);
    lines
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn count_table(out: &mut String, title: &str, counts: &[Count]) {
    let _ = writeln!(out, "\n{:<40} {:>10} {:>8}", title, "COUNT", "SHARE");
    for c in counts {
        let _ = writeln!(out, "{:<40} {:>10} {:>8}", cut(&c.name, 40), thousands(c.count), percent(c.percent));
    }
}

/// The report as tables for a terminal.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    for line in summary_lines(r) {
        out.push_str(&line);
        out.push('\n');
    }
    if r.records == 0 {
        return out;
    }
    count_table(&mut out, "KIND", &r.kinds);
    let _ = writeln!(out, "\n{:<28} {:<11} {:>10} {:>8}", "CATEGORY", "KIND", "COUNT", "SHARE");
    for c in &r.categories {
        let _ = writeln!(
            out,
            "{:<28} {:<11} {:>10} {:>8}",
            cut(&c.name, 28),
            c.kind.as_str(),
            thousands(c.count),
            percent(c.percent)
        );
    }
    count_table(&mut out, "RECIPIENT DOMAIN", &r.domains);
    count_table(&mut out, "PROVIDER", &r.providers);
    let _ = writeln!(out, "\nTOP DIAGNOSTICS PER CATEGORY");
    for c in &r.categories {
        let _ = writeln!(out, "{} ({}, {})", c.name, c.kind.as_str(), thousands(c.count));
        for d in &c.diagnostics {
            let _ = writeln!(out, "  {:>8} {:>8}  {}", thousands(d.count), percent(d.percent), cut(&d.name, 100));
        }
    }
    out
}

/// Appends one CSV field, quoted when it needs to be.
fn field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn row(out: &mut String, section: &str, name: &str, detail: &str, count: Option<u64>, percent: Option<f64>) {
    field(out, section);
    out.push(',');
    field(out, name);
    out.push(',');
    field(out, detail);
    out.push(',');
    if let Some(c) = count {
        let _ = write!(out, "{c}");
    }
    out.push(',');
    if let Some(p) = percent {
        let _ = write!(out, "{p:.4}");
    }
    out.push('\n');
}

/// The report as CSV, one row per number: `section,name,detail,count,percent`.
///
/// Sections: `summary` (records, bounces and complaints with their rate
/// in percent of `sent`, deliveries, sent, health in `detail`), `kind`,
/// `category` (kind in `detail`), `diagnostic` (category in `detail`,
/// percent of the category), `domain`, `provider`, `day` (category in
/// `detail`).
pub fn csv(r: &Report) -> String {
    let mut out = String::from("section,name,detail,count,percent\n");
    row(&mut out, "summary", "records", "", Some(r.records), None);
    row(&mut out, "summary", "bounces", "", Some(r.bounces), r.bounce_rate);
    row(&mut out, "summary", "complaints", "", Some(r.complaints), r.complaint_rate);
    row(&mut out, "summary", "deliveries", "", Some(r.deliveries), None);
    if let Some(sent) = r.sent {
        row(&mut out, "summary", "sent", "", Some(sent), None);
    }
    if let Some(h) = r.health {
        row(&mut out, "summary", "health", h, None, r.bounce_rate);
    }
    for c in &r.kinds {
        row(&mut out, "kind", &c.name, "", Some(c.count), Some(c.percent));
    }
    for c in &r.categories {
        row(&mut out, "category", &c.name, c.kind.as_str(), Some(c.count), Some(c.percent));
    }
    for c in &r.categories {
        for d in &c.diagnostics {
            row(&mut out, "diagnostic", &d.name, &c.name, Some(d.count), Some(d.percent));
        }
    }
    for c in &r.domains {
        row(&mut out, "domain", &c.name, "", Some(c.count), Some(c.percent));
    }
    for c in &r.providers {
        row(&mut out, "provider", &c.name, "", Some(c.count), Some(c.percent));
    }
    for d in &r.days {
        for (category, n) in &d.categories {
            row(&mut out, "day", &d.date, category, Some(*n), None);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(120_000), "120,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(2.0), "2.00%");
        assert_eq!(percent(0.0042), "0.004%");
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = String::new();
        field(&mut out, "a \"b\", c");
        assert_eq!(out, "\"a \"\"b\"\", c\"");
    }
}
