//! Popups drawn over the current tab: help (generated from the live keymap), yes/no questions
//! and the add/edit form.

use crate::tui::text::Tr;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::action::Action;
use crate::tui::form::{FIELDS, FormState, choices};
use crate::tui::keymap::{Context, Keymap};
use crate::tui::state::{AppState, ReasonFor, Tab};
use crate::tui::theme::Theme;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn hint(keymap: &Keymap, ctx: Context, action: Action) -> String {
    keymap
        .key_for(ctx, action)
        .map(|k| k.to_string())
        .unwrap_or_else(|| "?".to_string())
}

/// The help popup: every binding of the current tab's context, then the global ones, then
/// the other contexts, each with its action's help text.
pub fn help(
    state: &AppState,
    theme: &Theme,
    keymap: &Keymap,
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let current = match state.tab {
        Tab::Stats => Context::Stats,
        Tab::Counterparties => Context::Counterparties,
        Tab::Details => Context::Details,
        Tab::Alerts => Context::Alerts,
    };
    let mut order = vec![current, Context::Global];
    let rest: Vec<Context> = Context::ALL
        .iter()
        .copied()
        .filter(|c| !order.contains(c))
        .collect();
    order.extend(rest);
    let mut lines = Vec::new();
    for ctx in order {
        let bindings = keymap.bindings_for(ctx);
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(
            format!("[{}]", ctx.name()),
            theme.title,
        )));
        for (keys, action) in bindings {
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(" ")), theme.key),
                Span::styled(format!("{:<24}", action.name()), theme.dim),
                Span::raw(action.help(state.tr())),
            ]));
        }
        lines.push(Line::default());
    }
    let r = centered(area, 110, area.height.saturating_sub(2));
    Clear.render(r, buf);
    // Never scroll past the last line: the rest of the help stays on screen.
    let scroll = scroll.min(
        lines
            .len()
            .saturating_sub(usize::from(r.height.saturating_sub(2))),
    );
    let close = hint(keymap, Context::Help, Action::CloseHelp);
    let tr = state.tr();
    let ro = if state.read_only {
        tr.help_read_only()
    } else {
        ""
    };
    Paragraph::new(lines)
        .scroll((scroll.min(u16::MAX as usize) as u16, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(tr.help_title(close, ro), theme.title)),
        )
        .render(r, buf);
}

/// A yes/no question.
pub fn confirm(
    tr: Tr,
    question: &str,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    buf: &mut Buffer,
) {
    let r = centered(area, 60, 6);
    Clear.render(r, buf);
    let yes = hint(keymap, Context::Confirm, Action::Confirm);
    let no = hint(keymap, Context::Confirm, Action::Cancel);
    Paragraph::new(vec![
        Line::from(question.to_string()),
        Line::default(),
        Line::from(vec![
            Span::styled(yes, theme.key),
            Span::raw(format!(" {}   ", tr.yes())),
            Span::styled(no, theme.key),
            Span::raw(format!(" {}", tr.no())),
        ]),
    ])
    .wrap(Wrap { trim: true })
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(tr.confirm_title(), theme.title)),
    )
    .render(r, buf);
}

/// A question answered with one line of text (the reason of a decision).
// The popup's parts (what it is for, the question, the text so far) as the state holds them, its
// language, and where and how to draw: a struct of them would be built only to be taken apart.
#[allow(clippy::too_many_arguments)]
pub fn reason(
    tr: Tr,
    pending: &ReasonFor,
    question: &str,
    text: &str,
    theme: &Theme,
    keymap: &Keymap,
    area: Rect,
    buf: &mut Buffer,
) {
    let r = centered(area, 72, 10);
    Clear.render(r, buf);
    let save = hint(keymap, Context::Form, Action::Save);
    let cancel = hint(keymap, Context::Form, Action::Cancel);
    // The end of a long reason stays in view, next to the cursor.
    let room = usize::from(r.width.saturating_sub(6));
    let shown: String = {
        let n = text.chars().count();
        text.chars().skip(n.saturating_sub(room)).collect()
    };
    Paragraph::new(vec![
        Line::from(question.to_string()),
        Line::default(),
        Line::from(vec![
            Span::styled("> ", theme.key),
            Span::raw(shown),
            Span::styled("_", theme.key),
        ]),
        Line::default(),
        Line::from(vec![
            Span::styled(save, theme.key),
            Span::raw(format!(" {}   ", pending.save_label(tr))),
            Span::styled(cancel, theme.key),
            Span::raw(format!(" {}", Action::Cancel.label(tr))),
        ]),
    ])
    .wrap(Wrap { trim: false })
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(pending.title(tr), theme.title)),
    )
    .render(r, buf);
}

/// The add/edit form; the focused field is the live text area.
pub fn form(tr: Tr, f: &FormState, theme: &Theme, keymap: &Keymap, area: Rect, frame: &mut Frame) {
    let height = (FIELDS.len() as u16) * 2 + 3;
    let r = centered(area, 84, height);
    frame.render_widget(Clear, r);
    let title = match f.editing {
        Some(id) => tr.form_title_edit(id),
        None => tr.form_title_add().to_string(),
    };
    let save = hint(keymap, Context::Form, Action::Save);
    let cancel = hint(keymap, Context::Form, Action::Cancel);
    let next = hint(keymap, Context::Form, Action::NextField);
    let mut keys = Line::from(vec![
        Span::styled(format!(" {next}"), theme.key),
        Span::raw(format!(" {}  ", Action::NextField.label(tr))),
        Span::styled(save.clone(), theme.key),
        Span::raw(format!(" {}  ", Action::Save.label(tr))),
        Span::styled(cancel.clone(), theme.key),
        Span::raw(format!(" {} ", Action::Cancel.label(tr))),
    ]);
    if keys.width() > usize::from(r.width.saturating_sub(2)) {
        // Too narrow for all three: saving and cancelling matter more than the next field,
        // which the tab key moves to in any form.
        keys = Line::from(vec![
            Span::styled(format!(" {save}"), theme.key),
            Span::raw(format!(" {}  ", Action::Save.label(tr))),
            Span::styled(cancel, theme.key),
            Span::raw(format!(" {} ", Action::Cancel.label(tr))),
        ]);
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.title))
        .title_bottom(keys);
    let inner = block.inner(r);
    // On a short terminal the fields scroll with the focus, which is always on screen; the
    // block says which fields show.
    let visible = usize::from(inner.height / 2).clamp(1, FIELDS.len());
    let first = f
        .focus
        .saturating_sub(visible - 1)
        .min(FIELDS.len() - visible);
    let block = if visible < FIELDS.len() {
        block.title(
            Line::from(tr.form_fields_shown(first + 1, first + visible, FIELDS.len()))
                .right_aligned(),
        )
    } else {
        block
    };
    frame.render_widget(block, r);
    let rows = Layout::vertical((0..visible).map(|_| Constraint::Length(2))).split(inner);
    for (slot, (i, field)) in FIELDS
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .enumerate()
    {
        let label = tr.field(*field);
        let Some(row) = rows.get(slot) else { break };
        let [line1, line2] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(*row);
        let [lab, input] =
            Layout::horizontal([Constraint::Length(13), Constraint::Fill(1)]).areas(line1);
        let focused = i == f.focus;
        let label_style = if f.shows_error(i) {
            theme.error_field
        } else if focused {
            theme.focus
        } else {
            theme.dim
        };
        let marker = if focused { "›" } else { " " };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{marker}{label}"), label_style)),
            lab,
        );
        if let Some(values) = choices(tr, i) {
            // A choice shows every value's label, the chosen one marked; focused, also how to
            // change it.
            let chosen = f.value(i);
            let mut spans = Vec::new();
            for c in values {
                if c.value == chosen {
                    spans.push(Span::styled(format!("[{}]", c.label), theme.focus));
                } else {
                    spans.push(Span::styled(format!(" {} ", c.label), theme.dim));
                }
                spans.push(Span::raw(" "));
            }
            if focused {
                spans.push(Span::styled(tr.form_choice_keys(), theme.key));
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), input);
        } else if focused {
            if let Some(t) = f.inputs.get(i) {
                frame.render_widget(t, input);
                // The terminal's own cursor sits where typing goes (screen readers and
                // terminals that blink it follow it).
                let col = t.cursor().1;
                let x = input.x.saturating_add(col.min(u16::MAX as usize) as u16);
                frame.set_cursor_position((x.min(input.right().saturating_sub(1)), input.y));
            }
        } else {
            frame.render_widget(Paragraph::new(f.value(i).to_string()), input);
        }
        let note = if f.shows_error(i) {
            f.errors[i]
                .as_ref()
                .map(|e| Span::styled(e.clone(), theme.bad))
        } else {
            f.notes[i]
                .as_ref()
                .map(|n| Span::styled(n.clone(), theme.ok))
        };
        if let Some(n) = note {
            let [_, msg] =
                Layout::horizontal([Constraint::Length(13), Constraint::Fill(1)]).areas(line2);
            frame.render_widget(Paragraph::new(n), msg);
        }
    }
}
