//! Writes the shipped rules scaled up: every phrase rule copied `factor - 1`
//! times with phrases that never match real replies, to show that the cost of
//! classifying does not grow with the number of phrases.
//!
//! `cargo run --release --example synth_rules -- OUT_DIR 10`

use rebound::rules::{source::embedded_sources, Rules, SourceFile};

/// The shipped rule files plus one synthetic file with `factor - 1` copies of
/// every phrase rule.
pub fn scaled_sources(factor: usize) -> Vec<SourceFile> {
    let mut files = embedded_sources();
    let rules = Rules::from_sources(files.clone()).expect("shipped rules load");
    let mut extra = String::new();
    for copy in 1..factor {
        for rule in rules.rules.iter().filter(|r| r.profile.is_none() && !r.phrases.is_empty()) {
            let quoted = |p: &str| format!("{:?}", format!("zq{copy}x {p}"));
            let phrases: Vec<String> = rule.phrases.iter().map(|p| quoted(&p.folded)).collect();
            extra.push_str(&format!(
                "[[rule]]\nreason = {:?}\npriority = {}\nphrases = [{}]\nexamples = [{}]\n\n",
                rules.reason(rule.reason).name,
                rule.priority,
                phrases.join(", "),
                quoted(&rule.phrases[0].folded),
            ));
        }
    }
    files.push(SourceFile::new("rules/synthetic.toml", extra));
    files
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(factor)) = (args.get(1), args.get(2).and_then(|f| f.parse::<usize>().ok())) else {
        eprintln!("usage: synth_rules OUT_DIR FACTOR");
        std::process::exit(2);
    };
    for f in scaled_sources(factor) {
        let path = std::path::Path::new(out).join(f.path.strip_prefix("rules/").unwrap_or(&f.path));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, f.text.as_bytes()).unwrap();
    }
}
