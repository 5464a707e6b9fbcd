//! Newtype ids, so that a member id can never be passed where a ledger id is
//! expected. On the wire they are opaque strings (the database's numbers).

use async_graphql::ID;

use crate::error::AppError;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            /// Parses a client-given id. An id that cannot exist is one the
            /// viewer may not see: FORBIDDEN, as for any foreign id.
            pub fn parse(id: &ID) -> Result<Self, AppError> {
                id.parse::<i64>()
                    .ok()
                    .filter(|value| *value > 0)
                    .map(Self)
                    .ok_or(AppError::Forbidden)
            }
        }

        // Display also gives `ID::from`, through async-graphql's blanket impl.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(MemberId);
id_type!(LedgerId);
id_type!(CategoryId);
id_type!(EntryId);
id_type!(ScheduleId);
id_type!(InvitationId);
id_type!(NotificationId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_what_cannot_exist() {
        assert_eq!(LedgerId::parse(&ID("42".into())).unwrap(), LedgerId(42));
        assert_eq!(ID::from(MemberId(7)).0, "7");
        for bad in ["", "abc", "-1", "0", "1.5", "99999999999999999999"] {
            assert!(matches!(
                LedgerId::parse(&ID(bad.into())),
                Err(AppError::Forbidden)
            ));
        }
    }
}
