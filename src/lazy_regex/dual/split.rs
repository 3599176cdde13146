//! The ASCII form of a pattern whose character classes name characters
//! beyond ASCII: `[*•]` read as `(?:[*]|•)`.
//!
//! Parsed for ASCII texts (ASCII classes, byte regexes), a bracketed class
//! is a set of bytes, so `regex-syntax` refuses one with a member such as
//! `•` (three bytes in UTF-8), and the whole pattern went without an ASCII
//! form: every line was searched with its Unicode regex. Such a member
//! matches exactly the bytes of its character, as a literal outside the
//! class does, so the class is the alternation of its ASCII members (still
//! a class) and those characters, in a group without a capture: the same
//! texts match, with the same bounds (the alternatives of a class each take
//! one whole character, and no character's UTF-8 bytes start another's, so
//! their order decides nothing).
//!
//! Only a class that is not negated, whose members beyond ASCII are single
//! characters (not ranges, nested classes or set operations), is read so;
//! the others still have no ASCII form. Neither is a pattern with such a
//! member that case folding ties to an ASCII letter (the long `ſ`, the
//! Kelvin sign): its Unicode regex matches `s` or `k` where the literal
//! would not.

use regex_syntax::ast::{self, Ast, ClassSet, ClassSetItem, GroupKind};
use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange, Hir};

/// `pattern` parsed with ASCII classes and case folding, with the members
/// beyond ASCII of its classes read as alternatives (see the module
/// documentation); `None` when it has no such member, or does not parse so.
pub(super) fn parse_split(pattern: &str, case_insensitive: bool) -> Option<Hir> {
    // The settings `regex_syntax::ParserBuilder` gives the parser it builds.
    let mut ast = ast::parse::ParserBuilder::new().build().parse(pattern).ok()?;
    let mut split = false;
    if !rewrite(&mut ast, &mut split) || !split {
        return None;
    }
    regex_syntax::hir::translate::TranslatorBuilder::new()
        .case_insensitive(case_insensitive)
        .unicode(false)
        .utf8(false)
        .build()
        .translate(pattern, &ast)
        .ok()
}

/// Rewrites every class of `ast` with members to split (see
/// [`split_class`]), setting `split` when one was; `false` when a member
/// folds to an ASCII letter (the pattern then has no ASCII form).
fn rewrite(ast: &mut Ast, split: &mut bool) -> bool {
    match ast {
        Ast::ClassBracketed(c) => match split_class(c) {
            Err(()) => false,
            Ok(None) => true,
            Ok(Some(alternatives)) => {
                *ast = alternatives;
                *split = true;
                true
            }
        },
        Ast::Repetition(r) => rewrite(&mut r.ast, split),
        Ast::Group(g) => rewrite(&mut g.ast, split),
        Ast::Alternation(a) => a.asts.iter_mut().all(|a| rewrite(a, split)),
        Ast::Concat(c) => c.asts.iter_mut().all(|a| rewrite(a, split)),
        Ast::Empty(_)
        | Ast::Flags(_)
        | Ast::Literal(_)
        | Ast::Dot(_)
        | Ast::Assertion(_)
        | Ast::ClassUnicode(_)
        | Ast::ClassPerl(_) => true,
    }
}

/// Whether a class member is a character a byte class cannot hold: beyond
/// ASCII, and not written as a byte (`\xE9`).
fn beyond_ascii(lit: &ast::Literal) -> bool {
    !lit.c.is_ascii() && lit.byte().is_none()
}

/// Whether case folding ties `c` to an ASCII character (`ſ` to `s`).
fn folds_to_ascii(c: char) -> bool {
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    // Without the case tables (never, in this build) assume it does.
    class.try_case_fold_simple().is_err() || class.ranges().iter().any(|r| r.start().is_ascii())
}

/// A class that is not negated, with members beyond ASCII that are single
/// characters, as a group of alternatives: a class of its other members,
/// if any, then each such character as a literal. `Ok(None)` for a class
/// left as it is; `Err` for one with a member that folds to ASCII.
fn split_class(class: &ast::ClassBracketed) -> Result<Option<Ast>, ()> {
    if class.negated {
        return Ok(None);
    }
    let (span, items): (ast::Span, &[ClassSetItem]) = match &class.kind {
        ClassSet::Item(ClassSetItem::Union(u)) => (u.span, &u.items),
        ClassSet::Item(item @ ClassSetItem::Literal(_)) => (*item.span(), std::slice::from_ref(item)),
        _ => return Ok(None),
    };
    let (wide, narrow): (Vec<&ClassSetItem>, Vec<&ClassSetItem>) =
        items.iter().partition(|i| matches!(i, ClassSetItem::Literal(l) if beyond_ascii(l)));
    if wide.is_empty() {
        return Ok(None);
    }
    let mut asts = Vec::with_capacity(wide.len() + 1);
    if !narrow.is_empty() {
        let items = narrow.into_iter().cloned().collect();
        let kind = ClassSet::union(ast::ClassSetUnion { span, items });
        asts.push(Ast::class_bracketed(ast::ClassBracketed { span: class.span, negated: false, kind }));
    }
    for item in wide {
        let ClassSetItem::Literal(lit) = item else { continue };
        if folds_to_ascii(lit.c) {
            return Err(());
        }
        asts.push(Ast::literal(lit.clone()));
    }
    let span = class.span;
    let inner = match asts.len() {
        1 => asts.pop().unwrap_or_else(|| Ast::empty(span)),
        _ => Ast::alternation(ast::Alternation { span, asts }),
    };
    let kind = GroupKind::NonCapturing(ast::Flags { span, items: Vec::new() });
    Ok(Some(Ast::group(ast::Group { span, kind, ast: Box::new(inner) })))
}

#[cfg(test)]
mod tests;
