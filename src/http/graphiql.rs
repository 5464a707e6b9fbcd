use async_graphql::http::GraphiQLSource;
use axum::response::Html;

/// GraphiQL, wired for queries, mutations and subscriptions on `/graphql`.
pub async fn page() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql")
            .title("우리가 GraphQL")
            .finish(),
    )
}
