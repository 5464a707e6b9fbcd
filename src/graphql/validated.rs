//! Queries that passed validation, by the exact bytes of their request.
//!
//! async-graphql validates the whole document against the schema on every
//! request (some two dozen rules, two passes over the document); skipping
//! the rules saves about an eighth of the instructions of `{ me { id } }`
//! and of a dashboard (docs/DECISIONS.md). The rules read the request's
//! variables (an argument given by a variable is checked against the
//! argument's type), so a document alone cannot be marked valid; the whole
//! request can. Validation depends
//! only on the schema, the document, the operation name and the variables,
//! and a POST body holds all of them, so a body that passed once passes
//! again: such a request runs on a schema that skips the rules and keeps
//! only what execution needs from that pass (the complexity, checked
//! against the same limit, and the fragment-cycle check).
//!
//! Only queries are kept: clients reload the same view with the same
//! variables, while a mutation's variables are new data each time. Only
//! requests that were answered without any error are kept, so a request
//! that failed validation, or whose success cannot be told, is validated
//! in full every time. Bounded in count and in the size of each body.

use std::{
    num::NonZeroUsize,
    sync::{Mutex, MutexGuard},
};

use async_graphql::{Response, parser::types::OperationType};
use axum::body::Bytes;
use lru::LruCache;
use metrics::Counter;

/// Request bodies kept.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(128).expect("not zero");
/// Longer bodies are validated in full each time and not kept.
const MAX_KEPT_LENGTH: usize = 8 * 1024;

pub struct ValidatedQueries {
    cache: Mutex<LruCache<Bytes, ()>>,
    /// Handles made once: a `counter!` names its series anew on every call.
    skipped: Counter,
    run: Counter,
}

/// What a request's validation will be: none, because these bytes passed
/// it before, or in full.
pub enum Validation {
    Passed,
    /// `remember`: the body, when it may be kept if it passes.
    Full {
        remember: Option<Bytes>,
    },
}

impl Validation {
    /// For requests that are never kept (GET, WebSocket).
    pub const FULL: Self = Self::Full { remember: None };

    pub fn has_passed(&self) -> bool {
        matches!(self, Self::Passed)
    }
}

impl Default for ValidatedQueries {
    fn default() -> Self {
        let series = "uliga_graphql_validations_total";
        Self {
            cache: Mutex::new(LruCache::new(CAPACITY)),
            skipped: metrics::counter!(series, "validation" => "skipped"),
            run: metrics::counter!(series, "validation" => "run"),
        }
    }
}

impl ValidatedQueries {
    /// Looks up a POST request's body, and counts it in
    /// `uliga_graphql_validations_total` as `skipped` or `run`.
    pub fn look_up(&self, body: &Bytes) -> Validation {
        if self.lock().get(body.as_ref()).is_some() {
            self.skipped.increment(1);
            return Validation::Passed;
        }
        self.run.increment(1);
        Validation::Full {
            remember: (body.len() <= MAX_KEPT_LENGTH).then(|| body.clone()),
        }
    }

    /// Keeps the body of a query that was validated in full and answered
    /// without any error (so it passed validation). The copy holds only the
    /// body, not the buffer it may have been read into.
    pub fn remember_if_valid(
        &self,
        validation: &Validation,
        ty: Option<OperationType>,
        response: &Response,
    ) {
        if let Validation::Full {
            remember: Some(body),
        } = validation
            && ty == Some(OperationType::Query)
            && response.errors.is_empty()
        {
            self.lock().put(Bytes::copy_from_slice(body), ());
        }
    }

    pub fn is_kept(&self, body: &[u8]) -> bool {
        self.lock().contains(body)
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<Bytes, ()>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{ServerError, Value};

    use super::*;

    fn body(text: &str) -> Bytes {
        Bytes::copy_from_slice(text.as_bytes())
    }

    fn answered() -> Response {
        Response::new(Value::Null)
    }

    fn remember_query(validated: &ValidatedQueries, validation: &Validation) {
        validated.remember_if_valid(validation, Some(OperationType::Query), &answered());
    }

    #[test]
    fn a_body_is_skipped_only_after_it_was_remembered() {
        let validated = ValidatedQueries::default();
        let first = body(r#"{"query":"{ me { id } }"}"#);
        let validation = validated.look_up(&first);
        assert!(!validation.has_passed());
        assert!(!validated.look_up(&first).has_passed());
        remember_query(&validated, &validation);
        assert!(validated.look_up(&first).has_passed());
        let other_variables = body(r#"{"query":"{ me { id } }","variables":{}}"#);
        assert!(!validated.look_up(&other_variables).has_passed());
    }

    #[test]
    fn only_queries_answered_without_errors_are_remembered() {
        let validated = ValidatedQueries::default();
        let request = body(r#"{"query":"{ me { nope } }"}"#);
        let validation = validated.look_up(&request);
        let failed = Response::from_errors(vec![ServerError::new("Unknown field", None)]);
        validated.remember_if_valid(&validation, Some(OperationType::Query), &failed);
        validated.remember_if_valid(&validation, Some(OperationType::Mutation), &answered());
        validated.remember_if_valid(&validation, None, &answered());
        assert!(!validated.is_kept(&request));
        remember_query(&validated, &validation);
        assert!(validated.is_kept(&request));
    }

    #[test]
    fn long_bodies_and_requests_from_other_transports_are_not_kept() {
        let validated = ValidatedQueries::default();
        let long = body(&format!(
            r#"{{"query":"{{ me {{ id }} }}{}"}}"#,
            " ".repeat(MAX_KEPT_LENGTH)
        ));
        let validation = validated.look_up(&long);
        remember_query(&validated, &validation);
        remember_query(&validated, &Validation::FULL);
        remember_query(&validated, &Validation::Passed);
        assert_eq!(validated.lock().len(), 0);
        assert!(!validated.look_up(&long).has_passed());
    }

    #[test]
    fn it_keeps_at_most_its_capacity_and_forgets_the_least_recent() {
        let validated = ValidatedQueries::default();
        let bodies: Vec<Bytes> = (0..CAPACITY.get() + 1)
            .map(|n| body(&format!(r#"{{"query":"{{ a{n}: me {{ id }} }}"}}"#)))
            .collect();
        for body in &bodies {
            let validation = validated.look_up(body);
            remember_query(&validated, &validation);
        }
        assert_eq!(validated.lock().len(), CAPACITY.get());
        assert!(!validated.is_kept(&bodies[0]));
        assert!(validated.is_kept(&bodies[CAPACITY.get()]));
    }
}
