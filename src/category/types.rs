use async_graphql::{ID, Object};

use crate::{
    category::model::{CategoryLabel, CategoryRow},
    ids::CategoryId,
};

pub struct Category(pub CategoryLabel);

impl From<CategoryRow> for Category {
    fn from(row: CategoryRow) -> Self {
        Self(row.into())
    }
}

#[Object]
impl Category {
    async fn id(&self) -> ID {
        CategoryId(self.0.id).into()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The fallback category (기타): it cannot be deleted, and entries of a deleted category move to it.
    async fn is_fallback(&self) -> bool {
        self.0.is_fallback
    }
}
