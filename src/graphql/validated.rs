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
//! again: such a request runs on a schema that skips the rules
//! (`ValidationMode::Fast`, which still checks fragment cycles and uploads,
//! and still computes the complexity, under the same limit, the depth and
//! the cache control). This holds while validation stays a function of the
//! schema and the body alone, and while the two builds of the schema differ
//! only in their validation mode (`graphql::build_schema`). For the same
//! reason such a request skips the service's own document limits
//! (`graphql::limits`): the limits are fixed for the process, and the body
//! met them when it was answered without error.
//!
//! Only queries are kept: clients reload the same view with the same
//! variables, while a mutation's variables are new data each time. Only
//! requests that were answered without any error are kept, so a request
//! that failed validation, or whose success cannot be told, is validated
//! in full every time. Bounded in count and in the size of each body. The
//! kept bodies hold their variables (an email address, say) in memory only.

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

/// What a request's validation will be: skipped, because these bytes
/// passed it before, or run in full.
pub enum Validation {
    Skip,
    /// `remember`: the body, when it may be kept if it passes.
    Run {
        remember: Option<Bytes>,
    },
}

impl Validation {
    /// Run in full, and never kept (GET requests).
    pub const RUN_NOT_KEPT: Self = Self::Run { remember: None };

    /// Whether the request is checked against the service's document
    /// limits (`graphql::limits`). A kept body is not: it was answered
    /// without error, so it met them, and they are fixed for the process.
    pub fn checks_document_limits(&self) -> bool {
        matches!(self, Self::Run { .. })
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
    /// Looks up a POST request's body. A body too long to be kept is not
    /// even hashed.
    pub fn look_up(&self, body: &Bytes) -> Validation {
        if body.len() > MAX_KEPT_LENGTH {
            return Validation::RUN_NOT_KEPT;
        }
        if self.lock().get(body.as_ref()).is_some() {
            return Validation::Skip;
        }
        Validation::Run {
            remember: Some(body.clone()),
        }
    }

    /// Of the two builds of a schema, the one to run a request on: `fast`
    /// (in `ValidationMode::Fast`) when its validation is skipped. Counts
    /// the choice in `uliga_graphql_validations_total`.
    pub fn schema_for<'a, S>(&self, validation: &Validation, strict: &'a S, fast: &'a S) -> &'a S {
        match validation {
            Validation::Skip => {
                self.skipped.increment(1);
                fast
            }
            Validation::Run { .. } => {
                self.run.increment(1);
                strict
            }
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
        if let Validation::Run {
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

    /// A body of exactly `length` bytes.
    fn body_of_length(length: usize) -> Bytes {
        let start = r#"{"query":"{ me { id } }"#;
        let end = r#""}"#;
        body(&format!(
            "{start}{}{end}",
            " ".repeat(length - start.len() - end.len())
        ))
    }

    fn answered() -> Response {
        Response::new(Value::Null)
    }

    fn remember_query(validated: &ValidatedQueries, validation: &Validation) {
        validated.remember_if_valid(validation, Some(OperationType::Query), &answered());
    }

    fn skips(validation: &Validation) -> bool {
        matches!(validation, Validation::Skip)
    }

    #[test]
    fn a_body_is_skipped_only_after_it_was_remembered() {
        let validated = ValidatedQueries::default();
        let first = body(r#"{"query":"{ me { id } }"}"#);
        let validation = validated.look_up(&first);
        assert!(!skips(&validation));
        assert!(!skips(&validated.look_up(&first)));
        remember_query(&validated, &validation);
        assert!(skips(&validated.look_up(&first)));
        let other_variables = body(r#"{"query":"{ me { id } }","variables":{}}"#);
        assert!(!skips(&validated.look_up(&other_variables)));
    }

    #[test]
    fn the_schema_chosen_is_the_fast_one_only_when_validation_is_skipped() {
        let validated = ValidatedQueries::default();
        let (strict, fast) = ("strict", "fast");
        assert_eq!(
            validated.schema_for(&Validation::Skip, &strict, &fast),
            &fast
        );
        assert_eq!(
            validated.schema_for(&Validation::RUN_NOT_KEPT, &strict, &fast),
            &strict
        );
        let kept = Validation::Run {
            remember: Some(body("{}")),
        };
        assert_eq!(validated.schema_for(&kept, &strict, &fast), &strict);
    }

    #[test]
    fn only_a_body_run_in_full_is_checked_against_the_document_limits() {
        assert!(!Validation::Skip.checks_document_limits());
        assert!(Validation::RUN_NOT_KEPT.checks_document_limits());
        let kept = Validation::Run {
            remember: Some(body("{}")),
        };
        assert!(kept.checks_document_limits());
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
    fn bodies_up_to_the_length_limit_are_kept_and_longer_ones_not() {
        let validated = ValidatedQueries::default();
        let longest = body_of_length(MAX_KEPT_LENGTH);
        let too_long = body_of_length(MAX_KEPT_LENGTH + 1);
        for request in [&longest, &too_long] {
            let validation = validated.look_up(request);
            remember_query(&validated, &validation);
        }
        assert!(skips(&validated.look_up(&longest)));
        assert!(!skips(&validated.look_up(&too_long)));
        remember_query(&validated, &Validation::RUN_NOT_KEPT);
        remember_query(&validated, &Validation::Skip);
        assert_eq!(validated.lock().len(), 1);
    }

    #[test]
    fn it_keeps_at_most_its_capacity_and_forgets_the_least_recently_used() {
        let validated = ValidatedQueries::default();
        let bodies: Vec<Bytes> = (0..=CAPACITY.get())
            .map(|n| body(&format!(r#"{{"query":"{{ a{n}: me {{ id }} }}"}}"#)))
            .collect();
        let (first, second) = (&bodies[0], &bodies[1]);
        for (n, request) in bodies.iter().enumerate() {
            if n == CAPACITY.get() {
                // Used again just before the cache is full: kept over the second.
                assert!(skips(&validated.look_up(first)));
            }
            let validation = validated.look_up(request);
            remember_query(&validated, &validation);
        }
        assert_eq!(validated.lock().len(), CAPACITY.get());
        assert!(validated.is_kept(first));
        assert!(!validated.is_kept(second));
        assert!(validated.is_kept(&bodies[CAPACITY.get()]));
    }
}
