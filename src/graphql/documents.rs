//! Parsed documents, by their text. Clients send the same few operations
//! again and again, their values in variables; parsing a dashboard's
//! document took about a tenth of its request's CPU time, and copying a
//! parsed one costs a fraction of that.
//!
//! Bounded in count, and in the size of each document it keeps (its text,
//! and its selections: a parsed selection takes some hundred bytes, so a
//! short text of many fields would otherwise pin megabytes), so that a stream
//! of distinct or bulky documents costs only their parsing, as without the
//! cache. The limits and validation run on every request, kept document or
//! not, unless the whole request is known to pass both (`validated`).

use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use async_graphql::{Request, parser::types::ExecutableDocument};
use lru::LruCache;

use crate::graphql::limits::count_written;

/// Documents kept.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(128).expect("not zero");
/// Longer documents are parsed each time and not kept.
const MAX_KEPT_LENGTH: usize = 8 * 1024;
/// Documents with more selections (fields, fragment spreads, inline
/// fragments, counted where they are written) are parsed each time and not
/// kept. A dashboard has about 40.
const MAX_KEPT_SELECTIONS: usize = 400;

pub struct ParsedDocuments {
    cache: Mutex<LruCache<Box<str>, Arc<ExecutableDocument>>>,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self {
            cache: Mutex::new(LruCache::new(CAPACITY)),
        }
    }
}

impl ParsedDocuments {
    /// Gives `request` its parsed document: a copy of the kept one, else
    /// parsed now (and kept). A document that does not parse is left as it
    /// is; execution reports its syntax error.
    pub fn prepare(&self, request: &mut Request) {
        let kept = self.lock().get(request.query.as_str()).cloned();
        if let Some(document) = kept {
            request.set_parsed_query(ExecutableDocument::clone(&document));
            return;
        }
        let keep = request.query.len() <= MAX_KEPT_LENGTH;
        let text: Box<str> = if keep {
            request.query.as_str().into()
        } else {
            Box::default()
        };
        let Ok(document) = request.parsed_query() else {
            return;
        };
        if keep && count_written(document, |_| true) <= MAX_KEPT_SELECTIONS {
            let document = Arc::new(document.clone());
            self.lock().put(text, document);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Arc<ExecutableDocument>>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation_names(request: &mut Request) -> Vec<String> {
        let mut names: Vec<String> = request
            .parsed_query()
            .unwrap()
            .operations
            .iter()
            .map(|(name, _)| name.map(|n| n.to_string()).unwrap_or_default())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_kept_document_is_the_same_as_a_fresh_parse() {
        let documents = ParsedDocuments::default();
        let text = "query One { me { id } } query Two { me { nickName } }";
        let mut first = Request::new(text);
        documents.prepare(&mut first);
        let mut second = Request::new(text);
        documents.prepare(&mut second);
        assert_eq!(documents.lock().len(), 1);
        assert_eq!(operation_names(&mut second), vec!["One", "Two"]);
        assert_eq!(operation_names(&mut first), operation_names(&mut second));
    }

    #[test]
    fn documents_that_do_not_parse_or_are_long_are_not_kept() {
        let documents = ParsedDocuments::default();
        let mut broken = Request::new("{ me { id }");
        documents.prepare(&mut broken);
        assert!(broken.parsed_query().is_err());
        let long = format!("{{ me {{ id }} }}{}", " ".repeat(MAX_KEPT_LENGTH));
        let mut request = Request::new(long);
        documents.prepare(&mut request);
        assert!(request.parsed_query().is_ok());
        assert_eq!(documents.lock().len(), 0);
    }

    #[test]
    fn a_short_document_of_many_fields_is_not_kept() {
        let documents = ParsedDocuments::default();
        let many = format!("{{ me {{ {} }} }}", "id ".repeat(MAX_KEPT_SELECTIONS));
        assert!(many.len() <= MAX_KEPT_LENGTH);
        let mut request = Request::new(many);
        documents.prepare(&mut request);
        assert!(request.parsed_query().is_ok());
        assert_eq!(documents.lock().len(), 0);
        let mut fewer = Request::new(format!("{{ me {{ {} }} }}", "id ".repeat(10)));
        documents.prepare(&mut fewer);
        assert_eq!(documents.lock().len(), 1);
    }

    #[test]
    fn it_keeps_at_most_its_capacity() {
        let documents = ParsedDocuments::default();
        for n in 0..CAPACITY.get() + 10 {
            documents.prepare(&mut Request::new(format!("{{ a{n}: me {{ id }} }}")));
        }
        assert_eq!(documents.lock().len(), CAPACITY.get());
    }
}
