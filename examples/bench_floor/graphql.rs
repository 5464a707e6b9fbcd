//! The GraphQL references: async-graphql alone, with nothing of the
//! service around it. The service's own answer to a document is read into
//! the types that document selects (with the service's scalars and enum)
//! and served from memory, so that a request costs what async-graphql costs
//! for that document and answer: reading the JSON body, the kept parse
//! (`ParsedDocuments`, as the service keeps it), validation (skipped, as in
//! the service, for a body that passed it before: `ValidatedQueries`),
//! resolving and writing the JSON. No authentication, Redis, SQL or limits.

use std::sync::Arc;

use anyhow::{Context, bail};
use async_graphql::{
    EmptyMutation, EmptySubscription, ID, InputObject, InputType, Object, ObjectType, Request,
    Schema, SimpleObject, ValidationMode, parser::types::OperationType,
};
use axum::{
    Router,
    body::Bytes,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::post,
};
use serde::{Deserialize, Deserializer, de::DeserializeOwned, de::Error as _};
use uliga::{
    entry::kind::EntryType,
    graphql::{
        documents::ParsedDocuments,
        scalars::{Date, DateTime, Money},
        validated::ValidatedQueries,
    },
};

/// Serves `answer` (the service's JSON answer, `{"data": …}`) for the
/// schema named `schema`: `me` (the trivial query) or `dashboard`.
pub async fn serve(listen: &str, schema: &str, answer: &str) -> anyhow::Result<()> {
    match schema {
        "me" => run::<MeData>(listen, answer).await,
        "dashboard" => run::<LedgerData>(listen, answer).await,
        other => bail!("unknown schema {other}: me or dashboard"),
    }
}

/// A schema whose root holds `answer`'s data, validating as `validation`
/// says (the service builds its schema both ways too).
fn schema_of<Q: ObjectType + DeserializeOwned + 'static>(
    answer: &str,
    validation: ValidationMode,
) -> anyhow::Result<Schema<Q, EmptyMutation, EmptySubscription>> {
    let Answer { data } = serde_json::from_str::<Answer<Q>>(answer)
        .context("the answer given is not the service's JSON answer to that document")?;
    Ok(Schema::build(data, EmptyMutation, EmptySubscription)
        .validation_mode(validation)
        .finish())
}

async fn run<Q: ObjectType + DeserializeOwned + 'static>(
    listen: &str,
    answer: &str,
) -> anyhow::Result<()> {
    let strict = schema_of::<Q>(answer, ValidationMode::Strict)?;
    let without_rules = schema_of::<Q>(answer, ValidationMode::Fast)?;
    let documents = Arc::new(ParsedDocuments::default());
    let validated = Arc::new(ValidatedQueries::default());
    let app = Router::new().route(
        "/graphql",
        post(move |body: Bytes| async move {
            let validation = validated.look_up(&body);
            let Ok(mut request) = serde_json::from_slice::<Request>(&body) else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            documents.prepare(&mut request);
            let schema = validated.schema_for(&validation, &strict, &without_rules);
            let response = schema.execute(request).await;
            // Only queries are served here.
            validated.remember_if_valid(&validation, Some(OperationType::Query), &response);
            match serde_json::to_vec(&response) {
                Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }),
    );
    crate::listen_and_serve(listen, app).await
}

#[derive(Deserialize)]
struct Answer<T> {
    data: T,
}

/// Reads a value of one of the service's input types (its scalars, its
/// enum) as the service would parse it.
fn input<'de, D: Deserializer<'de>, T: InputType>(deserializer: D) -> Result<T, D::Error> {
    let value = async_graphql::Value::deserialize(deserializer)?;
    T::parse(Some(value))
        .map_err(|error| D::Error::custom(error.into_server_error(Default::default()).message))
}

// ------------------------------------------------------------ `{ me { id } }`

#[derive(Deserialize)]
struct MeData {
    me: Me,
}

#[derive(Deserialize, SimpleObject)]
struct Me {
    id: ID,
}

#[Object]
impl MeData {
    async fn me(&self) -> &Me {
        &self.me
    }
}

// ------------------------------------------------------------ the dashboard

#[derive(Deserialize)]
struct LedgerData {
    ledger: Ledger,
}

#[Object]
impl LedgerData {
    async fn ledger(&self, id: ID) -> &Ledger {
        let _ = id;
        &self.ledger
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ledger {
    calendar: Vec<DayTotal>,
    month_summary: MonthSummary,
    budget: Option<Budget>,
    entries: EntryPage,
}

/// The arguments are those of the contract, read and not used: the answer
/// is the one the service gave for them.
#[Object]
impl Ledger {
    async fn calendar(&self, year: i32, month: i32) -> &[DayTotal] {
        let _ = (year, month);
        &self.calendar
    }

    async fn month_summary(&self, year: i32, month: i32) -> &MonthSummary {
        let _ = (year, month);
        &self.month_summary
    }

    async fn budget(&self, year: i32, month: i32) -> Option<&Budget> {
        let _ = (year, month);
        self.budget.as_ref()
    }

    async fn entries(
        &self,
        filter: Option<EntryFilter>,
        #[graphql(default = 0)] page: i32,
        #[graphql(default = 20)] size: i32,
    ) -> &EntryPage {
        let _ = (filter, page, size);
        &self.entries
    }
}

#[derive(InputObject)]
struct EntryFilter {
    from: Option<Date>,
    to: Option<Date>,
}

#[derive(Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct DayTotal {
    #[serde(deserialize_with = "input")]
    date: Date,
    #[serde(deserialize_with = "input")]
    income_total: Money,
    #[serde(deserialize_with = "input")]
    expense_total: Money,
}

#[derive(Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct MonthSummary {
    year: i32,
    month: i32,
    #[serde(deserialize_with = "input")]
    income_total: Money,
    #[serde(deserialize_with = "input")]
    expense_total: Money,
    #[serde(deserialize_with = "input")]
    budget: Option<Money>,
}

#[derive(Deserialize, SimpleObject)]
struct Budget {
    #[serde(deserialize_with = "input")]
    amount: Money,
    #[serde(deserialize_with = "input")]
    spent: Money,
    #[serde(deserialize_with = "input")]
    remaining: Money,
}

#[derive(Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct EntryPage {
    total_count: i32,
    total_pages: i32,
    items: Vec<Entry>,
}

#[derive(Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct Entry {
    id: ID,
    #[serde(rename = "type", deserialize_with = "input")]
    #[graphql(name = "type")]
    kind: EntryType,
    #[serde(deserialize_with = "input")]
    amount: Money,
    #[serde(deserialize_with = "input")]
    date: Date,
    payment: String,
    counterparty: String,
    memo: Option<String>,
    #[serde(deserialize_with = "input")]
    created_at: DateTime,
    creator: Creator,
    category: Category,
    creator_color: String,
}

#[derive(Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
#[graphql(name = "Member")]
struct Creator {
    id: ID,
    nick_name: String,
}

#[derive(Deserialize, SimpleObject)]
struct Category {
    id: ID,
    name: String,
}
