//! [`Engine`]: compiled rules plus the active profile, the one handle most
//! callers need.

use std::cell::RefCell;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::classify::{Evidence, Hints, Scratch, Source, Verdict};
use crate::code::EnhancedCode;
use crate::compile::CompiledRules;
use crate::profile::{self, Profile};
use crate::rules::{Kind, LoadError, Origin, Reason, Rules, SourceFile};
use crate::snapshot::SnapshotCache;

/// Compiled rules and the profile answers are reported in. Cheap to clone;
/// shares the compiled rules.
///
/// ```
/// let engine = rebound::Engine::embedded().unwrap();
/// let c = engine.classify("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown");
/// assert_eq!(c.reason.name, "user_unknown");
/// assert_eq!(c.enhanced_code.unwrap().to_string(), "5.1.1");
/// ```
#[derive(Clone)]
pub struct Engine {
    rules: Arc<CompiledRules>,
    profile: Option<u16>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine").field("profile", &self.profile().map(|p| &p.name)).finish_non_exhaustive()
    }
}

/// A profile name the rules do not define.
#[derive(Debug, Clone)]
pub struct UnknownProfile {
    /// The name asked for.
    pub name: String,
    /// The names the rules define.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown profile `{}` (known: {})", self.name, self.known.join(", "))
    }
}

impl std::error::Error for UnknownProfile {}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

impl Engine {
    /// The rules embedded in the binary, with their default profile.
    pub fn embedded() -> Result<Engine, LoadError> {
        Engine::from_rules(Rules::embedded()?)
    }

    /// The rules under `dir`, with their default profile.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Engine, LoadError> {
        Engine::from_rules(Rules::from_dir(dir)?)
    }

    /// The rules of `sources`, with their default profile: decoded from
    /// their snapshot in `cache` when it holds one, else loaded, compiled
    /// and written there (see [`crate::snapshot`]); without a cache, as
    /// [`Rules::from_sources`] then [`Engine::from_rules`].
    pub fn from_sources(sources: Vec<SourceFile>, cache: Option<&SnapshotCache>) -> Result<Engine, LoadError> {
        match cache {
            Some(cache) => Ok(Engine::new(Arc::new(cache.load(sources)?))),
            None => Engine::from_rules(Rules::from_sources(sources)?),
        }
    }

    /// Compiles loaded rules.
    pub fn from_rules(rules: Rules) -> Result<Engine, LoadError> {
        Ok(Engine::new(Arc::new(CompiledRules::new(rules)?)))
    }

    /// An engine over already compiled rules, with their default profile.
    pub fn new(rules: Arc<CompiledRules>) -> Engine {
        let profile = rules.default_profile();
        Engine { rules, profile }
    }

    /// The same rules, answering in profile `name`.
    pub fn with_profile(&self, name: &str) -> Result<Engine, UnknownProfile> {
        match self.rules.profile_index(name) {
            Some(i) => Ok(Engine { rules: Arc::clone(&self.rules), profile: Some(i) }),
            None => Err(UnknownProfile {
                name: name.to_string(),
                known: self.rules.rules().profiles.iter().map(|p| p.name.clone()).collect(),
            }),
        }
    }

    /// The compiled rules.
    pub fn compiled(&self) -> &Arc<CompiledRules> {
        &self.rules
    }

    /// The loaded rules.
    pub fn rules(&self) -> &Rules {
        self.rules.rules()
    }

    /// The active profile, if the rules define any.
    pub fn profile(&self) -> Option<&Profile> {
        self.profile.map(|p| &self.rules().profiles[usize::from(p)])
    }

    /// Classifies one reply.
    pub fn classify(&self, text: &str) -> Classification<'_> {
        self.classify_bytes(text.as_bytes(), Hints::default())
    }

    /// Classifies one reply given as bytes (need not be UTF-8), with codes
    /// known from elsewhere as `hints`.
    pub fn classify_bytes(&self, text: &[u8], hints: Hints) -> Classification<'_> {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => self.classify_with(text, hints, &mut scratch),
            Err(_) => self.classify_with(text, hints, &mut Scratch::new()),
        })
    }

    /// Classifies one reply with caller-owned scratch space.
    pub fn classify_with(&self, text: &[u8], hints: Hints, scratch: &mut Scratch) -> Classification<'_> {
        self.resolve(self.verdict_with(text, hints, scratch))
    }

    /// The raw verdict on one reply, before it is reported in the profile
    /// (what [`Engine::classify_with`] reports), for callers that cache
    /// what they make of verdicts.
    pub fn verdict_with(&self, text: &[u8], hints: Hints, scratch: &mut Scratch) -> Verdict {
        self.rules.classify(text, hints, self.profile, scratch)
    }

    /// Every piece of evidence in `text`, strongest first, and the verdict.
    pub fn explain(&self, text: &[u8], hints: Hints) -> (Vec<Evidence>, Classification<'_>) {
        let (evidence, enhanced_code, reply_code) = self.rules.evidence(text, hints, self.profile);
        let reason = evidence.first().map_or(self.rules().engine.undetermined, |e| e.reason);
        let verdict = Verdict { reason, enhanced_code, reply_code, decided_by: evidence.first().copied() };
        (evidence, self.resolve(verdict))
    }

    pub(crate) fn resolve(&self, verdict: Verdict) -> Classification<'_> {
        self.resolve_in(verdict, None)
    }

    /// A verdict reported in the active profile, with what is known of the
    /// bounce's context (see the profile's `[[refine]]` tables).
    pub(crate) fn resolve_in(&self, verdict: Verdict, context: Option<&profile::Context<'_>>) -> Classification<'_> {
        let reason = self.rules().reason(verdict.reason);
        let mapped = profile::resolve_in(self.profile(), self.rules(), &verdict, context);
        Classification {
            reason,
            category: mapped.category,
            category_code: mapped.code,
            kind: mapped.kind,
            retry: mapped.retry,
            suppress: mapped.suppress,
            enhanced_code: verdict.enhanced_code,
            reply_code: verdict.reply_code,
            verdict,
            rules: &self.rules,
        }
    }
}

/// The answer for one reply, in the engine's profile.
#[derive(Debug, Clone, Copy)]
pub struct Classification<'e> {
    /// The reason.
    pub reason: &'e Reason,
    /// The category of the active profile (the reason's name without one).
    pub category: &'e str,
    /// The scheme's number for the category, when it has one (SparkPost's
    /// bounce class, Postmark's type code).
    pub category_code: Option<u32>,
    /// The kind of that category.
    pub kind: Kind,
    /// Whether the sender should retry.
    pub retry: bool,
    /// Whether the sender should stop mailing the address.
    pub suppress: bool,
    /// The enhanced status code.
    pub enhanced_code: Option<EnhancedCode>,
    /// The basic reply code.
    pub reply_code: Option<u16>,
    /// The raw verdict, with the deciding evidence.
    pub verdict: Verdict,
    rules: &'e CompiledRules,
}

impl<'e> Classification<'e> {
    /// Where the deciding rule is written; `None` when no evidence decided.
    pub fn rule_origin(&self) -> Option<Origin> {
        self.verdict.decided_by.map(|e| self.rules.origin_of(e.source))
    }

    /// The deciding rule as `path:line`.
    pub fn rule_location(&self) -> Option<String> {
        self.rule_origin().map(|o| self.rules.rules().location(o))
    }

    /// The file path of the deciding rule and its line, without allocating.
    pub fn rule_path_line(&self) -> Option<(&'e str, u32)> {
        self.rule_origin().map(|o| (self.rules.rules().files[o.file as usize].path.as_str(), o.line))
    }
}

impl CompiledRules {
    /// Where the rule behind a piece of evidence is written (the phrase or
    /// regex itself, for those).
    pub fn origin_of(&self, source: Source) -> Origin {
        let rules = self.rules();
        match source {
            Source::Phrase { rule, phrase } => rules.rules[rule as usize].phrases[phrase as usize].origin,
            Source::Regex { rule, regex } => rules.rules[rule as usize].regexes[regex as usize].origin,
            Source::Enhanced { rule } | Source::Reply { rule } => rules.codes[rule as usize].origin,
        }
    }

    /// A short description of the evidence: `phrase "user unknown"`,
    /// `enhanced code 5.1.1 (rule x.1.1)`, ...
    pub fn describe(&self, e: &Evidence) -> String {
        let rules = self.rules();
        match e.source {
            Source::Phrase { rule, phrase } => {
                format!("phrase \"{}\"", rules.rules[rule as usize].phrases[phrase as usize].text)
            }
            Source::Regex { rule, regex } => {
                format!("regex /{}/", rules.rules[rule as usize].regexes[regex as usize].pattern)
            }
            Source::Enhanced { rule } => format!("enhanced code rule {}", rules.codes[rule as usize].pattern),
            Source::Reply { rule } => format!("reply code rule {}", rules.codes[rule as usize].pattern),
        }
    }

    /// The id of the rule behind a piece of evidence (`file:line` for code rules).
    pub fn rule_id(&self, source: Source) -> String {
        match source {
            Source::Phrase { rule, .. } | Source::Regex { rule, .. } => {
                self.rules().rules[rule as usize].id.to_string()
            }
            Source::Enhanced { rule } | Source::Reply { rule } => {
                self.rules().location(self.rules().codes[rule as usize].origin)
            }
        }
    }
}
