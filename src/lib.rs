//! rebound tells an email sender why a message bounced and what to do about it.
//!
//! Evidence in a bounce (enhanced status codes such as `5.1.1`, reply codes
//! such as `550`, phrases such as "mailbox full") is matched against rules
//! written in TOML files (see `docs/rules.md`), compiled once into one
//! Aho-Corasick automaton and direct code tables. The winning evidence gives a
//! fine-grained *reason*; a *profile* reports that reason in a provider's
//! category scheme.
//!
//! ```
//! use rebound::Engine;
//!
//! // The rules built into the crate, in their default profile.
//! let engine = Engine::embedded()?;
//! let c = engine.classify("550 5.7.1 No such user! 1683454980-0NPfrE8P9Cg0-eRlBSO3h");
//! assert_eq!(c.reason.name, "user_unknown");
//! println!("{} / {} ({})", c.reason.name, c.category, c.kind.as_str());
//! // Which rule decided, as `path:line`.
//! assert!(c.rule_location().is_some());
//! # Ok::<(), rebound::LoadError>(())
//! ```

pub mod check;
pub mod classify;
pub mod cli;
pub mod code;
pub mod compile;
pub mod engine;
pub mod eval;
pub mod extract;
pub mod fold;
pub mod input;
mod lazy_regex;
mod near;
mod phrase_dfa;
pub mod profile;
pub mod reload;
pub mod report;
pub mod rules;
pub mod serve;
pub mod snapshot;
pub mod suppress;

pub use classify::{Evidence, Hints, Scratch, Source, Verdict};
pub use code::EnhancedCode;
pub use compile::CompiledRules;
pub use engine::{Classification, Engine, UnknownProfile};
pub use reload::LiveEngine;
pub use rules::{Diagnostic, Kind, LoadError, Rules};
