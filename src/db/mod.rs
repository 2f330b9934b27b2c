//! PostgreSQL, shared by SQL steps and `sql` metrics: one way to connect (TLS as libpq would
//! negotiate it) and one way to describe an error, so both say the same thing about a database.

mod connect;
mod error;
pub mod statements;

pub use connect::{Canceller, Db, connect};
pub use error::DbError;
