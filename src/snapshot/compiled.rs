//! The snapshot encoding of [`CompiledRules`]: the rules, the automaton's
//! arrays, its targets, the regexes (as indices of their rule's regex), the
//! code tables and the compiled `[extract]` rules.

use super::codec::{ensure, Bad, Dec, Decoded, Enc, Snap};
use super::rules::{get_rules, put_rules, rules_are_consistent};
use crate::compile::{CompiledRegex, CompiledRules, Target};
use crate::lazy_regex::{LazyRegex, Owner};
use crate::phrase_dfa::PhraseDfa;
use crate::rules::{Rules, SourceFile};

/// Entries of the enhanced-code table (see [`crate::compile`]).
const ENHANCED_SLOTS: usize = 3 * 10 * 1000;
/// Entries of the reply-code table.
const REPLY_SLOTS: usize = 1000;

impl Snap for Target {
    fn put(&self, e: &mut Enc) {
        match *self {
            Target::Phrase { rule, phrase } => {
                e.u8(0);
                e.u32(rule);
                e.u32(phrase);
            }
            Target::Regex { regex } => {
                e.u8(1);
                e.u32(regex);
            }
        }
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        match d.u8()? {
            0 => Ok(Target::Phrase { rule: d.u32()?, phrase: d.u32()? }),
            1 => Ok(Target::Regex { regex: d.u32()? }),
            _ => Err(Bad),
        }
    }
}

/// The body of a snapshot of `c`.
pub(crate) fn encode(c: &CompiledRules) -> Vec<u8> {
    let mut e = Enc::default();
    put_rules(&c.rules, &mut e);
    c.automaton.put(&mut e);
    c.targets.put(&mut e);
    e.len(c.regexes.len());
    for x in &c.regexes {
        e.u32(x.rule);
        e.u32(x.index);
    }
    e.u16s(&c.enhanced);
    e.u16s(&c.reply);
    c.default_profile.put(&mut e);
    c.extract.put(&mut e);
    e.finish()
}

/// The compiled rules a snapshot body holds, with `files` (the sources it
/// was made from) as their files; the files back when the body is not a
/// consistent snapshot. The rules' strings are read in place in the bytes
/// of `owner` when given (`body` lying there), else from one copy.
pub(crate) fn decode(
    body: &[u8],
    owner: Option<&Owner>,
    files: Vec<SourceFile>,
) -> Result<CompiledRules, Vec<SourceFile>> {
    let n = files.len();
    let mut placeholders = Vec::new();
    placeholders.resize_with(n, || SourceFile::new("", ""));
    let d = match owner {
        Some(owner) => Dec::within(body, owner),
        None => Dec::new(body),
    };
    match d.and_then(|d| decode_with(d, placeholders)) {
        Ok(mut c) => {
            c.rules.files = files;
            Ok(c)
        }
        Err(Bad) => Err(files),
    }
}

fn decode_with(mut d: Dec<'_>, files: Vec<SourceFile>) -> Decoded<CompiledRules> {
    let rules = get_rules(&mut d, files)?;
    ensure(rules_are_consistent(&rules))?;
    let automaton: Option<PhraseDfa> = Snap::get(&mut d)?;
    let targets: Vec<Target> = Snap::get(&mut d)?;
    let count = d.len_of(8)?;
    let mut regexes = Vec::with_capacity(count);
    for _ in 0..count {
        let (rule, index) = (d.u32()?, d.u32()?);
        let spec = rules.rules.get(rule as usize).and_then(|r| r.regexes.get(index as usize)).ok_or(Bad)?;
        regexes.push(CompiledRegex { regex: LazyRegex::checked(&spec.pattern), rule, index });
    }
    let enhanced = d.u16s()?;
    let reply = d.u16s()?;
    let default_profile: Option<u16> = Snap::get(&mut d)?;
    let extract: crate::extract::Spec = Snap::get(&mut d)?;
    ensure(d.is_done())?;
    // Every code-table entry at most the number of code rules (the largest,
    // so that the check is one vectorized pass).
    let most = |t: &[u16]| usize::from(t.iter().copied().max().unwrap_or(0));
    ensure(
        targets_are_consistent(&targets, &rules, regexes.len())
            && automaton
                .as_ref()
                .map_or(targets.is_empty(), |a| !targets.is_empty() && a.pattern_bound() <= targets.len())
            && enhanced.len() == ENHANCED_SLOTS
            && reply.len() == REPLY_SLOTS
            && most(&enhanced).max(most(&reply)) <= rules.codes.len()
            && default_profile.is_none_or(|p| usize::from(p) < rules.profiles.len())
            && extract.is_consistent(rules.files.len(), rules.reasons.len()),
    )?;
    Ok(CompiledRules { rules, automaton, targets, regexes, enhanced, reply, default_profile, extract })
}

fn targets_are_consistent(targets: &[Target], rules: &Rules, regexes: usize) -> bool {
    targets.iter().all(|t| match *t {
        Target::Phrase { rule, phrase } => {
            rules.rules.get(rule as usize).is_some_and(|r| (phrase as usize) < r.phrases.len())
        }
        Target::Regex { regex } => (regex as usize) < regexes,
    })
}
