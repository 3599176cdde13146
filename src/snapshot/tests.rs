use super::*;
use crate::classify::Hints;
use crate::rules::source::embedded_sources;
use crate::Engine;
use std::sync::Arc;

fn compiled() -> CompiledRules {
    CompiledRules::new(Rules::from_sources(embedded_sources()).unwrap()).unwrap()
}

/// Every example reply the rules hold (phrase rules, code rules, profile
/// categories).
fn examples(rules: &Rules) -> Vec<String> {
    let mut out: Vec<String> = rules.rules.iter().flat_map(|r| &r.examples).map(|e| e.text.to_string()).collect();
    out.extend(rules.codes.iter().flat_map(|c| &c.examples).map(|e| e.text.to_string()));
    out.extend(rules.profiles.iter().flat_map(|p| &p.categories).flat_map(|c| &c.examples).map(|e| e.text.to_string()));
    out
}

/// What an engine answers and explains for `text`, as one string.
fn answer(engine: &Engine, text: &str) -> String {
    let c = engine.classify(text);
    let (evidence, x) = engine.explain(text.as_bytes(), Hints::default());
    let rules = engine.compiled();
    let evidence: Vec<String> = evidence
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {:?}",
                rules.describe(e),
                rules.rule_id(e.source),
                rules.rules().location(rules.origin_of(e.source)),
                e
            )
        })
        .collect();
    format!(
        "{} {} {:?} {:?} {} {} {:?} {:?} {:?} | {} {:?} | {evidence:?}",
        c.reason.name,
        c.category,
        c.category_code,
        c.kind,
        c.retry,
        c.suppress,
        c.enhanced_code,
        c.reply_code,
        c.rule_location(),
        x.category,
        x.rule_location(),
    )
}

/// The parts of compiled rules whose `Debug` shows everything they hold
/// (the automaton's is left out: it carries a per-process id).
fn shown(c: &CompiledRules) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}",
        c.rules,
        c.targets,
        c.regexes,
        c.enhanced,
        c.reply,
        c.default_profile,
        c.extract,
        c.automaton_bytes()
    )
}

#[test]
fn a_decoded_snapshot_answers_like_the_rules_it_was_made_of() {
    let original = compiled();
    let body = compiled::encode(&original);
    let decoded = compiled::decode(&body, None, embedded_sources()).expect("decodes");
    assert_eq!(shown(&decoded), shown(&original));
    let (a, b) = (Engine::new(Arc::new(original)), Engine::new(Arc::new(decoded)));
    let texts = examples(a.rules());
    assert!(texts.len() > 100);
    let mut profiles: Vec<Option<&str>> = vec![None];
    profiles.extend(a.rules().profiles.iter().map(|p| Some(p.name.as_str())));
    for profile in profiles {
        let (a, b) = match profile {
            Some(p) => (a.with_profile(p).unwrap(), b.with_profile(p).unwrap()),
            None => (a.clone(), b.clone()),
        };
        for text in &texts {
            assert_eq!(answer(&b, text), answer(&a, text), "{profile:?}: {text}");
        }
    }
    // And a snapshot of the decoded rules is the same snapshot.
    assert!(compiled::encode(b.compiled()) == body);
}

#[test]
fn strings_decode_in_place_in_the_owner_bytes() {
    let original = compiled();
    let owner: crate::lazy_regex::Owner = Arc::new(compiled::encode(&original));
    let decoded = compiled::decode(&owner, Some(&owner), embedded_sources()).expect("decodes");
    assert_eq!(shown(&decoded), shown(&original));
    let whole = owner.as_ptr_range();
    let phrase = decoded.rules().rules[0].phrases[0].text.clone();
    assert!(whole.contains(&phrase.as_ptr()), "not copied");
    // The strings keep the bytes alive without the decoder or the rules.
    drop((decoded, owner));
    assert_eq!(phrase, original.rules().rules[0].phrases[0].text);
}

#[test]
fn the_cache_decodes_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SnapshotCache::new(dir.path()).unwrap();
    let first = cache.load(embedded_sources()).unwrap();
    let path = cache.path_of(cache.key(&embedded_sources()));
    assert!(path.exists());
    let written = fs::read(&path).unwrap();
    let again = cache.load(embedded_sources()).unwrap();
    assert_eq!(shown(&again), shown(&first));
    // Decoding did not rewrite it.
    assert_eq!(fs::read(&path).unwrap(), written);
}

#[test]
fn a_damaged_or_foreign_snapshot_means_compiling() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SnapshotCache::new(dir.path()).unwrap();
    let expected = shown(&cache.load(embedded_sources()).unwrap());
    let path = cache.path_of(cache.key(&embedded_sources()));
    let good = fs::read(&path).unwrap();
    let mut flipped = good.clone();
    let body_len = u64::from_le_bytes(good[28..36].try_into().unwrap()) as usize;
    let middle = HEADER + body_len / 2;
    flipped[middle] ^= 0x20;
    let mut other_key = good.clone();
    other_key[12] ^= 1;
    let damaged: Vec<Vec<u8>> = vec![
        good[..good.len() - 1].to_vec(),
        good[..HEADER / 2].to_vec(),
        Vec::new(),
        flipped,
        other_key,
        b"not a snapshot at all".to_vec(),
        [&good[..], b"trailing"].concat(),
    ];
    for (i, bytes) in damaged.iter().enumerate() {
        fs::write(&path, bytes).unwrap();
        assert!(cache.read(cache.key(&embedded_sources()), embedded_sources()).is_err(), "case {i}");
        assert_eq!(shown(&cache.load(embedded_sources()).unwrap()), expected, "case {i}");
        // Loading compiled and wrote a good snapshot again.
        assert_eq!(fs::read(&path).unwrap(), good, "case {i}");
    }
}

#[test]
fn a_corrupted_body_is_refused_or_harmless_never_a_panic() {
    // Past the checksum (as if it had collided): decoding still checks
    // every index, so a damaged body either decodes to rules that work or
    // is refused.
    let original = compiled();
    let body = compiled::encode(&original);
    let texts = ["550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown", "452 4.2.2 mailbox full"];
    let step = body.len() / 100;
    for at in (0..body.len()).step_by(step.max(1)) {
        for flip in [0x01, 0xff] {
            let mut bad = body.clone();
            bad[at] ^= flip;
            if let Ok(c) = compiled::decode(&bad, None, embedded_sources()) {
                let engine = Engine::new(Arc::new(c));
                for t in texts {
                    let _ = answer(&engine, t);
                }
            }
        }
    }
    for len in [0, 1, 4, body.len() / 3, body.len() - 1] {
        assert!(compiled::decode(&body[..len], None, embedded_sources()).is_err());
    }
}

#[test]
fn the_key_changes_with_any_source() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SnapshotCache::new(dir.path()).unwrap();
    let sources = embedded_sources();
    let key = cache.key(&sources);
    assert_eq!(cache.key(&embedded_sources()), key);
    let mut edited = sources.clone();
    let last = edited.len() - 1;
    edited[last] = SourceFile::new(edited[last].path.clone(), format!("{} ", edited[last].text));
    assert_ne!(cache.key(&edited), key);
    let mut renamed = sources.clone();
    renamed[0] = SourceFile::new(format!("{}x", renamed[0].path), renamed[0].text.clone());
    assert_ne!(cache.key(&renamed), key);
    assert_ne!(cache.key(&sources[1..]), key);
}

#[test]
fn without_a_usable_directory_rules_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "not a directory").unwrap();
    let cache = SnapshotCache::new(file.join("cache")).unwrap();
    let engine = Engine::from_sources(embedded_sources(), Some(&cache)).unwrap();
    assert_eq!(engine.classify("550 5.1.1 user unknown").reason.name, "user_unknown");
    assert!(!file.join("cache").exists());
}

#[test]
fn rules_that_do_not_load_are_reported_not_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SnapshotCache::new(dir.path()).unwrap();
    let broken = vec![SourceFile::new("r/x.toml", "[[reason]]\nname = \"A\"\n")];
    assert!(cache.load(broken).is_err());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn only_the_newest_snapshots_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SnapshotCache::new(dir.path()).unwrap();
    let rules = compiled();
    for key in 0..KEEP as u128 + 3 {
        cache.write(key, &rules).unwrap();
    }
    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), KEEP);
    assert!(left.iter().all(|e| e.file_name().to_string_lossy().ends_with(".snap")));
}

/// The answers of an engine over every example of the rules, and over
/// lines the `[extract]` patterns read.
fn answers(engine: &Engine) -> Vec<String> {
    let mut texts = examples(engine.rules());
    texts.extend(
        [
            "  <bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
            "bob@example.org\n    SMTP error from remote mail server after RCPT TO:<bob@example.org>:\n    550 unknown",
            "Final-Recipient: rfc822; bob@example.org\nDiagnostic-Code: smtp; 552 mailbox full",
            "Empfänger: émile@exämple.fr ist unbekannt",
        ]
        .map(String::from),
    );
    texts.iter().map(|t| answer(engine, t)).collect()
}

#[test]
fn prebuilt_regexes_answer_as_regexes_built_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SnapshotCache::new(dir.path()).unwrap();
    let built = Engine::new(Arc::new(cache.load(embedded_sources()).unwrap()));
    let read = Engine::new(Arc::new(cache.read(cache.key(&embedded_sources()), embedded_sources()).unwrap()));
    assert!(read.compiled().regexes.iter().any(|r| r.regex.is_stored()));
    assert_eq!(answers(&read), answers(&built));
}

#[test]
fn damaged_prebuilt_regexes_are_built_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SnapshotCache::new(dir.path()).unwrap();
    let built = Engine::new(Arc::new(cache.load(embedded_sources()).unwrap()));
    let expected = answers(&built);
    let path = cache.path_of(cache.key(&embedded_sources()));
    let good = fs::read(&path).unwrap();
    let body_len = u64::from_le_bytes(good[28..36].try_into().unwrap()) as usize;
    let blobs = (HEADER + body_len).next_multiple_of(8)..good.len();
    assert!(blobs.len() > 100_000);
    // Bytes of the prebuilt regexes are checked when first read: a damaged
    // one is built as without a snapshot.
    for at in blobs.clone().step_by(blobs.len() / 7) {
        let mut bad = good.clone();
        bad[at] ^= 0x41;
        fs::write(&path, &bad).unwrap();
        let read = Engine::new(Arc::new(cache.read(cache.key(&embedded_sources()), embedded_sources()).unwrap()));
        assert_eq!(answers(&read), expected, "byte {at}");
    }
}
