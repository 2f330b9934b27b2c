//! The cockpit's brain: state, the actions that change it, and the pure update function.
//! The runtime (`runtime.rs`) owns the terminal and feeds actions in; `ui` draws the state.

pub mod action;
pub mod adhoc;
pub mod follow;
pub mod followed;
pub mod hooks;
pub mod keymap;
pub mod monitoring;
pub mod prepare;
pub mod runtime;
pub mod state;
pub mod timer;
pub mod update;
pub mod values;
