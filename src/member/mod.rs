//! Members: their rows, profile rules and the `me` view.

pub mod model;
pub mod queries;
pub mod resolvers;
pub mod types;
pub mod values;
