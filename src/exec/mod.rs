//! Running steps: shell steps under a supervisor process of their own (process group, output
//! file, exit status), SQL/HTTP/notify steps on the cockpit's tasks; output to a file in full
//! and to the screen through a bounded ring. Re-attaching to a step whose supervisor outlived
//! its cockpit is `shell::attach`.

pub mod capture;
pub mod http;
pub mod job;
pub mod notify;
pub mod output;
pub mod request;
pub mod ring;
pub mod shell;
pub mod sql;
pub mod substitute;
pub mod supervisor;
pub mod table;
