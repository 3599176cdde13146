//! Taxonomy profiles: one file per provider scheme, mapping every reason to a
//! category of that scheme with its kind and retry hint.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::rules::{Diagnostic, Kind, Origin, RawRule, Reason, ReasonId, SourceFile};

/// One category of a profile's scheme.
#[derive(Debug, Clone)]
pub struct Category {
    /// The category's name in the scheme (`bad-mailbox`, `Invalid Recipient`).
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Whether a sender should retry the message.
    pub retry: bool,
    /// What it means.
    pub description: String,
}

/// A taxonomy profile: every reason mapped to one of its categories.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The profile's name (`mixpanel`, `sparkpost`, ...).
    pub name: String,
    /// One line saying what scheme it is.
    pub description: String,
    /// The scheme's categories.
    pub categories: Vec<Category>,
    /// Category index per reason id.
    map: Vec<u16>,
    /// Where the profile is defined.
    pub origin: Origin,
}

impl Profile {
    /// The category a reason maps to.
    pub fn category(&self, reason: ReasonId) -> &Category {
        &self.categories[usize::from(self.map[usize::from(reason)])]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfileFile {
    profile: RawHeader,
    #[serde(default)]
    category: Vec<Spanned<RawCategory>>,
    #[serde(default)]
    map: HashMap<String, Spanned<String>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    name: Spanned<String>,
    kind: Kind,
    retry: bool,
    #[serde(default)]
    description: String,
}

/// Parses a profile file; its own `[[rule]]` tables are handed back in
/// `rules` for the rules loader to validate.
pub(crate) fn parse(
    file: &SourceFile,
    fi: u32,
    reason_ids: &HashMap<String, ReasonId>,
    reasons: &[Reason],
    rules: &mut Vec<Spanned<RawRule>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Profile> {
    let raw: RawProfileFile = match toml::from_str(&file.text) {
        Ok(r) => r,
        Err(e) => {
            diags.push(Diagnostic::error_at(
                file,
                e.span().map_or(0, |s| s.start),
                crate::rules::one_line(e.message()),
            ));
            return None;
        }
    };
    let errors_before = diags.len();
    let mut categories = Vec::new();
    let mut by_name: HashMap<String, u16> = HashMap::new();
    for c in raw.category {
        let (span, c) = (c.span(), c.into_inner());
        if by_name.contains_key(c.name.get_ref()) {
            diags.push(Diagnostic::error_at(
                file,
                span.start,
                format!("category `{}` is declared twice", c.name.get_ref()),
            ));
            continue;
        }
        by_name.insert(c.name.get_ref().clone(), categories.len() as u16);
        categories.push(Category {
            name: c.name.into_inner(),
            kind: c.kind,
            retry: c.retry,
            description: c.description,
        });
    }
    let mut map = vec![u16::MAX; reasons.len()];
    for (reason, category) in &raw.map {
        let Some(&rid) = reason_ids.get(reason) else {
            diags.push(Diagnostic::error_at(
                file,
                category.span().start,
                format!("[map] names unknown reason `{reason}`"),
            ));
            continue;
        };
        match by_name.get(category.get_ref()) {
            Some(&ci) => map[usize::from(rid)] = ci,
            None => diags.push(Diagnostic::error_at(
                file,
                category.span().start,
                format!("category `{}` is not declared by a [[category]] of this profile", category.get_ref()),
            )),
        }
    }
    for (rid, ci) in map.iter().enumerate() {
        if *ci == u16::MAX {
            diags.push(Diagnostic::error_at(
                file,
                0,
                format!("profile `{}` leaves reason `{}` unmapped", raw.profile.name, reasons[rid].name),
            ));
        }
    }
    *rules = raw.rule;
    if diags.len() > errors_before {
        return None;
    }
    Some(Profile {
        name: raw.profile.name,
        description: raw.profile.description,
        categories,
        map,
        origin: Origin::new(file, fi, 0),
    })
}

/// A reason as reported under a profile.
#[derive(Debug, Clone, Copy)]
pub struct Mapped<'a> {
    /// The category name.
    pub category: &'a str,
    /// Its kind.
    pub kind: Kind,
    /// Whether to retry.
    pub retry: bool,
}

/// Maps a reason to its category under `profile`; without a profile the
/// category is the reason's name and its kind the reason's default, with an
/// undetermined kind settled by the code class (4 → soft, 5 → hard).
pub fn resolve<'a>(profile: Option<&'a Profile>, id: ReasonId, reason: &'a Reason, class: Option<u8>) -> Mapped<'a> {
    match profile {
        Some(p) => {
            let c = p.category(id);
            Mapped { category: &c.name, kind: c.kind, retry: c.retry }
        }
        None => {
            let kind = match (reason.kind, class) {
                (Kind::Undetermined, Some(4)) => Kind::Soft,
                (Kind::Undetermined, Some(5)) => Kind::Hard,
                (k, _) => k,
            };
            Mapped { category: &reason.name, kind, retry: kind == Kind::Soft }
        }
    }
}
