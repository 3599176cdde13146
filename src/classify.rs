//! Classifying one reply: a single pass over the folded text finds the
//! enhanced code, the reply code, every phrase (one Aho-Corasick scan) and the
//! regexes whose literal was seen; the evidence with the highest priority
//! decides. The decision order lives in the rule files, not here.

use std::cmp::{Ordering, Reverse};

use crate::code::{find_codes, EnhancedCode};
use crate::compile::{CompiledRules, Target};
use crate::fold::{fold_into, needs_folding};
use crate::rules::ReasonId;

/// Codes known from outside the text (the `Status:` field of a delivery
/// status notification, say), used when the text carries none itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// An enhanced status code.
    pub status: Option<EnhancedCode>,
    /// A basic reply code.
    pub reply_code: Option<u16>,
}

/// Reusable scratch space, so classifying allocates nothing once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    folded: Vec<u8>,
    /// Regexes triggered in this pass, in trigger order (deduplicated).
    triggered: Vec<u32>,
    /// The phrase automaton's lazily filled transition table.
    phrases: crate::phrase_dfa::Cache,
}

impl Scratch {
    /// Empty scratch space.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// Which piece of evidence a decision or hit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Phrase `phrase` of phrase rule `rule`.
    Phrase {
        /// Index in [`crate::Rules::rules`].
        rule: u32,
        /// Index in that rule's phrases.
        phrase: u32,
    },
    /// Regex `regex` of phrase rule `rule`.
    Regex {
        /// Index in [`crate::Rules::rules`].
        rule: u32,
        /// Index in that rule's regexes.
        regex: u32,
    },
    /// Code rule `rule`, matched by the enhanced status code.
    Enhanced {
        /// Index in [`crate::Rules::codes`].
        rule: u32,
    },
    /// Code rule `rule`, matched by the basic reply code.
    Reply {
        /// Index in [`crate::Rules::codes`].
        rule: u32,
    },
}

impl Source {
    /// Tie-break rank: phrases and regexes beat enhanced codes, which beat
    /// reply codes.
    fn rank(self) -> u8 {
        match self {
            Source::Phrase { .. } | Source::Regex { .. } => 3,
            Source::Enhanced { .. } => 2,
            Source::Reply { .. } => 1,
        }
    }

    /// Position of the rule in load order (earlier wins the last tie).
    fn order(self) -> u32 {
        match self {
            Source::Phrase { rule, .. }
            | Source::Regex { rule, .. }
            | Source::Enhanced { rule }
            | Source::Reply { rule } => rule,
        }
    }
}

/// One piece of evidence: a rule that matched and the reason it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// The reason the rule points to.
    pub reason: ReasonId,
    /// The rule's priority.
    pub priority: i32,
    /// Phrase length, or number of concrete code parts: the tie-breaker.
    pub specificity: u16,
    /// The rule that matched.
    pub source: Source,
    /// Byte range of the hit in the folded text (codes and phrases).
    pub span: (u32, u32),
}

impl Evidence {
    /// Orders evidence by strength: priority, then rank, then specificity,
    /// then the earlier rule. `Greater` is stronger.
    pub fn strength_cmp(&self, other: &Evidence) -> Ordering {
        let key = |e: &Evidence| (e.priority, e.source.rank(), e.specificity, Reverse(e.source.order()));
        key(self).cmp(&key(other))
    }
}

/// The outcome of classifying one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The reason.
    pub reason: ReasonId,
    /// The enhanced status code found (in the text, else from the hints).
    pub enhanced_code: Option<EnhancedCode>,
    /// The basic reply code found (in the text, else from the hints).
    pub reply_code: Option<u16>,
    /// The evidence that decided; `None` when there was none.
    pub decided_by: Option<Evidence>,
}

/// Where the scan sends evidence.
trait Sink {
    /// A piece of evidence.
    fn hit(&mut self, e: Evidence);
    /// Whether evidence of this priority could still matter.
    fn wants(&self, priority: i32) -> bool;
}

/// Keeps only the strongest evidence.
struct Best(Option<Evidence>);

impl Sink for Best {
    #[inline]
    fn hit(&mut self, e: Evidence) {
        if self.0.is_none_or(|b| e.strength_cmp(&b) == Ordering::Greater) {
            self.0 = Some(e);
        }
    }

    #[inline]
    fn wants(&self, priority: i32) -> bool {
        self.0.is_none_or(|b| priority >= b.priority)
    }
}

/// Keeps everything (for explanations).
impl Sink for Vec<Evidence> {
    fn hit(&mut self, e: Evidence) {
        self.push(e);
    }

    fn wants(&self, _: i32) -> bool {
        true
    }
}

impl CompiledRules {
    /// Classifies `text` under profile `profile` (whose own rules then also
    /// count), reusing `scratch`.
    pub fn classify(&self, text: &[u8], hints: Hints, profile: Option<u16>, scratch: &mut Scratch) -> Verdict {
        let mut best = Best(None);
        let (enhanced_code, reply_code) = self.scan(text, hints, profile, scratch, &mut best);
        let best = best.0;
        let reason = best.map_or(self.rules.engine.undetermined, |e| e.reason);
        Verdict { reason, enhanced_code, reply_code, decided_by: best }
    }

    /// Every piece of evidence in `text`, strongest first, with the codes found.
    pub fn evidence(
        &self,
        text: &[u8],
        hints: Hints,
        profile: Option<u16>,
    ) -> (Vec<Evidence>, Option<EnhancedCode>, Option<u16>) {
        let mut all = Vec::new();
        let mut scratch = Scratch::new();
        let (enhanced, reply) = self.scan(text, hints, profile, &mut scratch, &mut all);
        all.sort_by(|a, b| b.strength_cmp(a));
        (all, enhanced, reply)
    }

    /// The folded form of `text`, as phrases are matched against it.
    pub fn fold(&self, text: &[u8]) -> String {
        let mut out = Vec::new();
        fold_into(text, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The one scan: codes, phrases, triggered regexes; every hit goes to `sink`.
    fn scan(
        &self,
        text: &[u8],
        hints: Hints,
        profile: Option<u16>,
        scratch: &mut Scratch,
        sink: &mut impl Sink,
    ) -> (Option<EnhancedCode>, Option<u16>) {
        let Scratch { folded: fold_buf, triggered, phrases } = scratch;
        let folded: &[u8] = if needs_folding(text) {
            fold_into(text, fold_buf);
            fold_buf
        } else {
            text
        };
        let rules = &self.rules;

        let (found, found_reply) = find_codes(folded);
        let enhanced = found.map(|(_, _, c)| c).or(hints.status);
        if let Some(code) = enhanced {
            if let Some(ci) = self.enhanced_rule(code) {
                let rule = &rules.codes[ci as usize];
                let span = found.map_or((0, 0), |(s, e, _)| (s as u32, e as u32));
                sink.hit(Evidence {
                    reason: rule.reason,
                    priority: rule.priority,
                    specificity: u16::from(rule.pattern.specificity()),
                    source: Source::Enhanced { rule: ci },
                    span,
                });
            }
        }
        let reply = found_reply.or(hints.reply_code);
        if let Some(code) = reply {
            if let Some(ci) = self.reply_rule(code) {
                let rule = &rules.codes[ci as usize];
                sink.hit(Evidence {
                    reason: rule.reason,
                    priority: rule.priority,
                    specificity: u16::from(rule.pattern.specificity()),
                    source: Source::Reply { rule: ci },
                    span: (0, 0),
                });
            }
        }

        triggered.clear();
        if let Some(matcher) = &self.automaton {
            matcher.for_each_match(phrases, folded, |pid, start, end| match self.targets[pid] {
                Target::Phrase { rule, phrase } => {
                    let r = &rules.rules[rule as usize];
                    if r.profile.is_none() || r.profile == profile {
                        let specificity = u16::try_from(end - start).unwrap_or(u16::MAX);
                        let span = (start as u32, end as u32);
                        sink.hit(Evidence {
                            reason: r.reason,
                            priority: r.priority,
                            specificity,
                            source: Source::Phrase { rule, phrase },
                            span,
                        });
                    }
                }
                Target::Regex { regex } => {
                    if !triggered.contains(&regex) {
                        triggered.push(regex);
                    }
                }
            });
        }
        // Regexes are numbered by descending priority: sorting the triggered
        // ones runs the strongest first, and the rest stop as soon as they
        // could no longer change the answer.
        triggered.sort_unstable();
        for &xi in triggered.iter() {
            let x = &self.regexes[xi as usize];
            let r = &rules.rules[x.rule as usize];
            if !sink.wants(r.priority) {
                break;
            }
            if r.profile.is_some() && r.profile != profile {
                continue;
            }
            // Literals every match holds that the trigger does not imply:
            // a text without them is not searched.
            if !r.regexes[x.index as usize].requires.met_by(folded) {
                continue;
            }
            if let Some(m) = x.regex.find(folded) {
                let specificity = u16::try_from(m.len()).unwrap_or(u16::MAX);
                let span = (m.start() as u32, m.end() as u32);
                sink.hit(Evidence {
                    reason: r.reason,
                    priority: r.priority,
                    specificity,
                    source: Source::Regex { rule: x.rule, regex: x.index },
                    span,
                });
            }
        }
        (enhanced, reply)
    }
}
