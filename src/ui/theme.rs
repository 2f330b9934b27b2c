//! Colours: TOML themes (dark, light, high-contrast built in via `include_str!`, or a file),
//! and a monochrome one for `NO_COLOR`, where state symbols alone tell states apart.

use std::collections::HashMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::journal::replay::StepStatus;

const DARK: &str = include_str!("../../themes/dark.toml");
const LIGHT: &str = include_str!("../../themes/light.toml");
const HIGH_CONTRAST: &str = include_str!("../../themes/high-contrast.toml");

/// Styles the UI draws with.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub border: Style,
    pub focus_border: Style,
    pub selected: Style,
    pub pending: Style,
    pub running: Style,
    pub succeeded: Style,
    pub failed: Style,
    pub acknowledged: Style,
    pub skipped: Style,
    pub interrupted: Style,
    pub stderr: Style,
    pub warn: Style,
    pub crit: Style,
    pub danger: Style,
    pub matched: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::parse(DARK).unwrap_or_else(|_| Theme::mono())
    }
}

impl Theme {
    /// A built-in theme by name, or a theme file by path.
    pub fn load(name_or_path: &str) -> Result<Theme, String> {
        match name_or_path {
            "dark" => Theme::parse(DARK),
            "light" => Theme::parse(LIGHT),
            "high-contrast" => Theme::parse(HIGH_CONTRAST),
            path => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!("{path}: {e}; name a theme file or one of dark, light, high-contrast")
                })?;
                Theme::parse(&text).map_err(|e| format!("{path}: {e}"))
            }
        }
    }

    /// Parses `key = "colour"` lines; unknown keys are errors so typos show.
    pub fn parse(text: &str) -> Result<Theme, String> {
        let map: HashMap<String, String> =
            toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut t = Theme::mono();
        for (key, value) in &map {
            let c = Color::from_str(value)
                .map_err(|_| format!("`{key}`: `{value}` is not a colour"))?;
            let fg = Style::default().fg(c);
            match key.as_str() {
                "text" => t.text = fg,
                "dim" => t.dim = fg,
                "accent" => t.accent = fg.add_modifier(Modifier::BOLD),
                "border" => t.border = fg,
                "focus_border" => t.focus_border = fg.add_modifier(Modifier::BOLD),
                "selected_bg" => t.selected = Style::default().bg(c).add_modifier(Modifier::BOLD),
                "pending" => t.pending = fg,
                "running" => t.running = fg.add_modifier(Modifier::BOLD),
                "succeeded" => t.succeeded = fg,
                "failed" => t.failed = fg.add_modifier(Modifier::BOLD),
                "acknowledged" => t.acknowledged = fg,
                "skipped" => t.skipped = fg,
                "interrupted" => t.interrupted = fg.add_modifier(Modifier::BOLD),
                "stderr" => t.stderr = fg,
                "warn" => t.warn = fg,
                "crit" => t.crit = fg.add_modifier(Modifier::BOLD),
                "danger" => t.danger = fg.add_modifier(Modifier::BOLD),
                "match_bg" => t.matched = Style::default().bg(c),
                other => return Err(format!("unknown theme key `{other}`")),
            }
        }
        Ok(t)
    }

    /// No colour at all (`NO_COLOR`): selection by reverse video, states by symbol.
    pub fn mono() -> Theme {
        let plain = Style::default();
        let bold = plain.add_modifier(Modifier::BOLD);
        Theme {
            text: plain,
            dim: plain,
            accent: bold,
            border: plain,
            focus_border: bold,
            selected: plain.add_modifier(Modifier::REVERSED),
            pending: plain,
            running: bold,
            succeeded: plain,
            failed: bold,
            acknowledged: plain,
            skipped: plain,
            interrupted: bold,
            stderr: plain.add_modifier(Modifier::ITALIC),
            warn: bold,
            crit: bold.add_modifier(Modifier::UNDERLINED),
            danger: bold,
            matched: plain.add_modifier(Modifier::REVERSED),
        }
    }

    pub fn status(&self, s: StepStatus) -> Style {
        match s {
            StepStatus::Pending => self.pending,
            StepStatus::Running => self.running,
            StepStatus::Succeeded => self.succeeded,
            StepStatus::Failed => self.failed,
            StepStatus::Acknowledged => self.acknowledged,
            StepStatus::Skipped => self.skipped,
            StepStatus::Interrupted => self.interrupted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse_and_typos_do_not() {
        for name in ["dark", "light", "high-contrast"] {
            assert!(Theme::load(name).is_ok(), "{name}");
        }
        assert_eq!(Theme::default().failed.fg, Some(Color::Red));
        assert!(Theme::parse("faild = \"red\"").is_err());
        assert!(Theme::parse("failed = \"reddish\"").is_err());
        assert!(Theme::load("/nonexistent/theme.toml").is_err());
    }
}
