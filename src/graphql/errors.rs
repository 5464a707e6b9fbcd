//! The one place where domain errors become what the client sees: every
//! response (and every subscription event) passes through here.

use std::sync::Arc;

use async_graphql::{
    Response,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe},
    futures_util::stream::{BoxStream, StreamExt},
};

use crate::error::AppError;

pub struct ErrorMapping;

impl ExtensionFactory for ErrorMapping {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorMapping)
    }
}

fn map_errors(mut response: Response) -> Response {
    for error in &mut response.errors {
        if let Some(app_error) = error.source::<AppError>().cloned() {
            app_error.apply_to(error);
        }
    }
    response
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorMapping {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        map_errors(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(map_errors).boxed()
    }
}
