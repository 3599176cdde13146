//! Reading one profile file into a validated [`Profile`]. Every problem is
//! reported at its own `path:line:column`, and all of them are collected
//! before giving up on the file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::policy::{self, RawHealth, RawPolicy};
use super::refine::{refinement, RawRefine};
use super::{Category, Disposition, Escalation, Policy, Profile, Target};
use crate::rules::{closest, Diagnostic, Example, Kind, Origin, RawRule, Reason, ReasonId, SourceFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfileFile {
    profile: Spanned<RawHeader>,
    #[serde(default)]
    category: Vec<Spanned<RawCategory>>,
    map: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawTarget>>>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    policy: Option<RawPolicy>,
    health: Option<RawHealth>,
    #[serde(default)]
    refine: Vec<Spanned<RawRefine>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Spanned<String>,
    description: String,
    #[serde(default)]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    name: Spanned<String>,
    code: Option<Spanned<i64>>,
    kind: Kind,
    retry: Option<bool>,
    suppress: Option<bool>,
    #[serde(default)]
    description: String,
    transient: Option<RawDisposition>,
    permanent: Option<RawDisposition>,
    #[serde(default)]
    examples: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisposition {
    kind: Option<Kind>,
    retry: Option<bool>,
    suppress: Option<bool>,
}

/// A `[map]` value: a category name, or one per code class.
enum RawTarget {
    One(Spanned<String>),
    ByClass { default: Spanned<String>, transient: Option<Spanned<String>>, permanent: Option<Spanned<String>> },
}

impl<'de> Deserialize<'de> for RawTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawTarget, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTarget;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a category name, or { default = \"...\", transient = \"...\", permanent = \"...\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTarget, E> {
                // A bare string has no span of its own here; the caller's
                // `Spanned<RawTarget>` carries it.
                Ok(RawTarget::One(Spanned::new(0..0, v.to_string())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTarget, A::Error> {
                let (mut default, mut transient, mut permanent) = (None, None, None);
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "default" => &mut default,
                        "transient" => &mut transient,
                        "permanent" => &mut permanent,
                        other => {
                            return Err(de::Error::unknown_field(other, &["default", "transient", "permanent"]));
                        }
                    };
                    *slot = Some(map.next_value::<Spanned<String>>()?);
                }
                let default = default.ok_or_else(|| de::Error::missing_field("default"))?;
                Ok(RawTarget::ByClass { default, transient, permanent })
            }
        }
        d.deserialize_any(V)
    }
}

/// A profile and its own evidence rules, each with the category it names.
pub(crate) struct Parsed {
    pub profile: Profile,
    pub rules: Vec<(Spanned<RawRule>, Option<u16>)>,
}

pub(super) struct Ctx<'a> {
    pub(super) file: &'a SourceFile,
    pub(super) fi: u32,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub(super) fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic::error_at(self.file, offset, message));
    }

    fn line(&self, offset: usize) -> usize {
        self.file.line_col(offset).0
    }
}

/// Validates a profile file, already parsed as `doc`. `known` are the profiles loaded
/// before it (their names must differ). Problems go to `diags`; `None` when
/// there was any error.
pub(crate) fn parse(
    file: &SourceFile,
    doc: crate::rules::Document<'_>,
    fi: u32,
    reason_ids: &HashMap<String, ReasonId>,
    reasons: &[Reason],
    known: &[Profile],
    diags: &mut Vec<Diagnostic>,
) -> Option<Parsed> {
    let raw: RawProfileFile = match crate::rules::from_document(file, doc) {
        Ok(r) => r,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut cx = Ctx { file, fi, diags: Vec::new() };
    let header_at = raw.profile.span().start;
    let header = raw.profile.into_inner();
    let name = header.name.get_ref();
    let valid = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        cx.error(
            header.name.span().start,
            format!("profile name `{name}` must be lowercase letters, digits and `-`, starting with a letter"),
        );
    } else if known.iter().any(|p| &p.name == name) {
        cx.error(header.name.span().start, format!("a profile named `{name}` is already defined in another file"));
    }

    let mut policy = Policy::default();
    if let Some(s) = raw.policy.as_ref().and_then(|p| p.suppress.clone()) {
        policy.suppress = s;
    }
    let categories = categories(&mut cx, raw.category, &policy);
    let by_name: HashMap<&str, u16> = categories.iter().enumerate().map(|(i, c)| (c.name.as_str(), i as u16)).collect();
    let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
    let resolve = |cx: &mut Ctx<'_>, name: &Spanned<String>, at: usize| -> Option<u16> {
        let found = by_name.get(name.get_ref().as_str()).copied();
        if found.is_none() {
            let hint = closest(name.get_ref(), &names).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
            cx.error(
                at,
                format!("category `{}` is not declared by a [[category]] of this profile{hint}", name.get_ref()),
            );
        }
        found
    };

    let mut map = vec![None::<Target>; reasons.len()];
    match &raw.map {
        None => cx.error(header_at, "the profile has no [map] table: map every reason to a category"),
        Some(table) => {
            let mut listed = vec![false; reasons.len()];
            let mut entries: Vec<_> = table.get_ref().iter().collect();
            entries.sort_by_key(|(k, _)| k.span().start);
            for (reason, target) in entries {
                let Some(&rid) = reason_ids.get(reason.get_ref()) else {
                    let mut known: Vec<&str> = reason_ids.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    let hint = closest(reason.get_ref(), &known)
                        .map(|k| format!(" (did you mean `{k}`?)"))
                        .unwrap_or_default();
                    cx.error(reason.span().start, format!("[map] names unknown reason `{}`{hint}", reason.get_ref()));
                    continue;
                };
                listed[usize::from(rid)] = true;
                map[usize::from(rid)] = self::target(&mut cx, target, &resolve);
            }
            for (rid, reason) in reasons.iter().enumerate() {
                if !listed[rid] {
                    cx.error(
                        table.span().start,
                        format!("profile `{name}` leaves reason `{}` unmapped: add it to [map]", reason.name),
                    );
                }
            }
        }
    }

    let mut rules = Vec::with_capacity(raw.rule.len());
    for r in raw.rule {
        let category = match &r.get_ref().category {
            Some(c) => resolve(&mut cx, c, c.span().start),
            None => None,
        };
        rules.push((r, category));
    }

    let mut refine = Vec::with_capacity(raw.refine.len());
    for r in &raw.refine {
        let reason = |name: &str| reason_ids.get(name).copied();
        let category = |cx: &mut Ctx<'_>, name: &Spanned<String>| resolve(cx, name, name.span().start);
        refine.extend(refinement(&mut cx, r, reason, category));
    }

    if let Some(p) = &raw.policy {
        if let Some(e) = &p.escalate {
            policy.escalation = escalation(&mut cx, e, &categories, &resolve);
        }
    }
    let health = policy::health(file, raw.health.as_ref(), &mut cx.diags);

    let failed = !cx.diags.is_empty();
    cx.diags.sort_by_key(|d| (d.line, d.column));
    diags.append(&mut cx.diags);
    if failed {
        return None;
    }
    Some(Parsed {
        profile: Profile {
            name: header.name.into_inner(),
            description: header.description,
            source: header.source,
            categories,
            map: map.into_iter().map(|t| t.unwrap_or(Target { default: 0, transient: 0, permanent: 0 })).collect(),
            policy,
            health,
            refine,
            origin: Origin::new(file, fi, header_at),
        },
        rules,
    })
}

/// Resolves one `[map]` value; `None` (reported) when a name is unknown.
fn target(
    cx: &mut Ctx<'_>,
    raw: &Spanned<RawTarget>,
    resolve: &impl Fn(&mut Ctx<'_>, &Spanned<String>, usize) -> Option<u16>,
) -> Option<Target> {
    // A bare name carries no span of its own: point at the value.
    let at = |s: &Spanned<String>| if s.span().end == 0 { raw.span().start } else { s.span().start };
    match raw.get_ref() {
        RawTarget::One(c) => resolve(cx, c, at(c)).map(|i| Target { default: i, transient: i, permanent: i }),
        RawTarget::ByClass { default, transient, permanent } => {
            let d = resolve(cx, default, at(default));
            let t = transient.as_ref().map(|s| resolve(cx, s, at(s)));
            let p = permanent.as_ref().map(|s| resolve(cx, s, at(s)));
            d.filter(|_| t != Some(None) && p != Some(None)).map(|d| Target {
                default: d,
                transient: t.flatten().unwrap_or(d),
                permanent: p.flatten().unwrap_or(d),
            })
        }
    }
}

/// Validates the `[[category]]` tables: unique names and codes, and the
/// dispositions with their defaults filled in.
fn categories(cx: &mut Ctx<'_>, raw: Vec<Spanned<RawCategory>>, policy: &Policy) -> Vec<Category> {
    let mut out: Vec<Category> = Vec::with_capacity(raw.len());
    let mut codes: HashMap<u32, usize> = HashMap::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for c in raw {
        let at = c.span().start;
        let c = c.into_inner();
        let name_at = c.name.span().start;
        if c.name.get_ref().trim().is_empty() {
            cx.error(name_at, "a category needs a name");
            continue;
        }
        if let Some(&first) = names.get(c.name.get_ref()) {
            let line = cx.line(first);
            cx.error(name_at, format!("category `{}` is declared twice (first at line {line})", c.name.get_ref()));
            continue;
        }
        names.insert(c.name.get_ref().clone(), name_at);
        let code = match &c.code {
            None => None,
            Some(n) => match u32::try_from(*n.get_ref()) {
                Ok(v) => {
                    if let Some(&first) = codes.get(&v) {
                        cx.error(n.span().start, format!("code {v} is already used by category `{}`", out[first].name));
                    }
                    codes.insert(v, out.len());
                    Some(v)
                }
                Err(_) => {
                    cx.error(n.span().start, "a category code is a whole number from 0 to 4294967295");
                    None
                }
            },
        };
        let default = disposition(c.kind, c.retry, c.suppress, policy);
        let over = |d: &RawDisposition| disposition(d.kind.unwrap_or(c.kind), d.retry, d.suppress, policy);
        out.push(Category {
            name: c.name.into_inner(),
            code,
            description: c.description,
            default,
            transient: c.transient.as_ref().map(over),
            permanent: c.permanent.as_ref().map(over),
            examples: c
                .examples
                .iter()
                .map(|e| Example {
                    text: e.get_ref().clone().into(),
                    origin: Origin::new(cx.file, cx.fi, e.span().start),
                })
                .collect(),
            origin: Origin::new(cx.file, cx.fi, at),
        });
    }
    out
}

/// A disposition with its defaults: retry when soft, suppress as the policy
/// says for the kind.
fn disposition(kind: Kind, retry: Option<bool>, suppress: Option<bool>, policy: &Policy) -> Disposition {
    Disposition {
        kind,
        retry: retry.unwrap_or(kind == Kind::Soft),
        suppress: suppress.unwrap_or_else(|| policy.suppresses(kind)),
    }
}

fn escalation(
    cx: &mut Ctx<'_>,
    raw: &policy::RawEscalate,
    categories: &[Category],
    resolve: &impl Fn(&mut Ctx<'_>, &Spanned<String>, usize) -> Option<u16>,
) -> Escalation {
    let r = raw;
    let mut e = Escalation::default();
    if let Some(after) = &r.after {
        match u32::try_from(*after.get_ref()) {
            Ok(n) => e.after = n,
            Err(_) => cx.error(after.span().start, "`after` is a count of soft bounces: 0 (never) or more"),
        }
    }
    if let Some(w) = &r.within {
        match policy::parse_duration(w.get_ref()) {
            Ok(d) => e.within = Some(d),
            Err(msg) => cx.error(w.span().start, msg),
        }
    }
    for name in &r.categories {
        if let Some(i) = resolve(cx, name, name.span().start) {
            let c = &categories[usize::from(i)];
            if c.default.kind != Kind::Soft {
                cx.error(
                    name.span().start,
                    format!("only soft categories escalate; `{}` is {}", c.name, c.default.kind.as_str()),
                );
            } else {
                e.categories.push(i);
            }
        }
    }
    if let Some(to) = &r.to {
        if let Some(i) = resolve(cx, to, to.span().start) {
            let c = &categories[usize::from(i)];
            if c.default.kind != Kind::Hard {
                cx.error(
                    to.span().start,
                    format!("escalation goes to a hard category; `{}` is {}", c.name, c.default.kind.as_str()),
                );
            } else {
                e.to = Some(i);
            }
        }
    }
    e
}
