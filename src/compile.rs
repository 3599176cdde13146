//! Compiling validated [`Rules`] into immutable [`CompiledRules`]: one
//! Aho-Corasick automaton for every phrase and regex trigger literal, regexes
//! that run only behind their literal, and code tables as direct lookups.

use regex_syntax::hir::{literal::Extractor, Hir, HirKind};

use crate::code::{CodePattern, EnhancedCode};
use crate::lazy_regex::LazyRegex;
use crate::phrase_dfa::PhraseDfa;
use crate::rules::{Diagnostic, LoadError, Rules, Severity};

mod gate;
pub use gate::Requires;

/// What an automaton pattern stands for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// Phrase `phrase` of rule `rule`.
    Phrase { rule: u32, phrase: u32 },
    /// A trigger literal of compiled regex `regex`.
    Regex { regex: u32 },
}

/// A regex with the rule it belongs to.
#[derive(Debug)]
pub(crate) struct CompiledRegex {
    /// Compiled the first time one of its literals is found.
    pub regex: LazyRegex<regex::bytes::Regex>,
    pub rule: u32,
    /// Index of the regex within its rule.
    pub index: u32,
}

/// Rules compiled for matching. Immutable, `Send + Sync`; share it behind an
/// `Arc` between threads.
#[derive(Debug)]
pub struct CompiledRules {
    pub(crate) rules: Rules,
    /// The phrase automaton (`None` when there are no literals).
    pub(crate) automaton: Option<PhraseDfa>,
    pub(crate) targets: Vec<Target>,
    pub(crate) regexes: Vec<CompiledRegex>,
    /// Code rule index + 1 per enhanced code, 0 for none; see [`enhanced_slot`].
    pub(crate) enhanced: Box<[u16]>,
    /// Code rule index + 1 per reply code 0..1000, 0 for none.
    pub(crate) reply: Box<[u16]>,
    pub(crate) default_profile: Option<u16>,
    /// The `[extract]` rule files, compiled (see [`crate::extract`]).
    pub(crate) extract: crate::extract::Spec,
}

const CLASSES: [u8; 3] = [2, 4, 5];

/// The slot of an enhanced code in the direct lookup table.
pub(crate) fn enhanced_slot(code: EnhancedCode) -> Option<usize> {
    let class = match code.class {
        2 => 0,
        4 => 1,
        5 => 2,
        _ => return None,
    };
    (code.subject < 10 && code.detail < 1000)
        .then(|| (class * 10 + usize::from(code.subject)) * 1000 + usize::from(code.detail))
}

impl CompiledRules {
    /// Compiles rules. Fails (with every problem located) when a regex is
    /// not valid or has no literal to trigger it. Regexes are compiled on
    /// first use; [`CompiledRules::regex_errors`] compiles them all.
    pub fn new(mut rules: Rules) -> Result<CompiledRules, LoadError> {
        let mut diags = Vec::new();
        let mut requires = Vec::new();
        let mut literals: Vec<String> = Vec::new();
        let mut targets = Vec::new();
        let mut regexes = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for (pi, phrase) in rule.phrases.iter().enumerate() {
                literals.push(phrase.folded.to_string());
                targets.push(Target::Phrase { rule: ri as u32, phrase: pi as u32 });
            }
            for (xi, spec) in rule.regexes.iter().enumerate() {
                let at = |msg: String| rules.diagnostic(spec.origin, Severity::Error, msg);
                let regex = match LazyRegex::new(&spec.pattern) {
                    Ok(r) => r,
                    Err(e) => {
                        diags.push(at(format!("regex does not compile: {e}")));
                        continue;
                    }
                };
                let triggers = match &spec.literal {
                    Some(lit) => {
                        let lit = crate::fold::fold_phrase(lit);
                        if lit.is_empty() {
                            diags.push(at("`literal` is empty".into()));
                            continue;
                        }
                        vec![lit]
                    }
                    None => match required_literals(&spec.pattern) {
                        Some(lits) => lits,
                        None => {
                            diags.push(at(format!(
                                "cannot derive a literal the regex `{}` requires; give one: {{ pattern = '...', literal = \"...\" }}",
                                spec.pattern
                            )));
                            continue;
                        }
                    },
                };
                let (triggers, required) = gate::plan(&spec.pattern, triggers, spec.literal.is_some());
                requires.push((ri, xi, required));
                let regex_index = regexes.len() as u32;
                regexes.push(CompiledRegex { regex, rule: ri as u32, index: xi as u32 });
                for lit in triggers {
                    literals.push(lit);
                    targets.push(Target::Regex { regex: regex_index });
                }
            }
        }
        for (ri, xi, required) in requires {
            rules.rules[ri].regexes[xi].requires = required;
        }
        let extract = crate::extract::Spec::compile(&rules, &mut diags);
        if !diags.is_empty() {
            return Err(LoadError { diagnostics: diags });
        }
        // Renumber regexes by descending priority, so the classifier can run
        // the strongest first and skip those that cannot win.
        let mut order: Vec<u32> = (0..regexes.len() as u32).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(rules.rules[regexes[i as usize].rule as usize].priority));
        let mut new_index = vec![0u32; regexes.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old as usize] = new as u32;
        }
        for t in &mut targets {
            if let Target::Regex { regex } = t {
                *regex = new_index[*regex as usize];
            }
        }
        let mut slots: Vec<Option<CompiledRegex>> = regexes.into_iter().map(Some).collect();
        let regexes: Vec<CompiledRegex> = order.iter().filter_map(|&old| slots[old as usize].take()).collect();
        let automaton = (!literals.is_empty()).then(|| PhraseDfa::new(&literals));
        let (enhanced, reply) = code_tables(&rules);
        let default_profile = rules
            .engine
            .default_profile
            .as_ref()
            .and_then(|name| rules.profiles.iter().position(|p| &p.name == name))
            .map(|i| i as u16);
        Ok(CompiledRules { rules, automaton, targets, regexes, enhanced, reply, default_profile, extract })
    }

    /// Compiles every regex now (rule regexes and extraction patterns, which
    /// are otherwise compiled on first use) and checks the extraction
    /// patterns' examples: one error per regex too large to compile or
    /// example that does not match. For `rebound check`.
    pub fn regex_errors(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for x in &self.regexes {
            if let Some(e) = x.regex.compile_error() {
                let origin = self.rules.rules[x.rule as usize].regexes[x.index as usize].origin;
                out.push(self.rules.diagnostic(origin, Severity::Error, format!("regex does not compile: {e}")));
            }
        }
        out.extend(self.extract.check(&self.rules));
        out
    }

    /// The rules these were compiled from.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// How many literals the automaton holds (phrases plus regex triggers).
    pub fn pattern_count(&self) -> usize {
        self.targets.len()
    }

    /// Heap bytes held by the phrase automaton.
    pub fn automaton_bytes(&self) -> usize {
        self.automaton.as_ref().map_or(0, PhraseDfa::memory_usage)
    }

    /// The index of the profile called `name`.
    pub fn profile_index(&self, name: &str) -> Option<u16> {
        self.rules.profiles.iter().position(|p| p.name == name).map(|i| i as u16)
    }

    /// The index of the default profile, when the rules name one.
    pub fn default_profile(&self) -> Option<u16> {
        self.default_profile
    }

    /// The code rule for an enhanced code (the most specific match).
    pub(crate) fn enhanced_rule(&self, code: EnhancedCode) -> Option<u32> {
        let slot = enhanced_slot(code)?;
        self.enhanced[slot].checked_sub(1).map(u32::from)
    }

    /// The code rule for a reply code (the most specific match).
    pub(crate) fn reply_rule(&self, code: u16) -> Option<u32> {
        self.reply.get(usize::from(code))?.checked_sub(1).map(u32::from)
    }
}

/// Resolves every concrete code to its most specific rule (first one wins a
/// tie): rules are applied least specific first, and among equally specific
/// ones last first, so that each write is a plain fill.
fn code_tables(rules: &Rules) -> (Box<[u16]>, Box<[u16]>) {
    let mut enhanced = vec![0u16; 3 * 10 * 1000].into_boxed_slice();
    let mut reply = vec![0u16; 1000].into_boxed_slice();
    let mut order: Vec<usize> = (0..rules.codes.len()).collect();
    order.sort_by_key(|&ci| (rules.codes[ci].pattern.specificity(), std::cmp::Reverse(ci)));
    for ci in order {
        let rule = &rules.codes[ci];
        let value = ci as u16 + 1;
        match rule.pattern {
            CodePattern::Enhanced { class, subject, detail } => {
                for c in CLASSES.iter().copied().filter(|c| class.is_none_or(|x| x == *c)) {
                    for s in (0..10u8).filter(|s| subject.is_none_or(|x| x == *s)) {
                        let (first, len) = match detail {
                            Some(d) if d < 1000 => (d, 1),
                            Some(_) => continue,
                            None => (0, 1000),
                        };
                        let Some(slot) = enhanced_slot(EnhancedCode { class: c, subject: s, detail: first }) else {
                            continue;
                        };
                        enhanced[slot..slot + len].fill(value);
                    }
                }
            }
            CodePattern::Reply { .. } => {
                for code in 200..600u16 {
                    if rule.pattern.matches_reply(code) {
                        reply[usize::from(code)] = value;
                    }
                }
            }
        }
    }
    (enhanced, reply)
}

/// Literals (folded, lowercased) of which the regex must contain at least
/// one wherever it matches: its literal prefixes when they are finite and
/// not too short, otherwise the longest literal of a top-level concatenation.
pub(crate) fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let seq = Extractor::new().extract(&hir);
    if let Some(lits) = seq.literals() {
        let mut out: Vec<String> =
            lits.iter().map(|l| crate::fold::fold_phrase(&String::from_utf8_lossy(l.as_bytes()))).collect();
        out.sort();
        out.dedup();
        if !out.is_empty() && out.len() <= 64 && out.iter().all(|l| l.len() >= 3) {
            return Some(out);
        }
    }
    longest_concat_literal(&hir).filter(|l| l.len() >= 3).map(|l| vec![l])
}

fn longest_concat_literal(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(String::from_utf8_lossy(&lit.0).into_owned()),
        HirKind::Capture(cap) => longest_concat_literal(&cap.sub),
        HirKind::Concat(parts) => {
            // Adjacent literal pieces form one required run.
            let mut best = String::new();
            let mut run = String::new();
            for part in parts {
                if let HirKind::Literal(lit) = part.kind() {
                    run.push_str(&String::from_utf8_lossy(&lit.0));
                } else {
                    if run.len() > best.len() {
                        best = std::mem::take(&mut run);
                    }
                    run.clear();
                    if let Some(inner) = longest_concat_literal(part) {
                        if inner.len() > best.len() && !matches!(part.kind(), HirKind::Repetition(r) if r.min == 0) {
                            best = inner;
                        }
                    }
                }
            }
            if run.len() > best.len() {
                best = run;
            }
            let best = crate::fold::fold_phrase(&best);
            (!best.is_empty()).then_some(best)
        }
        HirKind::Repetition(rep) if rep.min > 0 => longest_concat_literal(&rep.sub),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_prefix_literals() {
        assert_eq!(required_literals("mailbox (is )?full").unwrap(), vec!["mailbox full", "mailbox is full"]);
        assert_eq!(required_literals("(user|recipient) unknown").unwrap(), vec!["recipient unknown", "user unknown"]);
    }

    #[test]
    fn derives_inner_literal_when_the_prefix_is_open() {
        assert_eq!(required_literals(r"\S+ does not exist here").unwrap(), vec!["does not exist here"]);
        assert_eq!(required_literals(r"mailbox \S+ is disabled").unwrap(), vec!["mailbox"]);
    }

    #[test]
    fn refuses_regexes_without_a_literal() {
        assert!(required_literals(r"\d+").is_none());
        assert!(required_literals(r"(a|b)c").is_none());
        assert!(required_literals(r"[").is_none());
    }

    #[test]
    fn compiled_rules_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<CompiledRules>();
    }
}
