//! Writing a `/classify` answer: the records of `rebound classify --format
//! json`, made by its own writer ([`json_record`]), one object for `text`
//! and a list for `texts` and emails.

use super::error::ApiError;
use super::input::{self, Encoding, Input};
use super::metrics::Metrics;
use crate::cli::output::{json_record, Context};
use crate::{Classification, Engine, Hints};

/// What an email answer's `file` says: the request body, as `-` names stdin
/// for `rebound classify`.
const BODY: &str = "-";

/// Parses `body`, classifies it with `engine` and writes the answer,
/// counting every record in `metrics`.
pub(crate) fn answer(engine: &Engine, encoding: Encoding, body: &[u8], metrics: &Metrics) -> Result<Vec<u8>, ApiError> {
    let profile = engine.profile().map_or("", |p| p.name.as_str());
    let mut out = Vec::with_capacity(512);
    let record = |out: &mut Vec<u8>, ctx: &Context<'_>, text: &[u8], c: &Classification<'_>| {
        metrics.count_answer(profile, c.category, c.kind);
        json_record(out, ctx, text, c);
    };
    match encoding {
        Encoding::Json => match input::parse_json(body)? {
            Input::One(text) => {
                let c = engine.classify_bytes(text.as_bytes(), Hints::default());
                record(&mut out, &Context::default(), text.as_bytes(), &c);
            }
            Input::Many(texts) => list(&mut out, &texts, |out, text| {
                let c = engine.classify_bytes(text.as_bytes(), Hints::default());
                record(out, &Context::default(), text.as_bytes(), &c);
            }),
        },
        Encoding::Email => {
            let report = engine.extract(body);
            list(&mut out, &engine.answers(&report), |out, a| {
                record(
                    out,
                    &Context::of_answer(engine, BODY, None, &report, a),
                    a.bounce.diagnostic.as_bytes(),
                    &a.classification,
                );
            });
        }
    }
    Ok(out)
}

/// Writes `[a,b,...]` and a newline, one record per item.
fn list<T>(out: &mut Vec<u8>, items: &[T], mut write: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item);
        // Every record ends with a newline; inside a list it goes.
        if out.last() == Some(&b'\n') {
            out.pop();
        }
    }
    out.extend_from_slice(b"]\n");
}
