//! flightdeck: a terminal cockpit for running release and go-live runbooks live.
//!
//! The library holds everything the `flightdeck` binary does, so that integration tests and
//! benchmarks drive the same code: [`runbook`] reads Markdown runbooks into a checklist model,
//! [`plan`] renders that model for people and scripts, [`journal`] records and replays runs.

pub mod app;
pub mod applog;
pub mod db;
pub mod demo_endpoint;
pub mod exec;
pub mod follow;
pub mod journal;
pub mod monitor;
pub mod plan;
pub mod runbook;
pub mod share;
pub mod tls;
pub mod ui;
