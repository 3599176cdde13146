//! The compiled `[extract]` rules' snapshot encoding (see
//! [`crate::snapshot`]): the lists the matchers are built from, so that
//! decoding rebuilds the same (lazily compiled) matchers without parsing a
//! TOML file or a regex.

use super::{Evidence, JsonSpec, Located, MarkerExamples, Pattern, PatternNeedles, Spec};
use crate::extract::matchers::{LazySet, LineSet, Literals, SignIndex, Signals};
use crate::extract::EmailKind;
use crate::lazy_regex::LazyRegex;
use crate::snapshot::codec::{Dec, Decoded, Enc, Snap};
use crate::snapshot::{fields_snap, tag_snap};

tag_snap!(EmailKind { EmailKind::Bounce, EmailKind::Feedback, EmailKind::AutoReply, EmailKind::NotBounce });

fields_snap!(JsonSpec {
    envelope,
    type_field,
    type_value,
    kind,
    list,
    address,
    action,
    status,
    diagnostic,
    remote_mta,
    reporting_mta,
    feedback_type,
});
fields_snap!(Located { file, offset, text });
fields_snap!(MarkerExamples { starts, contains, regexes, examples });
fields_snap!(Signals { subject, from, header, body });
fields_snap!(Evidence {
    id,
    reason,
    subject,
    from,
    body,
    diagnostic,
    header,
    diagnostic_type,
    command,
    unless_command,
    when_reason,
    status,
    unless_status,
    below_priority,
    origin,
});

impl Snap for Literals {
    fn put(&self, e: &mut Enc) {
        self.folded().to_vec().put(e);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        Ok(Literals::from_folded(Snap::get(d)?))
    }
}

impl Snap for LazySet {
    fn put(&self, e: &mut Enc) {
        let (patterns, limit) = self.parts();
        patterns.to_vec().put(e);
        limit.put(e);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        Ok(LazySet::new(Snap::get(d)?, Snap::get(d)?))
    }
}

impl Snap for LineSet {
    fn put(&self, e: &mut Enc) {
        let (starts, contains, regexes) = self.parts();
        starts.to_vec().put(e);
        contains.to_vec().put(e);
        regexes.to_vec().put(e);
    }
    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        let (mut literals, contains, regexes): (Vec<String>, Vec<String>, Vec<String>) =
            (Snap::get(d)?, Snap::get(d)?, Snap::get(d)?);
        let mut anchored = vec![true; literals.len()];
        anchored.resize(literals.len() + contains.len(), false);
        literals.extend(contains);
        Ok(LineSet::new(&literals, anchored, &regexes))
    }
}

fn put_pattern(p: &Pattern, e: &mut Enc) {
    e.str(p.regex.pattern());
    p.value.put(e);
    p.strong.put(e);
    p.context_before.put(e);
    p.required.put(e);
    (p.needs as u64).put(e);
    ((p.needs >> 64) as u64).put(e);
    p.needles.put(e);
    p.needles_anywhere.put(e);
    p.examples.put(e);
}

fn get_pattern(d: &mut Dec<'_>, group: &'static str) -> Decoded<Pattern> {
    Ok(Pattern {
        regex: LazyRegex::checked(d.str()?),
        value: Snap::get(d)?,
        strong: Snap::get(d)?,
        context_before: Snap::get(d)?,
        required: Snap::get(d)?,
        needs: {
            let (lo, hi) = (u64::get(d)?, u64::get(d)?);
            u128::from(lo) | u128::from(hi) << 64
        },
        needles: Snap::get(d)?,
        needles_anywhere: Snap::get(d)?,
        group,
        examples: Snap::get(d)?,
    })
}

fn put_patterns(list: &[Pattern], e: &mut Enc) {
    e.len(list.len());
    for p in list {
        put_pattern(p, e);
    }
}

fn get_patterns(d: &mut Dec<'_>, group: &'static str) -> Decoded<Vec<Pattern>> {
    let n = d.len()?;
    (0..n).map(|_| get_pattern(d, group)).collect()
}

impl Snap for Spec {
    fn put(&self, e: &mut Enc) {
        self.original.put(e);
        self.boilerplate.put(e);
        put_patterns(&self.recipient, e);
        put_patterns(&self.command, e);
        put_patterns(&self.remote_mta, e);
        self.bounce.put(e);
        self.auto_reply.put(e);
        self.feedback.put(e);
        self.feedback_reason.put(e);
        self.auto_reply_reason.put(e);
        self.feedback_recipient_headers.put(e);
        self.evidence.put(e);
        self.json.put(e);
        self.marker_examples.put(e);
    }

    fn get(d: &mut Dec<'_>) -> Decoded<Self> {
        let mut spec = Spec {
            original: Snap::get(d)?,
            boilerplate: Snap::get(d)?,
            recipient: get_patterns(d, "rcpt")?,
            command: get_patterns(d, "command")?,
            remote_mta: get_patterns(d, "host")?,
            bounce: Snap::get(d)?,
            auto_reply: Snap::get(d)?,
            feedback: Snap::get(d)?,
            feedback_reason: Snap::get(d)?,
            auto_reply_reason: Snap::get(d)?,
            feedback_recipient_headers: Snap::get(d)?,
            evidence: Snap::get(d)?,
            json: Snap::get(d)?,
            marker_examples: Snap::get(d)?,
            signs: SignIndex::default(),
            needles: PatternNeedles::default(),
        };
        spec.signs = SignIndex::new(&spec.bounce, &spec.auto_reply, &spec.feedback);
        spec.needles = PatternNeedles::new(&spec);
        Ok(spec)
    }
}

impl Spec {
    /// Whether every file index and reason id the spec holds is below
    /// `files` and `reasons`.
    pub(crate) fn is_consistent(&self, files: usize, reasons: usize) -> bool {
        let reason = |r: u16| usize::from(r) < reasons;
        let located = |l: &Located| (l.file as usize) < files;
        self.recipient.iter().chain(&self.command).chain(&self.remote_mta).all(|p| p.examples.iter().all(located))
            && self.marker_examples.iter().all(|m| m.examples.iter().all(located))
            && self.feedback_reason.is_none_or(reason)
            && self.auto_reply_reason.is_none_or(reason)
            && self.evidence.iter().all(|e| {
                reason(e.reason) && e.when_reason.iter().all(|&r| reason(r)) && (e.origin.file as usize) < files
            })
    }
}
