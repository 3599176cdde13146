//! The headers of the message a bounce returns, located in the bytes they
//! were read from (borrowed, not copied); addresses are read from them
//! only when asked for, but for the `From` every reader wants.

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;
use mail_parser::HeaderValue;

use super::super::address;
use super::super::mime::{self, Header};
use super::sole::{named_address, sole_address};
use super::text::unfold_value;

/// Headers of the message the bounce returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Original<'a> {
    /// Address of its last `From` header.
    pub from: Option<String>,
    /// The bytes its headers are located in.
    data: Cow<'a, [u8]>,
    /// Its headers, in order; values are unfolded only when asked for.
    headers: Vec<Header>,
}

impl<'a> Original<'a> {
    /// The message whose headers are `headers`, located in `data`.
    pub(super) fn new(data: Cow<'a, [u8]>, headers: Vec<Header>) -> Original<'a> {
        let from = headers.iter().rev().find(|h| mime::is_named(&data, h, "from"));
        let from = addresses(&data, from).into_iter().next();
        Original { from, data, headers }
    }

    /// The headers of the message at the start of `data` (none when it has
    /// no header block).
    pub(super) fn at_start_of(data: Cow<'a, [u8]>) -> Original<'a> {
        match mime::header_block(&data) {
            Some(headers) => Original::new(data, headers),
            None => Original::default(),
        }
    }

    /// Addresses of its last `To` header.
    pub fn to(&self) -> Vec<String> {
        addresses(&self.data, self.headers.iter().rev().find(|h| mime::is_named(&self.data, h, "to")))
    }

    /// The first address in its first header called `name` (lowercase).
    pub fn first_address(&self, name: &str) -> Option<String> {
        let h = self.headers.iter().find(|h| mime::is_named(&self.data, h, name))?;
        self.first_address_of(h)
    }

    /// The first address in each of its headers called `name` (lowercase),
    /// in order.
    pub fn addresses_in<'s>(&'s self, name: &'s str) -> impl Iterator<Item = String> + 's {
        self.headers
            .iter()
            .filter(move |h| mime::is_named(&self.data, h, name))
            .filter_map(|h| self.first_address_of(h))
    }

    /// The first address in header `h`'s value.
    fn first_address_of(&self, h: &Header) -> Option<String> {
        let value = unfold_value(self.data.get(h.value.clone()).unwrap_or_default(), h.folded);
        // One plain address (the usual case): what the pattern would find.
        match sole_address(&value) {
            Some(a) => address::clean(a),
            None => address::first(&value),
        }
    }
}

/// The addresses of header `h` (none without one) of a message located in
/// `data`, as `mail-parser` reads an address list.
fn addresses(data: &[u8], h: Option<&Header>) -> Vec<String> {
    let Some(h) = h else { return Vec::new() };
    // One plain address (the usual case) is read without mail-parser.
    let value = unfold_value(data.get(h.value.clone()).unwrap_or_default(), h.folded);
    if let Some(a) = sole_address(&value).or_else(|| named_address(&value)) {
        return address::clean(a).into_iter().collect();
    }
    match MessageStream::new(data.get(h.value.start..).unwrap_or_default()).parse_address() {
        HeaderValue::Address(a) => a.iter().filter_map(|x| x.address.as_deref().and_then(address::clean)).collect(),
        _ => Vec::new(),
    }
}
