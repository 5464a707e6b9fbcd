//! The schema: the domains' roots merged. The transports apply the document
//! limits (`limits`) before anything executes, and map errors (`errors`) on
//! the way out.

pub mod context;
pub mod documents;
pub mod errors;
pub mod limits;
pub mod scalars;
pub mod validated;

use async_graphql::{MergedObject, Schema, ValidationMode};

use crate::{
    app::Services,
    auth::{
        reset::ResetMutation,
        signin::SignInMutation,
        signup::{SignUpMutation, SignUpQuery},
        social::SocialMutation,
    },
    budget::resolvers::BudgetMutation,
    category::resolvers::CategoryMutation,
    entry::{mutations::EntryMutation, views::EntryQueryRoot},
    invitation::resolvers::InvitationMutation,
    ledger::{mutations::LedgerMutation, resolvers::LedgerQuery},
    member::resolvers::{MeQuery, ProfileMutation},
    notification::views::NotificationMutation,
    notify::subscriptions::SubscriptionRoot,
    schedule::{mutations::ScheduleMutation, resolvers::ScheduleQuery},
};

#[derive(MergedObject, Default)]
pub struct Query(
    MeQuery,
    SignUpQuery,
    LedgerQuery,
    EntryQueryRoot,
    ScheduleQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    SignUpMutation,
    SignInMutation,
    SocialMutation,
    ResetMutation,
    ProfileMutation,
    LedgerMutation,
    InvitationMutation,
    CategoryMutation,
    EntryMutation,
    BudgetMutation,
    NotificationMutation,
    ScheduleMutation,
);

pub type UligaSchema = Schema<Query, Mutation, SubscriptionRoot>;

/// The schema. `Strict` runs all of async-graphql's validation rules;
/// `Fast` skips them (it still checks fragment cycles and uploads, and
/// computes the complexity under the same limit), for requests known to pass
/// them (`validated`). The two builds must differ in nothing else: a body
/// that passed on one is run on the other.
pub fn build_schema(services: Services, validation: ValidationMode) -> UligaSchema {
    let api = services.config.api.clone();
    let mut builder = Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
        .limit_complexity(api.max_complexity)
        .validation_mode(validation)
        .data(services);
    if !api.introspection {
        builder = builder.disable_introspection();
    }
    if !api.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL that `schema.graphql` holds; a test keeps the file current.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
        .finish()
        .sdl()
}
