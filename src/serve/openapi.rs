//! The OpenAPI 3.1 document of the API, served at `GET /openapi.json`.
//!
//! It is written by hand (`openapi.json` next to this file) and kept true by
//! `tests/serve.rs`, which validates every real response of the server
//! against the schema the document gives for it.

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

#[cfg(test)]
mod tests {
    #[test]
    fn is_json_for_this_version_with_every_route() {
        let doc: serde_json::Value = serde_json::from_str(super::DOCUMENT).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        for route in &super::super::metrics::ROUTES[..4] {
            assert!(doc["paths"].get(*route).is_some(), "{route} is not documented");
        }
    }
}
