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
            DieselError::DatabaseError(kind, info) if is_lost_connection(&kind, info.message()) => {
                AppError::Unavailable(format!("database connection lost: {}", info.message()))
            }
            other => AppError::internal(other),
        }
    }
}

/// A statement that never got its answer because the connection broke: the
/// node went away, which is a dependency being unavailable, not a bug.
/// diesel-async reports the driver's I/O and "connection closed" errors as
/// `Unknown` with the driver's message, so the message is all there is to
/// tell them from the server's own errors (which never start this way).
fn is_lost_connection(kind: &DatabaseErrorKind, message: &str) -> bool {
    match kind {
        DatabaseErrorKind::UnableToSendCommand => true,
        DatabaseErrorKind::Unknown => {
            message.starts_with("Input/output error")
                || message.starts_with("Driver error: `Connection to the server is closed")
        }
        _ => false,
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

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    use crate::error::AppError;

    fn unknown(message: &str) -> AppError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned())).into()
    }

    #[test]
    fn a_lost_connection_is_unavailable_and_a_server_error_is_not() {
        for lost in [
            "Input/output error: Input/output error: Connection reset by peer (os error 104)",
            "Input/output error: Input/output error: connection closed",
            "Driver error: `Connection to the server is closed.'",
        ] {
            assert!(matches!(unknown(lost), AppError::Unavailable(_)), "{lost}");
        }
        let syntax = "You have an error in your SQL syntax; check the manual";
        assert!(matches!(unknown(syntax), AppError::Internal(_)));
        let unsent = DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("could not send".to_owned()),
        );
        assert!(matches!(AppError::from(unsent), AppError::Unavailable(_)));
    }
}
