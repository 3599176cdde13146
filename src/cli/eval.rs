//! `rebound eval`: agreement with a labelled corpus.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{outln, Cli};
use crate::eval::{self, percent, Figures, Outcome, Sisimai};

/// Arguments of `rebound eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus directory: emails plus `labels.jsonl` (and optionally
    /// `diagnostics.jsonl`).
    pub corpus: PathBuf,
    /// Also classify the reference diagnostic strings of `diagnostics.jsonl` alone.
    #[arg(long)]
    pub diagnostics: bool,
    /// Only labels whose file starts with this prefix (`maildir/bsd`).
    #[arg(long, value_name = "PREFIX")]
    pub only: Option<String>,
    /// How many of the worst confusions to show.
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub confusions: usize,
    /// List up to N disagreeing bounces with their diagnostics.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub misses: usize,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, String> {
    let mut engine = super::engine(cli)?;
    // The labels use Sisimai's names: answer through its profile when the
    // rules have one and no other profile was asked for.
    if cli.profile.is_none() {
        if let Ok(e) = engine.with_profile("sisimai") {
            engine = e;
        }
    }
    let reference = Sisimai::new(&engine);
    let keep = |l: &eval::Label| args.only.as_deref().is_none_or(|p| l.file.starts_with(p));
    let labels: Vec<_> = eval::read_labels(&args.corpus.join("labels.jsonl"))?.into_iter().filter(keep).collect();
    let diag_path = args.corpus.join("diagnostics.jsonl");
    let diag_labels: Vec<_> =
        if diag_path.exists() { eval::read_labels(&diag_path)?.into_iter().filter(keep).collect() } else { Vec::new() };
    let result = eval::emails(&engine, &args.corpus, &labels, &reference);
    for (file, e) in &result.errors {
        eprintln!("rebound: {file}: {e}");
    }
    let mut out = String::new();
    let names = if reference.profiled() { "the sisimai profile" } else { "rebound reason names mapped to Sisimai's" };
    outln!(out, "emails ({} labelled bounces in labels.jsonl, names through {names})", labels.len());
    outln!(out, "{:<22} {:>8} {:>8} {:>10} {:>22}", "group", "bounces", "reason", "hard/soft", "emails extracted");
    for (group, f) in result.groups.iter().chain(std::iter::once((&"all".to_string(), &result.all))) {
        print_row(&mut out, group, f);
    }
    let twins = result
        .outcomes
        .iter()
        .filter(|o| o.label.file.starts_with("maildir/dos/") || o.label.file.starts_with("maildir/mac/"))
        .count();
    if twins > 0 {
        outln!(
            out,
            "line-ending twins (dos/, mac/) answering unlike their bsd/ copy: {}",
            result.twin_mismatches.len()
        );
        for (a, b) in result.twin_mismatches.iter().take(10) {
            outln!(out, "  {a} differs from {b}");
        }
    }
    print_reasons(&mut out, "per reason (all emails)", &result.all);
    print_confusions(&mut out, &result.all, args.confusions);
    let labelled: std::collections::HashSet<&str> = labels.iter().map(|l| l.file.as_str()).collect();
    let others: Vec<_> = diag_labels.iter().filter(|l| !labelled.contains(l.file.as_str())).cloned().collect();
    if !others.is_empty() {
        let more = eval::emails(&engine, &args.corpus, &others, &reference);
        outln!(out, "\nemails labelled only in diagnostics.jsonl (mbox files and others)");
        for (group, f) in &more.groups {
            print_row(&mut out, group, f);
        }
    }
    if !diag_labels.is_empty() {
        print_text_agreement(&mut out, &result.outcomes, &diag_labels);
    }
    if args.diagnostics && !diag_labels.is_empty() {
        let (outcomes, figures) = eval::diagnostics(&engine, &diag_labels, &reference);
        outln!(out, "\nreference diagnostics alone ({} strings of diagnostics.jsonl)", figures.bounces);
        print_row(&mut out, "diagnostics", &figures);
        print_reasons(&mut out, "per reason (diagnostics)", &figures);
        print_confusions(&mut out, &figures, args.confusions);
        print_misses(&mut out, &outcomes, args.misses);
    } else {
        print_misses(&mut out, &result.outcomes, args.misses);
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn print_row(out: &mut String, name: &str, f: &Figures) {
    let emails = if f.emails > 0 {
        format!("{:.1}% ({}/{})", percent(f.emails_extracted, f.emails), f.emails_extracted, f.emails)
    } else {
        "-".into()
    };
    outln!(
        out,
        "{:<22} {:>8} {:>7.1}% {:>9.1}% {:>22}",
        name,
        f.bounces,
        percent(f.reason_agree, f.bounces),
        percent(f.hard_agree, f.bounces),
        emails
    );
}

fn print_reasons(out: &mut String, title: &str, f: &Figures) {
    outln!(out, "\n{title}");
    let mut rows: Vec<_> = f.per_reason.iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    for (reason, (n, ok)) in rows {
        outln!(out, "  {:<18} {:>5} {:>6.1}%", reason, n, percent(*ok, *n));
    }
}

fn print_confusions(out: &mut String, f: &Figures, n: usize) {
    if n == 0 {
        return;
    }
    outln!(out, "\nworst confusions (label → answer)");
    for ((label, predicted), count) in f.worst(n) {
        outln!(out, "  {count:>4}  {label} → {predicted}");
    }
}

fn print_text_agreement(out: &mut String, outcomes: &[Outcome], diag_labels: &[eval::Label]) {
    let reference: HashMap<(&str, usize), &str> =
        diag_labels.iter().filter_map(|l| Some(((l.file.as_str(), l.index), l.diagnosticcode.as_deref()?))).collect();
    let mut n = 0;
    let mut same = 0;
    for o in outcomes {
        if let Some(r) = reference.get(&(o.label.file.as_str(), o.label.index)) {
            n += 1;
            same += usize::from(o.diagnostic.as_deref().is_some_and(|d| eval::same_diagnostic(d, r)));
        }
    }
    if n > 0 {
        outln!(out, "\ndiagnostic text agreeing with diagnostics.jsonl: {:.1}% ({same}/{n})", percent(same, n));
    }
}

fn print_misses(out: &mut String, outcomes: &[Outcome], n: usize) {
    if n == 0 {
        return;
    }
    outln!(out, "\ndisagreements");
    for o in outcomes.iter().filter(|o| !o.agrees()).take(n) {
        let d = o.diagnostic.as_deref().unwrap_or("(no bounce found)");
        let d: String = d.chars().take(220).collect();
        outln!(
            out,
            "  {}#{}: {} → {}  | {}",
            o.label.file,
            o.label.index,
            o.label.reason,
            o.predicted.as_deref().unwrap_or("(none)"),
            d
        );
    }
}
