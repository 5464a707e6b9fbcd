//! The one place that maps database errors to domain errors.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::error::AppError;

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => AppError::not_found("찾을 수 없습니다."),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::conflict("", "이미 존재합니다.")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                AppError::Unavailable(format!("database connection closed: {}", info.message()))
            }
            other => AppError::internal(other),
        }
    }
}

pub fn is_unique_violation(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The name of the unique key a duplicate hit, from MySQL's message
/// ("Duplicate entry 'x' for key 'members.uq_members_active_email'").
pub fn unique_violation_key(error: &DieselError) -> Option<&str> {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let message = info.message();
            let key = message.rsplit("for key ").next()?;
            let key = key.trim_matches('\'');
            Some(key.rsplit('.').next().unwrap_or(key))
        }
        _ => None,
    }
}
