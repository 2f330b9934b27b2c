//! Keys to commands: defaults here, overrides from `<config dir>/config.toml`:
//!
//! ```toml
//! [keys]
//! run = ["enter", "ctrl-r"]
//! quit = "Q"
//! ```

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// What a key can ask for in the normal mode of the cockpit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Down,
    Up,
    First,
    Last,
    Collapse,
    Expand,
    NextPending,
    Run,
    AckWithNote,
    Skip,
    MarkFailed,
    Rerun,
    Cancel,
    RunNote,
    Handoff,
    Export,
    Search,
    EditInputs,
    FocusNext,
    Zoom,
    Help,
    Quit,
    PageDown,
    PageUp,
    LogTab,
    RunShown,
}

impl Command {
    /// Every command with the help text shown by `?`, in help order.
    pub const ALL: [(Command, &'static str); 26] = [
        (Command::Down, "move down"),
        (Command::Up, "move up"),
        (Command::First, "first row"),
        (Command::Last, "last row"),
        (Command::Collapse, "collapse phase"),
        (Command::Expand, "expand phase"),
        (Command::NextPending, "next pending step"),
        (Command::Run, "run step / acknowledge check or manual step"),
        (Command::AckWithNote, "acknowledge with a note"),
        (Command::Skip, "skip (reason required)"),
        (Command::MarkFailed, "mark failed (note required)"),
        (Command::Rerun, "re-run the step"),
        (Command::Cancel, "cancel the running step"),
        (Command::RunNote, "note on the run"),
        (Command::Handoff, "hand off to another operator"),
        (Command::Export, "export the handoff report"),
        (Command::Search, "search the log"),
        (Command::EditInputs, "edit the step's inputs"),
        (Command::FocusNext, "focus next pane"),
        (Command::Zoom, "zoom the focused pane"),
        (Command::Help, "this help"),
        (Command::Quit, "quit"),
        (Command::PageDown, "scroll down a page"),
        (Command::PageUp, "scroll up a page"),
        (
            Command::LogTab,
            "next log tab (step output, then log sources)",
        ),
        (
            Command::RunShown,
            "run code shown in the detail pane as an ad-hoc step",
        ),
    ];
}

/// A key with its modifiers, as written in config files: `j`, `G`, `enter`, `ctrl-s`, `down`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Self {
        // Shift is part of the character for letters (`G`), so only Ctrl is kept.
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    /// Parses `ctrl-s`, `enter`, `G`, `?`, `pagedown`; `None` for an unknown name.
    pub fn parse(text: &str) -> Option<Key> {
        let (ctrl, name) = match text
            .strip_prefix("ctrl-")
            .or_else(|| text.strip_prefix("C-"))
        {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let code = match name.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            _ => {
                let mut chars = name.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return None,
                }
            }
        };
        Some(Key { code, ctrl })
    }

    /// How the key is shown in help.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// The live key bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<Key, Command>,
}

const DEFAULTS: &[(&str, Command)] = &[
    ("j", Command::Down),
    ("down", Command::Down),
    ("k", Command::Up),
    ("up", Command::Up),
    ("g", Command::First),
    ("home", Command::First),
    ("G", Command::Last),
    ("end", Command::Last),
    ("h", Command::Collapse),
    ("left", Command::Collapse),
    ("l", Command::Expand),
    ("right", Command::Expand),
    ("n", Command::NextPending),
    ("enter", Command::Run),
    ("a", Command::AckWithNote),
    ("s", Command::Skip),
    ("x", Command::MarkFailed),
    ("r", Command::Rerun),
    ("c", Command::Cancel),
    ("N", Command::RunNote),
    ("H", Command::Handoff),
    ("e", Command::Export),
    ("/", Command::Search),
    ("i", Command::EditInputs),
    ("tab", Command::FocusNext),
    ("z", Command::Zoom),
    ("?", Command::Help),
    ("q", Command::Quit),
    ("pagedown", Command::PageDown),
    ("pageup", Command::PageUp),
    ("t", Command::LogTab),
    ("!", Command::RunShown),
];

impl Default for Keymap {
    fn default() -> Self {
        let map = DEFAULTS
            .iter()
            .filter_map(|(k, c)| Key::parse(k).map(|k| (k, *c)))
            .collect();
        Keymap { map }
    }
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    keys: HashMap<Command, KeyList>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl Keymap {
    /// The command bound to a key event, if any.
    pub fn command(&self, e: &KeyEvent) -> Option<Command> {
        self.map.get(&Key::from_event(e)).copied()
    }

    /// Defaults with the `[keys]` table of a config file applied: a command listed there gets
    /// exactly the keys given (its default keys are released).
    pub fn from_config(text: &str) -> Result<Keymap, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |r| {
                text[..r.start.min(text.len())].matches('\n').count() + 1
            });
            format!(
                "line {line}: {}; see `?` in the cockpit for the command names",
                e.message()
            )
        })?;
        let mut keymap = Keymap::default();
        for (command, keys) in file.keys {
            let keys = match keys {
                KeyList::One(k) => vec![k],
                KeyList::Many(ks) => ks,
            };
            keymap.map.retain(|_, c| *c != command);
            for k in keys {
                let key =
                    Key::parse(&k).ok_or_else(|| format!("unknown key `{k}` for `{command:?}`"))?;
                keymap.map.insert(key, command);
            }
        }
        Ok(keymap)
    }

    /// Keys bound to `command`, sorted for stable help.
    pub fn keys_for(&self, command: Command) -> Vec<String> {
        let mut keys: Vec<String> = self
            .map
            .iter()
            .filter(|(_, c)| **c == command)
            .map(|(k, _)| k.label())
            .collect();
        keys.sort();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn defaults_and_overrides() {
        let k = Keymap::default();
        assert_eq!(k.command(&ev(KeyCode::Char('j'))), Some(Command::Down));
        assert_eq!(k.command(&ev(KeyCode::Char('G'))), Some(Command::Last));
        let k = Keymap::from_config("[keys]\nquit = \"Q\"\nrun = [\"enter\", \"ctrl-r\"]\n")
            .expect("parses");
        assert_eq!(k.command(&ev(KeyCode::Char('q'))), None);
        assert_eq!(k.command(&ev(KeyCode::Char('Q'))), Some(Command::Quit));
        let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(k.command(&ctrl_r), Some(Command::Run));
        assert!(Keymap::from_config("[keys]\nquit = \"ctrl-nope\"").is_err());
        let err =
            Keymap::from_config("[keys]\nquit = \"q\"\nfly = \"f\"").expect_err("unknown command");
        assert!(err.starts_with("line 3: unknown variant `fly`"), "{err}");
    }
}
