//! Receiving providers: grouping bounces by who answered (Google, Microsoft,
//! Yahoo, ...), from `[[provider]]` tables in the rules directory
//! (`rules/providers.toml`).
//!
//! A bounce's provider is the first provider whose `mx` matches the host of
//! the remote MTA; failing that, the first whose `domains` match the
//! recipient's domain. An entry `example.com` matches that name and every name
//! under it; `hotmail.*` matches `hotmail.` followed by any suffix.
//!
//! ```
//! let rules = rebound::Rules::embedded().unwrap();
//! let providers = rebound::report::Providers::from_rules(&rules).unwrap();
//! assert_eq!(providers.provider(None, Some("googlemail.com")), Some("Google"));
//! assert_eq!(providers.provider(None, Some("hotmail.co.uk")), Some("Microsoft"));
//! // The remote MTA wins: a company domain hosted by Google.
//! assert_eq!(providers.provider(Some("dns; aspmx.l.google.com"), Some("example.org")), Some("Google"));
//! assert_eq!(providers.provider(None, Some("example.org")), None);
//! ```

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::rules::{Diagnostic, LoadError, Rules, SourceFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    provider: Vec<RawProvider>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    name: Spanned<String>,
    #[serde(default)]
    domains: Vec<Spanned<String>>,
    #[serde(default)]
    mx: Vec<Spanned<String>>,
}

/// Names matched exactly or as a parent domain, and `name.*` prefixes.
#[derive(Debug, Default, Clone)]
struct NameTable {
    suffix: HashMap<String, u16>,
    prefix: HashMap<String, u16>,
}

impl NameTable {
    /// The provider of `host` (lowercase): the longest listed parent domain,
    /// else a `name.*` entry naming its first label.
    fn find(&self, host: &str) -> Option<u16> {
        let mut rest = host;
        loop {
            if let Some(&p) = self.suffix.get(rest) {
                return Some(p);
            }
            match rest.split_once('.') {
                Some((_, tail)) if !tail.is_empty() => rest = tail,
                _ => break,
            }
        }
        let (first, tail) = host.split_once('.')?;
        if tail.is_empty() {
            return None;
        }
        self.prefix.get(first).copied()
    }
}

/// Compiled provider grouping.
#[derive(Debug, Default, Clone)]
pub struct Providers {
    names: Vec<String>,
    domains: NameTable,
    mx: NameTable,
}

impl Providers {
    /// The providers declared in the rules' `[[provider]]` files; empty when
    /// there are none. Errors are located as `path:line:column`.
    pub fn from_rules(rules: &Rules) -> Result<Providers, LoadError> {
        Providers::from_files(rules.provider_files.iter().map(|&i| &rules.files[i as usize]))
    }

    /// The providers declared in these files, in order.
    pub fn from_files<'a>(files: impl IntoIterator<Item = &'a SourceFile>) -> Result<Providers, LoadError> {
        let mut out = Providers::default();
        let mut diagnostics = Vec::new();
        for file in files {
            let raw: RawFile = match toml::from_str(&file.text) {
                Ok(raw) => raw,
                Err(e) => {
                    let message = crate::rules::one_line(e.message());
                    diagnostics.push(Diagnostic::error_at(file, e.span().map_or(0, |s| s.start), message));
                    continue;
                }
            };
            for p in raw.provider {
                out.add(file, p, &mut diagnostics);
            }
        }
        if diagnostics.is_empty() {
            Ok(out)
        } else {
            Err(LoadError { diagnostics })
        }
    }

    fn add(&mut self, file: &SourceFile, p: RawProvider, diags: &mut Vec<Diagnostic>) {
        let name = p.name.get_ref().trim();
        if name.is_empty() || self.names.iter().any(|n| n == name) {
            let why = if name.is_empty() {
                "a provider needs a name".to_string()
            } else {
                format!("provider `{name}` is declared twice")
            };
            diags.push(Diagnostic::error_at(file, p.name.span().start, why));
            return;
        }
        let index = self.names.len() as u16;
        self.names.push(name.to_string());
        for (entries, what) in [(&p.domains, "domain"), (&p.mx, "mx")] {
            let table = if what == "mx" { &mut self.mx } else { &mut self.domains };
            for entry in entries {
                let text = entry.get_ref().trim().to_ascii_lowercase();
                let (map, key) = match text.strip_suffix(".*") {
                    Some(prefix) => (&mut table.prefix, prefix.to_string()),
                    None => (&mut table.suffix, text.trim_end_matches('.').to_string()),
                };
                let valid = !key.is_empty()
                    && !key.starts_with('.')
                    && !key.ends_with('.')
                    && !key.contains("..")
                    && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                let at = entry.span().start;
                if !valid {
                    let msg = format!("`{}` is not a domain name (or `name.*`)", entry.get_ref());
                    diags.push(Diagnostic::error_at(file, at, msg));
                } else if let Some(&other) = map.get(&key) {
                    let msg = format!(
                        "{what} `{}` is already listed by provider `{}`",
                        entry.get_ref(),
                        self.names[usize::from(other)]
                    );
                    diags.push(Diagnostic::error_at(file, at, msg));
                } else {
                    map.insert(key, index);
                }
            }
        }
    }

    /// The provider names, in declaration order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The provider of a bounce, from the remote MTA as written in a DSN
    /// (`dns; mx.example.com`, `mx.example.com[192.0.2.1]`) or, failing
    /// that, the recipient's domain (lowercase).
    pub fn provider(&self, remote_mta: Option<&str>, domain: Option<&str>) -> Option<&str> {
        let by_mx = remote_mta.and_then(mta_host).and_then(|h| self.mx.find(&h));
        let index = by_mx.or_else(|| domain.and_then(|d| self.domains.find(d)))?;
        Some(&self.names[usize::from(index)])
    }
}

/// The host name in a remote-MTA field, lowercased; `None` for a bare IP
/// address or nothing usable.
///
/// ```
/// use rebound::report::provider::mta_host;
/// assert_eq!(mta_host("dns; MX1.Example.COM."), Some("mx1.example.com".into()));
/// assert_eq!(mta_host("mta5.am0.yahoodns.net [67.195.204.72]"), Some("mta5.am0.yahoodns.net".into()));
/// assert_eq!(mta_host("[192.0.2.1]"), None);
/// ```
pub fn mta_host(remote_mta: &str) -> Option<String> {
    let s = remote_mta.rsplit_once(';').map_or(remote_mta, |(_, h)| h).trim();
    let s = s.split(['[', ' ', '\t', '(']).next()?.trim_end_matches('.');
    let is_ip = s.bytes().all(|b| b.is_ascii_digit() || b == b'.') || s.contains(':');
    (!s.is_empty() && !is_ip && s.contains('.')).then(|| s.to_ascii_lowercase())
}

/// The domain of a recipient address, lowercased: `Bob@Example.ORG` →
/// `example.org`; `None` when the address has no `@`.
///
/// ```
/// use rebound::report::provider::recipient_domain;
/// assert_eq!(recipient_domain("<Bob@Example.ORG>"), Some("example.org".into()));
/// assert_eq!(recipient_domain("postmaster"), None);
/// ```
pub fn recipient_domain(recipient: &str) -> Option<String> {
    let (_, domain) = recipient.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('>').trim_end_matches('.');
    (!domain.is_empty()).then(|| domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn providers(text: &str) -> Result<Providers, LoadError> {
        Providers::from_files([&SourceFile::new("rules/p.toml", text)])
    }

    #[test]
    fn mx_beats_domain_and_parents_match() {
        let p = providers(
            "[[provider]]\nname = \"A\"\ndomains = [\"a.example\"]\nmx = [\"mx.a.example\"]\n\
             [[provider]]\nname = \"B\"\ndomains = [\"b.*\"]\nmx = [\"b.example\"]\n",
        )
        .unwrap();
        assert_eq!(p.provider(Some("in1.mx.a.example"), Some("b.fr")), Some("A"));
        assert_eq!(p.provider(Some("[192.0.2.1]"), Some("b.co.uk")), Some("B"));
        assert_eq!(p.provider(None, Some("sub.a.example")), Some("A"));
        assert_eq!(p.provider(None, Some("b")), None);
        assert_eq!(p.provider(None, Some("notb.fr")), None);
        assert_eq!(p.names(), ["A", "B"]);
    }

    #[test]
    fn bad_entries_are_located() {
        let e = providers("[[provider]]\nname = \"A\"\ndomains = [\"a..example\"]\n").unwrap_err();
        assert_eq!(
            e.diagnostics[0].to_string(),
            "rules/p.toml:3:12: error: `a..example` is not a domain name (or `name.*`)"
        );
        let e = providers(
            "[[provider]]\nname = \"A\"\ndomains = [\"x.org\"]\n[[provider]]\nname = \"B\"\ndomains = [\"x.org\"]\n",
        )
        .unwrap_err();
        assert!(e.diagnostics[0].message.contains("already listed by provider `A`"), "{e}");
        let e = providers("[[provider]]\nname = \"A\"\ndomain = []\n").unwrap_err();
        assert!(e.diagnostics[0].message.contains("unknown field"), "{e}");
    }

    #[test]
    fn shipped_providers_load() {
        let rules = Rules::embedded().unwrap();
        let p = Providers::from_rules(&rules).unwrap();
        assert_eq!(p.provider(Some("dns; mta7.am0.yahoodns.net"), None), Some("Yahoo"));
        assert_eq!(p.provider(Some("example-com.mail.protection.outlook.com"), None), Some("Microsoft"));
        assert_eq!(p.provider(None, Some("live.fr")), Some("Microsoft"));
    }
}
