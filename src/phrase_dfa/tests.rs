use super::*;
use aho_corasick::{AhoCorasick, MatchKind};

fn strings(lits: &[&str]) -> Vec<String> {
    lits.iter().map(|s| s.to_string()).collect()
}

fn walk(dfa: &PhraseDfa, cache: &mut Cache, hay: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    dfa.for_each_match(cache, hay.as_bytes(), |p, s, e| out.push((p, s, e)));
    out.sort_by_key(|&(p, s, e)| (e, s, p));
    out
}

fn reference(lits: &[&str], hay: &str) -> Vec<(usize, usize, usize)> {
    let ac = AhoCorasick::builder().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(lits).unwrap();
    let mut out: Vec<_> = ac.find_overlapping_iter(hay).map(|m| (m.pattern().as_usize(), m.start(), m.end())).collect();
    out.sort_by_key(|&(p, s, e)| (e, s, p));
    out
}

#[test]
fn finds_overlapping_matches_case_insensitively() {
    let lits = ["user unknown", "unknown", "no such user", "user", "he", "she", "hers"];
    let hay = "550 No Such USER: user unknown; SHE said hers";
    let dfa = PhraseDfa::new(&strings(&lits));
    let got = walk(&dfa, &mut Cache::default(), hay);
    assert_eq!(got, reference(&lits, hay));
    assert!(got.contains(&(0, 18, 30)));
}

#[test]
fn reports_in_order_of_end_own_patterns_first() {
    let lits = ["b", "ab", "ab", "cab"];
    let dfa = PhraseDfa::new(&strings(&lits));
    let mut got = Vec::new();
    dfa.for_each_match(&mut Cache::default(), b"xcab", |p, s, e| got.push((p, s, e)));
    // State "cab" lists its own pattern, then those of "ab", then of "b".
    assert_eq!(got, [(3, 1, 4), (1, 2, 4), (2, 2, 4), (0, 3, 4)]);
}

#[test]
fn a_cache_follows_the_automaton_it_is_used_with() {
    let a = ["mailbox full", "full"];
    let b = ["user unknown", "unknown user"];
    let (da, db) = (PhraseDfa::new(&strings(&a)), PhraseDfa::new(&strings(&b)));
    let hay = "mailbox full: unknown user unknown";
    let mut cache = Cache::default();
    for _ in 0..3 {
        assert_eq!(walk(&da, &mut cache, hay), reference(&a, hay));
        assert_eq!(walk(&db, &mut cache, hay), reference(&b, hay));
    }
}

#[test]
fn a_full_cache_is_cleared_and_stays_within_its_capacity() {
    let lits: Vec<String> = (0..200).map(|i| format!("phrase number {i} is here")).collect();
    let refs: Vec<&str> = lits.iter().map(String::as_str).collect();
    let hay: String = (0..200).rev().map(|i| format!("phrase number {i} is here; ")).collect();
    let dfa = PhraseDfa::new(&lits);
    let mut cache = Cache::with_capacity(4096);
    for _ in 0..2 {
        assert_eq!(walk(&dfa, &mut cache, &hay), reference(&refs, &hay));
        assert!(cache.table.len() * 4 <= 4096);
    }
    assert!(cache.clears > 0);
    let mut big = Cache::default();
    assert_eq!(walk(&dfa, &mut big, &hay), reference(&refs, &hay));
    assert_eq!(big.clears, 0);
}

#[test]
fn walks_only_materialise_visited_states() {
    let lits: Vec<String> = (0..1000).map(|i| format!("zq{i}x some long phrase")).collect();
    let dfa = PhraseDfa::new(&lits);
    let mut cache = Cache::default();
    assert!(walk(&dfa, &mut cache, "nothing to see here").is_empty());
    // The placeholder, the root and at most a row per byte.
    assert!(cache.table.len() / cache.row_len <= 2 + "nothing to see here".len());
}

proptest::proptest! {
    #[test]
    fn agrees_with_aho_corasick(
        lits in proptest::collection::vec("[abcAB ]{1,4}", 1..12),
        hays in proptest::collection::vec("[abcdAB ]{0,40}", 1..4),
        capacity in proptest::sample::select(vec![1usize, 64, 512, 1 << 20]),
    ) {
        let lower: Vec<String> = lits.iter().map(|l| l.to_ascii_lowercase()).collect();
        let refs: Vec<&str> = lower.iter().map(String::as_str).collect();
        let dfa = PhraseDfa::new(&lower);
        // One cache across several haystacks, tiny ones cleared constantly.
        let mut cache = Cache::with_capacity(capacity);
        for hay in &hays {
            proptest::prop_assert_eq!(walk(&dfa, &mut cache, hay), reference(&refs, hay));
        }
    }
}
