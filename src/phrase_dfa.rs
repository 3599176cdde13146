//! The phrase automaton: Aho-Corasick over every phrase and regex trigger
//! literal, matched ASCII case-insensitively, run as a lazily built DFA.
//!
//! Building ([`PhraseDfa::new`]) makes only the trie (sparse: a linked list of
//! edges per state, a dense row for the root) and its failure links, in
//! breadth-first order; it costs a few instructions per literal byte and no
//! transition table. The DFA table lives in a [`Cache`], one per thread (in
//! [`crate::Scratch`]), in the manner of `regex-automata`'s hybrid DFA: a
//! state gets a row the first time a walk reaches it, and a transition is
//! computed (trie edge, else the failure state's transition) the first time it
//! is taken, then read back with one lookup. A walk therefore only pays for
//! the states it visits, whatever the number of literals, and the cache is
//! cleared when it would outgrow its capacity, so its memory is bounded.
//!
//! A cache row has one entry per byte class (the bytes the literals use,
//! letters folded, plus one class for every other byte: about a hundred for
//! the shipped rules, against 256 byte values), so that a whole email's
//! diagnostics, which visit thousands of states, touch few pages of memory.
//! Entries are row offsets into the table (premultiplied ids), so a byte
//! costs a class lookup (off the dependency chain), one load and an add. `0` means "not computed yet" (row 0 is never a state)
//! and bit 31 marks a target with matches, so one signed comparison per byte
//! tells the walk whether anything special happened. Matches are reported for every occurrence of every literal,
//! overlapping ones included, in order of end position.

use std::sync::atomic::{AtomicU64, Ordering};

/// No edge / no state.
const NONE: u32 = u32::MAX;
/// The trie's root.
const ROOT: u32 = 0;
/// Table entry of a transition not computed yet. Zero, so that rows the
/// table grows by ([`Table::grow_zeroed`]) start unknown.
const UNKNOWN: u32 = 0;
const _: () = assert!(UNKNOWN == 0);
/// Table entry flag: the target state has matches.
const MATCH: u32 = 1 << 31;
/// Entries after a cache row's transitions (one per class): the row's trie
/// state and the range of its matches in `PhraseDfa::matches`.
const ROW_TAIL: usize = 3;
/// Default capacity of a [`Cache`] table, in bytes (about 10,000 rows of the
/// shipped rules' automaton).
const CACHE_BYTES: usize = 4 << 20;

/// Identifies automata, so a cache knows which one it was filled for.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The automaton. Immutable once built; walks need a [`Cache`].
#[derive(Debug)]
pub(crate) struct PhraseDfa {
    /// Unique per automaton built in this process.
    id: u64,
    /// Byte to equivalence class (ASCII letters folded to lowercase).
    classes: [u8; 256],
    /// The root's full transitions (trie state per class).
    root: Box<[u32]>,
    /// Per trie state: its first child, or `NONE`. The children of a state
    /// (other than the root, whose are in `root`) form a list through
    /// `sibling`, each labelled with the class of its incoming edge.
    first_child: Box<[u32]>,
    sibling: Box<[u32]>,
    label: Box<[u8]>,
    /// Per trie state: its failure state.
    fail: Box<[u32]>,
    /// Per trie state: its index in `match_ranges`, or `NONE` without matches.
    out: Box<[u32]>,
    /// Per state with matches: its range in `matches`.
    match_ranges: Box<[(u32, u32)]>,
    /// Pattern ids with their lengths, grouped per state: its own first,
    /// then its failure state's.
    matches: Box<[(u32, u32)]>,
}

impl PhraseDfa {
    /// Builds the automaton for `literals` (matched ASCII case-insensitively).
    /// Never inlined, so that profiles show its cost on its own.
    #[inline(never)]
    pub(crate) fn new(literals: &[String]) -> PhraseDfa {
        // Classes: 0 for bytes no literal uses, one per distinct used byte
        // (at most 230 once letters are folded, so a class fits in a byte).
        let mut classes = [0u8; 256];
        let mut stride = 1usize;
        for &b in literals.iter().flat_map(|l| l.as_bytes()) {
            let b = usize::from(b.to_ascii_lowercase());
            if classes[b] == 0 {
                classes[b] = stride as u8;
                stride += 1;
            }
        }
        for b in b'A'..=b'Z' {
            classes[usize::from(b)] = classes[usize::from(b.to_ascii_lowercase())];
        }

        // The trie. States are numbered as they are made, the root 0.
        // Vectors are reserved for the most states there can be (one per
        // literal byte, plus the root) so they never grow by copying; the
        // pages of the unused part are never touched, so never resident.
        let most = literals.iter().map(String::len).sum::<usize>() + 1;
        fn per_state<T>(most: usize, first: T) -> Vec<T> {
            let mut v = Vec::with_capacity(most);
            v.push(first);
            v
        }
        let mut root = vec![NONE; stride];
        let (mut first_child, mut sibling) = (per_state(most, NONE), per_state(most, NONE));
        let mut label: Vec<u8> = per_state(most, 0);
        // Per state, first the head of its own patterns' list (through
        // `own_next`, in ascending order), later its index in `match_ranges`.
        let mut out: Vec<u32> = per_state(most, NONE);
        let mut own_next = vec![NONE; literals.len()];
        let mut end_state = Vec::with_capacity(literals.len());
        for lit in literals {
            let mut s = ROOT;
            for &b in lit.as_bytes() {
                let class = classes[usize::from(b)];
                let found =
                    if s == ROOT { root[usize::from(class)] } else { child(&first_child, &sibling, &label, s, class) };
                s = if found != NONE {
                    found
                } else {
                    let n = first_child.len() as u32;
                    if s == ROOT {
                        root[usize::from(class)] = n;
                        sibling.push(NONE);
                    } else {
                        sibling.push(first_child[s as usize]);
                        first_child[s as usize] = n;
                    }
                    first_child.push(NONE);
                    label.push(class);
                    out.push(NONE);
                    n
                };
            }
            end_state.push(s);
        }
        for (pid, &s) in end_state.iter().enumerate().rev() {
            own_next[pid] = out[s as usize];
            out[s as usize] = pid as u32;
        }
        drop(end_state);
        let states = first_child.len();

        // Breadth-first: failure links and match lists (a state's failure
        // state is shallower, so it is finished first).
        let mut fail = vec![ROOT; states];
        let mut match_ranges: Vec<(u32, u32)> = Vec::new();
        let mut ids: Vec<u32> = Vec::new();
        let mut order: Vec<u32> = Vec::with_capacity(states);
        order.push(ROOT);
        let mut head = 0;
        while head < order.len() {
            let s = order[head];
            head += 1;
            let f = fail[s as usize];
            let start = ids.len();
            let mut p = out[s as usize];
            while p != NONE {
                ids.push(p);
                p = own_next[p as usize];
            }
            if s != ROOT && out[f as usize] != NONE {
                let (fs, fe) = match_ranges[out[f as usize] as usize];
                ids.extend_from_within(fs as usize..fe as usize);
            }
            out[s as usize] = if ids.len() > start {
                match_ranges.push((start as u32, ids.len() as u32));
                match_ranges.len() as u32 - 1
            } else {
                NONE
            };
            if s == ROOT {
                for slot in root.iter_mut() {
                    if *slot == NONE {
                        *slot = ROOT;
                    } else {
                        order.push(*slot);
                    }
                }
                continue;
            }
            let mut c = first_child[s as usize];
            while c != NONE {
                let class = label[c as usize];
                let mut g = f;
                fail[c as usize] = loop {
                    if g == ROOT {
                        break root[usize::from(class)];
                    }
                    let t = child(&first_child, &sibling, &label, g, class);
                    if t != NONE {
                        break t;
                    }
                    g = fail[g as usize];
                };
                order.push(c);
                c = sibling[c as usize];
            }
        }
        drop(order);

        PhraseDfa {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            classes,
            root: root.into_boxed_slice(),
            first_child: first_child.into_boxed_slice(),
            sibling: sibling.into_boxed_slice(),
            label: label.into_boxed_slice(),
            fail: fail.into_boxed_slice(),
            out: out.into_boxed_slice(),
            match_ranges: match_ranges.into_boxed_slice(),
            matches: ids.iter().map(|&p| (p, literals[p as usize].len() as u32)).collect(),
        }
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every literal
    /// in `haystack`, in order of `end`, filling `cache` as it goes.
    #[inline]
    pub(crate) fn for_each_match(&self, cache: &mut Cache, haystack: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        if cache.dfa != self.id {
            self.init(cache);
        }
        let mut sid = cache.start as usize;
        let mut at = 0;
        loop {
            let (i, from, mut next) = run(&cache.table, &self.classes, haystack, at, sid);
            if i == haystack.len() {
                return;
            }
            if next == UNKNOWN {
                next = self.fill(cache, from, haystack[i]);
            }
            sid = (next & !MATCH) as usize;
            if next & MATCH != 0 {
                let m = self.matches_at();
                let (a, b) = (cache.table[sid + m], cache.table[sid + m + 1]);
                for &(pid, len) in &self.matches[a as usize..b as usize] {
                    f(pid as usize, i + 1 - len as usize, i + 1);
                }
            }
            at = i + 1;
        }
    }

    /// Heap bytes held (caches not included).
    pub(crate) fn memory_usage(&self) -> usize {
        use std::mem::size_of_val;
        size_of_val(&*self.root)
            + size_of_val(&*self.first_child)
            + size_of_val(&*self.sibling)
            + size_of_val(&*self.label)
            + size_of_val(&*self.fail)
            + size_of_val(&*self.out)
            + size_of_val(&*self.match_ranges)
            + size_of_val(&*self.matches)
    }

    /// Entries in a cache row: one per class, then [`ROW_TAIL`].
    fn row_len(&self) -> usize {
        self.root.len() + ROW_TAIL
    }

    /// Index of the trie state in a cache row.
    fn state_at(&self) -> usize {
        self.root.len()
    }

    /// Index of the start of the row's matches in a cache row (the end
    /// follows).
    fn matches_at(&self) -> usize {
        self.root.len() + 1
    }

    /// Empties `cache` and sizes it for this automaton. The table's whole
    /// capacity is reserved at once, so it never grows by copying; pages it
    /// does not use are never touched, so never resident, and most of it
    /// may be backed by huge pages ([`table`]).
    #[cold]
    fn init(&self, cache: &mut Cache) {
        cache.dfa = self.id;
        cache.row_len = self.row_len();
        cache.rows.clear();
        cache.rows.resize(self.fail.len(), 0);
        if cache.table.capacity() != cache.capacity_entries() {
            cache.table = Table::with_capacity(cache.capacity_entries());
        }
        cache.table.truncate(0);
        cache.table.grow_zeroed(cache.row_len);
        cache.start = self.row(cache, ROOT);
    }

    /// Computes, caches and returns the (flagged) transition out of row
    /// `sid` on `byte`. May clear the cache; the returned row is present.
    #[cold]
    #[inline(never)]
    fn fill(&self, cache: &mut Cache, sid: usize, byte: u8) -> u32 {
        let target = self.next_state(cache, cache.table[sid + self.state_at()], byte);
        let clears = cache.clears;
        let row = self.row(cache, target);
        let entry = if self.out[target as usize] != NONE { row | MATCH } else { row };
        if cache.clears == clears {
            cache.table[sid + usize::from(self.classes[usize::from(byte)])] = entry;
        }
        entry
    }

    /// The trie state reached from trie state `s` on `byte`: its edge, else
    /// (along failure links) the first state with one, or a cached
    /// transition of a failure state.
    fn next_state(&self, cache: &Cache, mut s: u32, byte: u8) -> u32 {
        let class = self.classes[usize::from(byte)];
        loop {
            if s == ROOT {
                return self.root[usize::from(class)];
            }
            let c = child(&self.first_child, &self.sibling, &self.label, s, class);
            if c != NONE {
                return c;
            }
            s = self.fail[s as usize];
            let row = cache.rows[s as usize] as usize;
            let entry = if row == 0 { UNKNOWN } else { cache.table[row + usize::from(class)] };
            if entry != UNKNOWN {
                return cache.table[(entry & !MATCH) as usize + self.state_at()];
            }
        }
    }

    /// The row of trie state `s`, made (clearing a full cache first) when it
    /// has none. Inlined into [`Self::fill`], its one hot caller.
    #[inline(always)]
    fn row(&self, cache: &mut Cache, s: u32) -> u32 {
        let row = cache.rows[s as usize];
        if row != 0 {
            return row;
        }
        // `init` gave the table the cache's whole capacity.
        if cache.table.len() + cache.row_len > cache.table.capacity() {
            self.clear(cache);
            if s == ROOT {
                return cache.start;
            }
        }
        let row = cache.table.len();
        cache.table.grow_zeroed(row + cache.row_len);
        cache.table[row + self.state_at()] = s;
        if let Some(&(a, b)) = self.match_ranges.get(self.out[s as usize] as usize) {
            cache.table[row + self.matches_at()] = a;
            cache.table[row + self.matches_at() + 1] = b;
        }
        cache.rows[s as usize] = row as u32;
        row as u32
    }

    /// Drops every row but the placeholder row 0, then makes the start row.
    #[cold]
    fn clear(&self, cache: &mut Cache) {
        for row in cache.table.chunks_exact(cache.row_len).skip(1) {
            cache.rows[row[self.state_at()] as usize] = 0;
        }
        cache.table.truncate(cache.row_len);
        cache.clears += 1;
        cache.start = self.row(cache, ROOT);
    }
}

/// Walks `table` over `haystack[at..]` from row `sid` while transitions are
/// known and lead to states without matches. Returns the position of the
/// first byte whose transition is special (or `haystack.len()`), the row
/// before it, and that byte's entry.
#[inline(always)]
fn run(table: &[u32], classes: &[u8; 256], haystack: &[u8], at: usize, mut sid: usize) -> (usize, usize, u32) {
    // SAFETY: `sid` is the offset of a row present in `table` (the start row,
    // a non-special entry, or what `fill` returned; see the invariant on
    // `Cache`) and a row has an entry for every class (every class is below
    // the automaton's class count, which `PhraseDfa::new` makes so and the
    // snapshot decoder checks), so `sid + class` is in bounds.
    let step = |sid: usize, byte: u8| unsafe {
        let class = usize::from(classes[usize::from(byte)]);
        debug_assert!(sid + class < table.len());
        *table.get_unchecked(sid + class)
    };
    let offset = |chunk: &[u8]| chunk.as_ptr() as usize - haystack.as_ptr() as usize;
    // Four bytes a round, so the loop itself costs under a byte's lookup.
    let mut chunks = haystack[at..].chunks_exact(4);
    for c in chunks.by_ref() {
        let n0 = step(sid, c[0]);
        if (n0 as i32) <= 0 {
            return (offset(c), sid, n0);
        }
        let n1 = step(n0 as usize, c[1]);
        if (n1 as i32) <= 0 {
            return (offset(c) + 1, n0 as usize, n1);
        }
        let n2 = step(n1 as usize, c[2]);
        if (n2 as i32) <= 0 {
            return (offset(c) + 2, n1 as usize, n2);
        }
        let n3 = step(n2 as usize, c[3]);
        if (n3 as i32) <= 0 {
            return (offset(c) + 3, n2 as usize, n3);
        }
        sid = n3 as usize;
    }
    let rest = chunks.remainder();
    for (k, &byte) in rest.iter().enumerate() {
        let next = step(sid, byte);
        if (next as i32) <= 0 {
            return (offset(rest) + k, sid, next);
        }
        sid = next as usize;
    }
    (haystack.len(), sid, UNKNOWN)
}

/// The child of trie state `s` (not the root) on `class`, or `NONE`.
#[inline]
fn child(first_child: &[u32], sibling: &[u32], label: &[u8], s: u32, class: u8) -> u32 {
    let mut c = first_child[s as usize];
    while c != NONE && label[c as usize] != class {
        c = sibling[c as usize];
    }
    c
}

/// The lazily filled transition table of one [`PhraseDfa`], reused across
/// walks (one per thread). It resets itself when used with another automaton
/// and clears itself when it would grow beyond its capacity.
///
/// Invariant (what makes the walk's unchecked read sound): `table` holds
/// whole rows of `row_len` entries (one per class of the automaton filled
/// for, then the row's trie state and match range), row 0 being a
/// placeholder; every entry
/// other than `UNKNOWN`, and `start`, is the offset of a row present in
/// `table`. Rows are only removed all at once (`clear`, `init`), which also
/// removes every entry pointing to them.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// The automaton filled for (0: none).
    dfa: u64,
    table: Table,
    /// Per trie state: its row offset, 0 for none.
    rows: Vec<u32>,
    /// Row offset of the root.
    start: u32,
    /// Entries in a row of `table`.
    row_len: usize,
    /// How many times the cache was cleared for lack of room.
    clears: u64,
    /// Capacity of `table` in bytes; 0 for the default.
    capacity: usize,
}

impl Cache {
    /// An empty cache whose table holds at most `bytes` (at least three
    /// rows, whatever `bytes`).
    #[cfg(test)]
    fn with_capacity(bytes: usize) -> Cache {
        Cache { capacity: bytes.max(1), ..Cache::default() }
    }

    fn capacity_entries(&self) -> usize {
        let bytes = if self.capacity == 0 { CACHE_BYTES } else { self.capacity };
        (bytes / 4).max(3 * self.row_len)
    }
}

mod snapshot;
mod table;

use table::Table;

#[cfg(test)]
mod tests;
