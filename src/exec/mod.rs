//! Running steps: child processes in their own process group, output to a file in full and to
//! the screen through a bounded ring. Every process-handling detail lives here, so that
//! re-attaching to steps left running can be added in one place.

pub mod capture;
pub mod http;
pub mod job;
pub mod leave;
pub mod notify;
pub mod output;
pub mod request;
pub mod ring;
pub mod shell;
pub mod sql;
pub mod substitute;
pub mod table;
