//! The report as one self-contained HTML page: summary cards, inline SVG
//! charts (categories over time when the records have dates, kinds, recipient
//! domains, providers) and the category and diagnostic tables. No script, no
//! external resource: the page opens anywhere, offline.
//!
//! Every number shown carries its value in a `data-*` attribute
//! (`data-records`, `data-category`/`data-count`, ...) so that tools and tests
//! can read the page back.

use std::fmt::Write as _;

use super::date;
use super::render::{percent, summary_lines, thousands};
use super::{Count, Report, OTHER};
use crate::rules::Kind;

/// Categories drawn with their own color in the time chart; the rest are
/// stacked together as `(other)`.
const CHART_CATEGORIES: usize = 10;

const PALETTE: [&str; CHART_CATEGORIES] =
    ["#d1495b", "#edae49", "#00798c", "#30638e", "#8e6c8a", "#66a182", "#e07a5f", "#3d405b", "#81b29a", "#b5838d"];
const OTHER_COLOR: &str = "#9aa0a6";
/// The longest period (in days) drawn with a slot for every day.
const MAX_SLOTS: i64 = 400;

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#59636e;margin:10px 0 16px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px 16px}
.card .v{font-size:24px;font-weight:600}.card .l{color:#59636e;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.healthy{color:#1a7f37}.borderline{color:#9a6700}.unhealthy{color:#bc4c00}.risky{color:#cf222e}
.badge{font-size:12px;font-weight:600;border:1px solid currentColor;border-radius:10px;padding:1px 8px;vertical-align:middle}
section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px 16px;margin-top:16px}
section h2{margin-top:4px}
table{border-collapse:collapse;width:100%}table.diag{table-layout:fixed}table.diag td:nth-child(1){width:70px}table.diag td:nth-child(2){width:80px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;margin-top:6px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-word}
svg text{font:11px system-ui,sans-serif;fill:#1f2328}
";

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn kind_color(kind: &str) -> &'static str {
    match kind {
        "hard" => "#cf222e",
        "soft" => "#d4a72c",
        "block" => "#8250df",
        "complaint" => "#9a1b1b",
        "success" => "#1a7f37",
        "auto_reply" => "#0969da",
        "admin" => "#1b7c83",
        _ => OTHER_COLOR,
    }
}

/// The page.
pub fn page(r: &Report) -> String {
    let mut o = String::with_capacity(32 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    o.push_str("<title>rebound bounce report</title><style>");
    o.push_str(STYLE);
    o.push_str("</style></head><body><main>\n<h1>Bounce report</h1>\n");
    let lines = summary_lines(r);
    let _ = writeln!(o, "<p class=\"sub\">{}</p>", escape(&lines[0]));
    cards(&mut o, r);
    if !r.days.is_empty() {
        o.push_str("<section id=\"over-time\"><h2>Categories over time</h2>");
        time_chart(&mut o, r);
        o.push_str("</section>\n");
    }
    let kinds: Vec<(String, u64, &str)> =
        r.kinds.iter().map(|c| (c.name.clone(), c.count, kind_color(&c.name))).collect();
    bar_section(&mut o, "kinds", "Kinds", &kinds);
    let blue = |c: &[Count]| c.iter().map(|c| (c.name.clone(), c.count, "#30638e")).collect::<Vec<_>>();
    bar_section(&mut o, "domains", "Recipient domains", &blue(&r.domains));
    bar_section(&mut o, "providers", "Receiving providers", &blue(&r.providers));
    categories(&mut o, r);
    o.push_str("<p class=\"sub\">Made by rebound.</p></main></body></html>\n");
    o
}

fn card(o: &mut String, id: &str, label: &str, raw: &str, value: &str) {
    let _ = write!(
        o,
        "<div class=\"card\" id=\"{id}\" data-{id}=\"{}\"><div class=\"l\">{label}</div><div class=\"v\">{value}</div></div>",
        escape(raw)
    );
}

fn cards(o: &mut String, r: &Report) {
    o.push_str("<div class=\"cards\">");
    card(o, "records", "Records", &r.records.to_string(), &thousands(r.records));
    card(o, "bounces", "Bounces", &r.bounces.to_string(), &thousands(r.bounces));
    if let Some(sent) = r.sent {
        card(o, "sent", "Sent", &sent.to_string(), &thousands(sent));
    }
    if let (Some(rate), Some(h)) = (r.bounce_rate, r.health) {
        let value = format!(
            "<span class=\"{h}\">{}</span> <span id=\"health\" data-health=\"{h}\" class=\"badge {h}\">{h}</span>",
            percent(rate)
        );
        card(o, "bounce-rate", "Bounce rate", &rate.to_string(), &value);
    }
    card(o, "complaints", "Complaints", &r.complaints.to_string(), &thousands(r.complaints));
    card(o, "deliveries", "Deliveries", &r.deliveries.to_string(), &thousands(r.deliveries));
    o.push_str("</div>\n");
    if r.sent.is_some() {
        let _ = writeln!(
            o,
            "<p class=\"sub\">Bounce rate: healthy below {}%, unhealthy above {}%, risky above {}% of messages sent.</p>",
            r.thresholds.healthy_below, r.thresholds.unhealthy_above, r.thresholds.risky_above
        );
    }
}

/// The smallest "nice" number (1, 2 or 5 times a power of ten) at or above `n`.
fn nice_ceiling(n: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= n {
                return step.saturating_mul(m);
            }
        }
        step = step.saturating_mul(10);
    }
}

fn time_chart(o: &mut String, r: &Report) {
    // The most frequent categories get their own color; the rest stack as one.
    let shown: Vec<&str> = r.categories.iter().take(CHART_CATEGORIES).map(|c| c.name.as_str()).collect();
    let has_other = r.categories.len() > CHART_CATEGORIES;
    let (w, h, left, bottom, top) = (980.0_f64, 260.0_f64, 48.0_f64, 28.0_f64, 10.0_f64);
    let plot_h = h - bottom - top;
    let max = nice_ceiling(r.days.iter().map(|d| d.count).max().unwrap_or(1).max(1));
    let slots = day_slots(r);
    let band = (w - left - 8.0) / slots.len() as f64;
    let bar = (band * 0.8).max(1.0);
    let _ = write!(
        o,
        "<svg role=\"img\" aria-label=\"Records per day by category\" viewBox=\"0 0 {w} {h}\" width=\"100%\" data-days=\"{}\">",
        r.days.len()
    );
    // `max` is 1, 2 or 5 times a power of ten: five equal steps are whole
    // numbers from 5 up.
    let steps = max.min(5);
    for i in 0..=steps {
        let v = max / steps * i;
        let y = top + plot_h - plot_h * (v as f64 / max as f64);
        let _ = write!(
            o,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eaeef2\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            w - 8.0,
            left - 6.0,
            y + 4.0,
            thousands(v)
        );
    }
    let label_every = slots.len().div_ceil(12).max(1);
    for (i, (label, day)) in slots.iter().enumerate() {
        let x = left + band * i as f64 + (band - bar) / 2.0;
        if i % label_every == 0 {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                h - 10.0,
                &label[5..]
            );
        }
        let Some(day) = day else { continue };
        let mut y = top + plot_h;
        let mut stack: Vec<(&str, u64, &str)> = Vec::new();
        for (ci, name) in shown.iter().enumerate() {
            if let Some(&n) = day.categories.get(*name) {
                stack.push((name, n, PALETTE[ci]));
            }
        }
        let rest: u64 = day.count - stack.iter().map(|s| s.1).sum::<u64>();
        if has_other && rest > 0 {
            stack.push((OTHER, rest, OTHER_COLOR));
        }
        for (name, n, color) in stack {
            let bh = plot_h * n as f64 / max as f64;
            y -= bh;
            let _ = write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{color}\"><title>{} {}: {}</title></rect>",
                day.date,
                escape(name),
                thousands(n)
            );
        }
    }
    o.push_str("</svg><div class=\"legend\">");
    for (ci, name) in shown.iter().enumerate() {
        let _ = write!(o, "<span><i style=\"background:{}\"></i>{}</span>", PALETTE[ci], escape(name));
    }
    if has_other {
        let _ = write!(o, "<span><i style=\"background:{OTHER_COLOR}\"></i>{OTHER}</span>");
    }
    o.push_str("</div>");
}

/// The days of the time chart, oldest first: every day from the first to the
/// last (so that gaps show) when that is at most [`MAX_SLOTS`] days, else
/// only the days with records.
fn day_slots(r: &Report) -> Vec<(String, Option<&super::Day>)> {
    let number = |d: &super::Day| date::parse(&d.date).map(date::day);
    let span = match (r.days.first().and_then(number), r.days.last().and_then(number)) {
        (Some(first), Some(last)) if last - first < MAX_SLOTS => Some((first, last)),
        _ => None,
    };
    let Some((first, last)) = span else {
        return r.days.iter().map(|d| (d.date.clone(), Some(d))).collect();
    };
    let mut days = r.days.iter().peekable();
    (first..=last)
        .map(|n| {
            let label = date::format_day(n);
            let day = days.next_if(|d| d.date == label);
            (label, day)
        })
        .collect()
}

/// A section with horizontal bars, one per `(label, count, color)`.
fn bar_section(o: &mut String, id: &str, title: &str, rows: &[(String, u64, &str)]) {
    if rows.is_empty() {
        return;
    }
    let (w, row_h, label_w, count_w) = (980.0_f64, 24.0_f64, 230.0_f64, 90.0_f64);
    let h = row_h * rows.len() as f64 + 4.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let _ = write!(
        o,
        "<section id=\"{id}\"><h2>{title}</h2><svg role=\"img\" aria-label=\"{title}\" viewBox=\"0 0 {w} {h}\" width=\"100%\">"
    );
    for (i, (label, n, color)) in rows.iter().enumerate() {
        let y = row_h * i as f64 + 2.0;
        let bw = ((w - label_w - count_w) * *n as f64 / max).max(1.0);
        let shown: String =
            if label.chars().count() > 34 { label.chars().take(33).chain(['…']).collect() } else { label.clone() };
        let _ = write!(
            o,
            "<g data-name=\"{}\" data-count=\"{n}\"><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" rx=\"2\" fill=\"{color}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            escape(label),
            label_w - 8.0,
            y + row_h * 0.65,
            escape(&shown),
            row_h - 6.0,
            escape(label),
            thousands(*n),
            label_w + bw + 6.0,
            y + row_h * 0.65,
            thousands(*n)
        );
    }
    o.push_str("</svg></section>\n");
}

fn categories(o: &mut String, r: &Report) {
    if r.categories.is_empty() {
        return;
    }
    o.push_str("<section id=\"categories\"><h2>Categories</h2><table><thead><tr><th>Category</th><th>Kind</th>");
    o.push_str("<th class=\"n\">Count</th><th class=\"n\">Share</th></tr></thead><tbody>");
    for c in &r.categories {
        let kind = c.kind.as_str();
        let _ = write!(
            o,
            "<tr data-category=\"{}\" data-count=\"{}\"><td>{}</td><td><span style=\"color:{}\">{kind}</span></td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&c.name),
            c.count,
            escape(&c.name),
            kind_color(kind),
            thousands(c.count),
            percent(c.percent)
        );
    }
    o.push_str("</tbody></table></section>\n<section id=\"diagnostics\"><h2>Top diagnostics per category</h2>");
    for (i, c) in r.categories.iter().enumerate() {
        let open = if i < 3 || c.kind == Kind::Hard { " open" } else { "" };
        let _ = write!(
            o,
            "<details{open}><summary>{} ({})</summary><table class=\"diag\"><tbody>",
            escape(&c.name),
            thousands(c.count)
        );
        for d in &c.diagnostics {
            let _ = write!(
                o,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td><code>{}</code></td></tr>",
                thousands(d.count),
                percent(d.percent),
                escape(&d.name)
            );
        }
        o.push_str("</tbody></table></details>");
    }
    o.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(101), 200);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
