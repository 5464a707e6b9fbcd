//! The one error type of the domain, and its mapping to GraphQL errors.
//!
//! Every error a client sees carries `extensions.code` and a Korean message.
//! Resolvers return `AppResult`; async-graphql keeps the `AppError` as the
//! error's source, and `graphql::errors::map_errors` (the one place) turns it into the
//! message and extensions the client sees. Internal errors are logged there,
//! inside the request's span (which carries the request id), and reach the
//! client only as a generic message.

use std::{borrow::Cow, sync::Arc};

use async_graphql::{ErrorExtensionValues, ServerError};

pub type AppResult<T> = Result<T, AppError>;

/// The codes of the contract's header, in `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }
}

type Message = Cow<'static, str>;

/// One bad row of a batch: `index` counts from 0.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RowError {
    pub index: usize,
    pub field: String,
    pub message: String,
}

// Clone: async-graphql requires it of a resolver's error type.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AppError {
    #[error("unauthenticated: {0}")]
    Unauthenticated(Message),
    #[error("forbidden")]
    Forbidden,
    #[error("not found: {0}")]
    NotFound(Message),
    /// `field` names the offending input (e.g. `input.nickName`).
    #[error("bad input {field}: {message}")]
    BadInput { field: Message, message: Message },
    #[error("conflict {field}: {message}")]
    Conflict { field: Message, message: Message },
    /// A batch with bad rows: every one of them, so the client can mark each.
    #[error("{} invalid rows", .0.len())]
    InvalidRows(Vec<RowError>),
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal: {0:#}")]
    Internal(Arc<anyhow::Error>),
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(Arc::new(error))
    }
}

pub const MSG_UNAUTHENTICATED: &str = "로그인이 필요합니다.";
pub const MSG_FORBIDDEN: &str = "접근 권한이 없습니다.";
pub const MSG_RATE_LIMITED: &str = "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.";
pub const MSG_UNAVAILABLE: &str = "서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.";
pub const MSG_INTERNAL: &str = "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.";

impl AppError {
    pub fn unauthenticated() -> Self {
        Self::Unauthenticated(MSG_UNAUTHENTICATED.into())
    }

    pub fn bad_input(field: impl Into<Message>, message: impl Into<Message>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn conflict(field: impl Into<Message>, message: impl Into<Message>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<Message>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(error.into()))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::BadInput { .. } | Self::InvalidRows(_) => ErrorCode::BadUserInput,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message shown to the member.
    pub fn user_message(&self) -> Message {
        match self {
            Self::Unauthenticated(message) | Self::NotFound(message) => message.clone(),
            Self::BadInput { message, .. } | Self::Conflict { message, .. } => message.clone(),
            Self::Forbidden => MSG_FORBIDDEN.into(),
            Self::InvalidRows(rows) => {
                format!("입력에 잘못된 행이 {}개 있습니다.", rows.len()).into()
            }
            Self::RateLimited { .. } => MSG_RATE_LIMITED.into(),
            Self::Unavailable(_) => MSG_UNAVAILABLE.into(),
            Self::Internal(_) => MSG_INTERNAL.into(),
        }
    }
}

impl AppError {
    /// Rewrites `error` as the client sees it: the Korean message and the
    /// extensions (`code`, plus `field` or `retryAfter`).
    pub fn apply_to(&self, error: &mut ServerError) {
        match self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Self::Unavailable(reason) => tracing::warn!(%reason, "dependency unavailable"),
            _ => {}
        }
        error.message = self.user_message().into_owned();
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        extensions.set("code", self.code().as_str());
        match self {
            Self::BadInput { field, .. } | Self::Conflict { field, .. } if !field.is_empty() => {
                extensions.set("field", field.as_ref());
            }
            Self::RateLimited { retry_after_secs } => {
                extensions.set("retryAfter", *retry_after_secs);
            }
            Self::InvalidRows(rows) => {
                if let Ok(rows) = async_graphql::to_value(rows) {
                    extensions.set("rows", rows);
                }
            }
            _ => {}
        }
    }
}

impl From<redis::RedisError> for AppError {
    fn from(error: redis::RedisError) -> Self {
        Self::Unavailable(format!("redis: {error}"))
    }
}

impl From<bb8::RunError<redis::RedisError>> for AppError {
    fn from(error: bb8::RunError<redis::RedisError>) -> Self {
        Self::Unavailable(format!("redis pool: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_view(error: AppError) -> ServerError {
        let mut server_error = ServerError::new(error.to_string(), None);
        error.apply_to(&mut server_error);
        server_error
    }

    fn extension(error: &ServerError, name: &str) -> Option<String> {
        Some(error.extensions.as_ref()?.get(name)?.to_string())
    }

    #[test]
    fn each_variant_maps_to_its_contract_code() {
        let cases = [
            (AppError::unauthenticated(), "\"UNAUTHENTICATED\""),
            (AppError::Forbidden, "\"FORBIDDEN\""),
            (AppError::not_found("없음"), "\"NOT_FOUND\""),
            (AppError::bad_input("email", "잘못됨"), "\"BAD_USER_INPUT\""),
            (AppError::conflict("email", "중복"), "\"CONFLICT\""),
            (
                AppError::RateLimited {
                    retry_after_secs: 3,
                },
                "\"RATE_LIMITED\"",
            ),
            (AppError::Unavailable("db".into()), "\"UNAVAILABLE\""),
            (
                AppError::internal(anyhow::anyhow!("secret detail")),
                "\"INTERNAL\"",
            ),
        ];
        for (error, code) in cases {
            assert_eq!(
                extension(&client_view(error), "code").as_deref(),
                Some(code)
            );
        }
    }

    #[test]
    fn internal_errors_do_not_leak_details() {
        let error = client_view(AppError::internal(anyhow::anyhow!("password=hunter2")));
        assert_eq!(error.message, MSG_INTERNAL);
    }

    #[test]
    fn bad_input_names_the_field_and_rate_limit_the_wait() {
        let error = client_view(AppError::bad_input("input.nickName", "닉네임 형식"));
        assert_eq!(error.message, "닉네임 형식");
        assert_eq!(
            extension(&error, "field").as_deref(),
            Some("\"input.nickName\"")
        );

        let error = client_view(AppError::RateLimited {
            retry_after_secs: 42,
        });
        assert_eq!(extension(&error, "retryAfter").as_deref(), Some("42"));
    }
}
