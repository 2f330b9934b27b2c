//! Modal dialogs drawn over the panes: help, notes, input form, confirm, quit, search.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::keymap::Command;
use crate::app::state::{App, Dialog};

pub fn render(frame: &mut Frame, screen: Rect, app: &App) {
    let Some(dialog) = &app.dialog else { return };
    let t = &app.theme;
    match dialog {
        Dialog::Help => {
            let mut lines = vec![
                Line::styled(
                    "Keys (from the live keymap; rebind in config.toml)",
                    t.accent,
                ),
                Line::raw(""),
            ];
            for (cmd, help) in Command::ALL {
                let keys = app.keymap.keys_for(cmd).join(" ");
                lines.push(Line::from(vec![
                    Span::styled(format!("{keys:>16}  "), t.accent),
                    Span::raw(help),
                ]));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled("In dialogs: Ctrl-S saves a note, Enter confirms, Esc cancels. Any key closes this help.", t.dim));
            let area = centered(screen, 72, lines.len() as u16 + 2);
            show(frame, area, Paragraph::new(lines), " Help ", app);
        }
        Dialog::Text {
            purpose,
            area,
            error,
        } => {
            let rect = centered(screen, 70, 10);
            frame.render_widget(Clear, rect);
            let block = Block::bordered()
                .title(format!(" {} ", purpose.title()))
                .border_style(t.focus_border);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let [text, foot] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            frame.render_widget(area.as_ref(), text);
            let footer = match error {
                Some(e) => Line::styled(e.clone(), t.crit),
                None => Line::styled("Ctrl-S save · Esc cancel", t.dim),
            };
            frame.render_widget(Paragraph::new(footer), foot);
        }
        Dialog::Inputs {
            step_id,
            fields,
            focus,
            run,
        } => {
            let title = app
                .runbook
                .step(step_id)
                .map_or(step_id.as_str(), |s| s.title.as_str());
            let head = if *run { "needs" } else { "reads" };
            let mut lines = vec![
                Line::styled(format!("“{title}” {head}:"), t.dim),
                Line::raw(""),
            ];
            for (i, f) in fields.iter().enumerate() {
                let shown = if f.secret {
                    "•".repeat(f.value.chars().count())
                } else {
                    f.value.clone()
                };
                let cursor = if i == *focus { "█" } else { "" };
                let label = f.prompt.clone().unwrap_or_else(|| f.name.clone());
                let style = if i == *focus { t.accent } else { t.text };
                let secret = if f.secret { " (secret)" } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(format!("{label}{secret}: "), style),
                    Span::raw(format!("{shown}{cursor}")),
                ]));
            }
            lines.push(Line::raw(""));
            let enter = if *run { "Enter run" } else { "Enter save" };
            lines.push(Line::styled(
                format!("Tab next field · {enter} · Esc cancel · values are passed as data, never executed"),
                t.dim,
            ));
            // Room for a long title and the hint to wrap.
            let area = centered(screen, 76, lines.len() as u16 + 4);
            show(
                frame,
                area,
                Paragraph::new(lines).wrap(Wrap { trim: false }),
                if *run { " Inputs " } else { " Edit inputs " },
                app,
            );
        }
        Dialog::Confirm {
            step_id,
            word,
            typed,
            command,
            reason,
        } => {
            let mut lines = vec![
                if word.is_empty() {
                    Line::styled(format!("{step_id} {reason}"), t.warn)
                } else {
                    Line::styled(format!("⚠ {step_id} {reason}"), t.danger)
                },
                Line::raw(""),
                Line::styled("It will run exactly:", t.dim),
            ];
            let total = command.lines().count();
            lines.extend(
                command
                    .lines()
                    .take(12)
                    .map(|l| Line::raw(format!("  {l}"))),
            );
            if total > 12 {
                lines.push(Line::styled(
                    format!("  … {} more lines (see the detail pane)", total - 12),
                    t.warn,
                ));
            }
            lines.push(Line::raw(""));
            // An inferred command asks only for Enter; a dangerous one for the word.
            let title = if word.is_empty() {
                " Check the command "
            } else {
                lines.push(Line::from(vec![
                    Span::raw(format!("Type `{word}` to run it: ")),
                    Span::styled(format!("{typed}█"), t.accent),
                ]));
                " Confirm dangerous step "
            };
            lines.push(Line::styled("Enter run · Esc cancel", t.dim));
            // Room for the reason line to wrap.
            let area = centered(screen, 80, lines.len() as u16 + 4);
            show(
                frame,
                area,
                Paragraph::new(lines).wrap(Wrap { trim: false }),
                title,
                app,
            );
        }
        Dialog::Adhoc {
            phase,
            options,
            cursor,
        } => {
            let phase_title = app
                .runbook
                .phases
                .get(*phase)
                .map_or("", |p| p.title.as_str());
            let mut lines = vec![
                Line::raw(format!("Run as an ad-hoc step of “{phase_title}”:")),
                Line::raw(""),
            ];
            let code = options.get(*cursor).map_or("", String::as_str);
            let total = code.lines().count();
            lines.extend(code.lines().take(12).map(|l| Line::raw(format!("  {l}"))));
            if total > 12 {
                lines.push(Line::styled(
                    format!("  … {} more lines", total - 12),
                    t.warn,
                ));
            }
            lines.push(Line::raw(""));
            if options.len() > 1 {
                lines.push(Line::styled(
                    format!("{}/{} shown here · ←/→ another", cursor + 1, options.len()),
                    t.dim,
                ));
            }
            lines.push(Line::styled(
                "Enter run (journaled; dangerous commands still ask) · Esc cancel",
                t.dim,
            ));
            let area = centered(screen, 80, lines.len() as u16 + 4);
            show(
                frame,
                area,
                Paragraph::new(lines).wrap(Wrap { trim: false }),
                " Run shown code ",
                app,
            );
        }
        Dialog::QuitRunning { choice } => {
            let names = ["Wait", "Cancel them, then quit", "Quit, leave them running"];
            let opts: Vec<Span> = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    if i == *choice {
                        Span::styled(format!("[ {n} ]"), t.selected)
                    } else {
                        Span::raw(format!("  {n}  "))
                    }
                })
                .collect();
            let lines = vec![
                Line::raw(format!("{} step(s) still running.", app.running.len())),
                Line::raw(""),
                Line::from(opts),
                Line::raw(""),
                Line::raw(
                    "Shell steps left running go on; `flightdeck run` on this runbook again follows them. SQL and HTTP steps cannot outlive flightdeck: they are cancelled.",
                ),
                Line::styled("←/→ choose · Enter · Esc back", t.dim),
            ];
            show(
                frame,
                centered(screen, 80, 9),
                Paragraph::new(lines).wrap(Wrap { trim: false }),
                " Quit? ",
                app,
            );
        }
        Dialog::Rollback {
            condition,
            metric,
            value,
            phase,
        } => {
            let target = match phase {
                Some(p) => format!(
                    "Enter / y: jump to `{}`",
                    app.runbook
                        .phases
                        .get(*p)
                        .map_or("", |ph| ph.title.as_str())
                ),
                None => "this runbook has no rollback phase".to_string(),
            };
            let lines = vec![
                Line::styled(
                    format!(
                        "✖ rollback_when `{condition}` holds: {metric} = {}",
                        crate::monitor::metric::format_value(*value)
                    ),
                    t.crit,
                ),
                Line::raw(""),
                Line::styled(target, t.accent),
                Line::raw("Esc / n: go on with the run"),
                Line::raw(""),
                Line::styled("Either choice is written to the journal.", t.dim),
            ];
            let area = centered(screen, 76, lines.len() as u16 + 2);
            show(
                frame,
                area,
                Paragraph::new(lines).wrap(Wrap { trim: false }),
                " ROLL BACK? ",
                app,
            );
        }
        Dialog::Search { query } => {
            let lines = vec![Line::from(vec![
                Span::raw("/"),
                Span::styled(format!("{query}█"), t.accent),
            ])];
            show(
                frame,
                centered(screen, 60, 3),
                Paragraph::new(lines),
                " Search output ",
                app,
            );
        }
    }
}

fn show(frame: &mut Frame, area: Rect, p: Paragraph, title: &str, app: &App) {
    frame.render_widget(Clear, area);
    frame.render_widget(
        p.block(
            Block::bordered()
                .title(title.to_string())
                .border_style(app.theme.focus_border),
        ),
        area,
    );
}

/// A `w`×`h` rectangle in the middle of `screen`, shrunk to fit.
fn centered(screen: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(screen.width);
    let h = h.min(screen.height);
    Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    )
}
