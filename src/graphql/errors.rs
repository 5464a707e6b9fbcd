//! The one place where domain errors become what the client sees: every
//! response (and every subscription event) passes through `map_errors`, on
//! its way out of `http::graphql` and `http::websocket`.
//!
//! A plain function rather than an async-graphql extension: with any
//! extension installed, async-graphql routes every field's resolution
//! through the extension chain (boxed futures and two registry lookups per
//! field), which a 400-field dashboard pays for in full.

use async_graphql::Response;

use crate::error::AppError;

pub fn map_errors(mut response: Response) -> Response {
    for error in &mut response.errors {
        if let Some(app_error) = error.source::<AppError>().cloned() {
            app_error.apply_to(error);
        }
    }
    response
}
