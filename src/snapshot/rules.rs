//! The snapshot encoding of loaded [`Rules`] (everything but the source
//! files, which the caller hashed and hands back) and of their profiles.

use std::time::Duration;

use super::codec::{ensure, Bad, Dec, Decoded, Enc, Snap};
use crate::code::CodePattern;
use crate::profile::{Category, Disposition, Escalation, Health, Policy, Profile, Refinement, Target};
use crate::rules::{
    CodeRule, Diagnostic, EngineSettings, Example, Kind, Origin, Phrase, PhraseRule, Reason, RegexSpec, Rules,
    Severity, SourceFile,
};

/// Implements [`Snap`] for a struct field by field, in declaration order.
macro_rules! fields_snap {
    ($t:ty { $($f:ident),* $(,)? }) => {
        impl $crate::snapshot::codec::Snap for $t {
            fn put(&self, e: &mut $crate::snapshot::codec::Enc) {
                $($crate::snapshot::codec::Snap::put(&self.$f, e);)*
            }
            fn get(d: &mut $crate::snapshot::codec::Dec<'_>) -> $crate::snapshot::codec::Decoded<Self> {
                Ok(Self { $($f: $crate::snapshot::codec::Snap::get(d)?),* })
            }
        }
    };
}
pub(crate) use fields_snap;

/// Implements [`Snap`] for a fieldless enum as a one-byte tag.
macro_rules! tag_snap {
    ($t:ty { $($v:path),* $(,)? }) => {
        impl $crate::snapshot::codec::Snap for $t {
            fn put(&self, e: &mut $crate::snapshot::codec::Enc) {
                let all = [$($v),*];
                e.u8(all.iter().position(|v| v == self).unwrap_or(0) as u8);
            }
            fn get(d: &mut $crate::snapshot::codec::Dec<'_>) -> $crate::snapshot::codec::Decoded<Self> {
                [$($v),*].get(usize::from(d.u8()?)).copied().ok_or($crate::snapshot::codec::Bad)
            }
        }
    };
}
pub(crate) use tag_snap;

tag_snap!(Kind {
    Kind::Hard,
    Kind::Soft,
    Kind::Block,
    Kind::Admin,
    Kind::Undetermined,
    Kind::Success,
    Kind::Complaint,
    Kind::AutoReply,
});
tag_snap!(Severity { Severity::Warning, Severity::Error });

fields_snap!(Origin { file, offset, line });
fields_snap!(Diagnostic { path, line, column, severity, message });
fields_snap!(Reason { name, kind, description, origin });
fields_snap!(Example { text, origin });
fields_snap!(CodeRule { pattern, reason, priority, description, examples, source, origin });
/// A phrase's folded form is most often the phrase itself: then it is not
/// written twice, and decodes as the same [`crate::rules::Text`].
impl Snap for Phrase {
    fn put(&self, e: &mut Enc) {
        self.text.put(e);
        let same = self.folded == self.text;
        same.put(e);
        if !same {
            self.folded.put(e);
        }
        self.origin.put(e);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        let text: crate::rules::Text = Snap::get(d)?;
        let folded = match bool::get(d)? {
            true => text.clone(),
            false => Snap::get(d)?,
        };
        Ok(Phrase { text, folded, origin: Snap::get(d)? })
    }
}
fields_snap!(RegexSpec { pattern, literal, requires, origin });

impl Snap for crate::compile::Requires {
    fn put(&self, e: &mut Enc) {
        self.0.put(e);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        String::get(d).map(crate::compile::Requires)
    }
}
fields_snap!(PhraseRule {
    id,
    reason,
    priority,
    phrases,
    regexes,
    examples,
    source,
    description,
    origin,
    profile,
    category,
});
fields_snap!(EngineSettings { default_profile, undetermined });
fields_snap!(Disposition { kind, retry, suppress });
fields_snap!(Category { name, code, description, default, transient, permanent, examples, origin });
fields_snap!(Target { default, transient, permanent });
fields_snap!(Policy { suppress, escalation });
fields_snap!(Escalation { after, within, categories, to });
fields_snap!(Health { healthy_below, unhealthy_above, risky_above });
fields_snap!(Refinement {
    category,
    reasons,
    command,
    unless_command,
    status,
    status_none,
    unless_status,
    below_priority,
    origin,
});
fields_snap!(Profile { name, description, source, categories, map, policy, health, refine, origin });

impl Snap for Duration {
    fn put(&self, e: &mut Enc) {
        e.u64(self.as_secs());
        e.u32(self.subsec_nanos());
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        let (secs, nanos) = (d.u64()?, d.u32()?);
        ensure(nanos < 1_000_000_000)?;
        Ok(Duration::new(secs, nanos))
    }
}

impl Snap for CodePattern {
    fn put(&self, e: &mut Enc) {
        match *self {
            CodePattern::Enhanced { class, subject, detail } => {
                e.u8(0);
                (class, subject, detail).put(e);
            }
            CodePattern::Reply { base, digits } => {
                e.u8(1);
                e.u16(base);
                e.u8(digits);
            }
        }
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        match d.u8()? {
            0 => {
                let (class, subject, detail) = Snap::get(d)?;
                Ok(CodePattern::Enhanced { class, subject, detail })
            }
            1 => Ok(CodePattern::Reply { base: d.u16()?, digits: d.u8()? }),
            _ => Err(Bad),
        }
    }
}

impl<A: Snap, B: Snap, C: Snap> Snap for (A, B, C) {
    fn put(&self, e: &mut Enc) {
        self.0.put(e);
        self.1.put(e);
        self.2.put(e);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        Ok((A::get(d)?, B::get(d)?, C::get(d)?))
    }
}

/// Appends everything `rules` holds but its files' text (the snapshot's key
/// stands for that).
pub(crate) fn put_rules(r: &Rules, e: &mut Enc) {
    e.len(r.files.len());
    r.engine.put(e);
    r.reasons.put(e);
    r.codes.put(e);
    r.rules.put(e);
    r.profiles.put(e);
    r.extract_files.put(e);
    r.provider_files.put(e);
    r.warnings.put(e);
}

/// Reads what [`put_rules`] wrote, with `files` (the sources the snapshot
/// was made from) as the rules' files.
pub(crate) fn get_rules(d: &mut Dec<'_>, files: Vec<SourceFile>) -> Decoded<Rules> {
    ensure(d.len()? == files.len())?;
    Ok(Rules {
        engine: Snap::get(d)?,
        reasons: Snap::get(d)?,
        codes: Snap::get(d)?,
        rules: Snap::get(d)?,
        profiles: Snap::get(d)?,
        extract_files: Snap::get(d)?,
        provider_files: Snap::get(d)?,
        warnings: Snap::get(d)?,
        files,
    })
}

/// Whether every index the rules hold points into what it indexes (files,
/// reasons, profiles, categories), so that nothing decoded can make a later
/// lookup panic.
pub(crate) fn rules_are_consistent(r: &Rules) -> bool {
    let files = r.files.len();
    let origin = |o: &Origin| (o.file as usize) < files;
    let reason = |id: u16| usize::from(id) < r.reasons.len();
    let examples = |x: &[Example]| x.iter().all(|x| origin(&x.origin));
    let profile_ok = |p: &Profile| {
        let cat = |c: u16| usize::from(c) < p.categories.len();
        origin(&p.origin)
            && !p.categories.is_empty()
            && p.map.len() == r.reasons.len()
            && p.map.iter().all(|t| cat(t.default) && cat(t.transient) && cat(t.permanent))
            && p.categories.iter().all(|c| origin(&c.origin) && examples(&c.examples))
            && p.policy.escalation.categories.iter().all(|&c| cat(c))
            && p.policy.escalation.to.is_none_or(cat)
            && p.refine.iter().all(|x| cat(x.category) && x.reasons.iter().all(|&id| reason(id)) && origin(&x.origin))
    };
    reason(r.engine.undetermined)
        && r.reasons.iter().all(|x| origin(&x.origin))
        && r.codes.iter().all(|c| reason(c.reason) && origin(&c.origin) && examples(&c.examples))
        && r.rules.iter().all(|x| {
            reason(x.reason)
                && origin(&x.origin)
                && examples(&x.examples)
                && x.phrases.iter().all(|p| origin(&p.origin))
                && x.regexes.iter().all(|p| origin(&p.origin))
                && x.profile.is_none_or(|p| usize::from(p) < r.profiles.len())
        })
        && r.profiles.iter().all(profile_ok)
        && r.extract_files.iter().chain(&r.provider_files).all(|&f| (f as usize) < files)
}
