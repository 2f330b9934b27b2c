//! Journal events: what happened in a run, one per JSON line, and their exact line encoding.
//!
//! The line text is built here, field by field, so that its bytes are deterministic:
//! `seq`, `ts`, `operator`, `type`, `step`, the type's own fields, `prev`, and last `hash`, the
//! sha256 of every byte before `,"hash":`. Verification hashes those exact bytes, never a
//! re-serialisation.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev` of the first line: no line comes before it.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How many of its last output lines a `step_finished` carries.
pub const LAST_LINES: usize = 10;

/// What separates a line's hashed bytes from its hash.
pub const HASH_MARK: &str = ",\"hash\":\"";

/// One durable fact about a run; the run's state is the fold of these (see [`super::replay`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, 3, … with no gaps: replay rejects anything else.
    pub seq: u64,
    /// When it happened, UTC, kept to the millisecond (what the line holds).
    #[serde(deserialize_with = "rfc3339")]
    pub ts: DateTime<Utc>,
    /// Who was at the keyboard.
    pub operator: String,
    /// The step the event is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The type and its own fields.
    #[serde(flatten)]
    pub kind: EventKind,
    /// The previous line's hash ([`GENESIS`] for the first): chains the lines.
    pub prev: String,
    /// sha256 of this line's bytes before `,"hash":`.
    pub hash: String,
}

/// `ts` through chrono's dedicated RFC 3339 parser: ten times faster than its generic `FromStr`,
/// which matters when replaying 100 000 events.
fn rfc3339<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(serde::de::Error::custom)
}

/// The kinds of event; `type` on the line, snake_case. Step output is not an event: it lives in
/// `output/<step>.<attempt>.log` and `step_finished` summarises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The first event: which runbook (path and sha256 of the copy in the run folder), where, which version.
    RunStarted {
        run_id: String,
        runbook_path: String,
        runbook_title: String,
        runbook_sha256: String,
        host: String,
        version: String,
    },
    /// A run input got its value; secret values are written as `••••`.
    InputSet {
        name: String,
        value: String,
        secret: bool,
        /// Where the value came from (`prompt`, `edit`, `env`, `capture:<step>` for a value a step set), when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
    },
    /// An attempt of an executable step began; `command` is after substitution, secrets masked.
    StepStarted {
        attempt: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command: Option<String>,
    },
    /// An attempt ended; the output file is summarised by size, sha256 and its last lines.
    StepFinished {
        attempt: u32,
        exit_code: Option<i32>,
        signal: Option<i32>,
        duration_ms: u64,
        bytes: u64,
        output_sha256: String,
        last_lines: Vec<String>,
        /// Set only when the step ended while no cockpit was open (its supervisor recorded the
        /// end): when it really ended. The event's `ts` is when a cockpit observed it after
        /// the fact. Absent in journals written before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended_at: Option<DateTime<Utc>>,
    },
    /// The captain confirmed the step (a check, a manual step, or a result they accept).
    StepAcknowledged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The step was deliberately not done.
    StepSkipped { reason: String },
    /// A manual step or check that did not go as planned.
    StepFailedManual { note: String },
    /// The step was running when its cockpit went away; its output file is kept.
    StepInterrupted { attempt: u32 },
    /// A free note on the run (or on `step` when given).
    Note { text: String },
    /// The run changed hands between operators.
    Handoff {
        from: String,
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A metric crossed its threshold (monitoring issue).
    MetricBreach {
        metric: String,
        value: f64,
        threshold: String,
    },
    /// A breached metric is back within its threshold (monitoring issue).
    MetricRecovered { metric: String, value: f64 },
    /// A soak gate held; `figures` are what it saw (monitoring issue).
    GatePassed { figures: serde_json::Value },
    /// The captain ran code the mapping had left as reference (a block or inline code shown in
    /// the detail pane): it becomes an ad-hoc shell step of that phase, with `step` as its id.
    StepAdded {
        /// Index of the phase in the runbook as the run started.
        phase: usize,
        title: String,
        code: String,
    },
    /// The runbook file changed between start and resume; steps are matched by id.
    RunbookChanged {
        old_sha256: String,
        new_sha256: String,
        vanished: Vec<String>,
        added: Vec<String>,
    },
    /// A torn last line (crash mid-write) was moved aside when the journal was reopened.
    JournalRepaired { torn_bytes: u64, moved_to: String },
    /// Another cockpit (or the same one after a crash) took the run up again.
    RunResumed { host: String, version: String },
    /// A notification (front-matter hook) could not be posted; the run went on.
    NotifyFailed { hook: String, error: String },
    /// The run is over; `outcome` is e.g. `completed`, `rolled_back`, `aborted`.
    RunFinished { outcome: String },
}

impl EventKind {
    /// The `type` name written on the line.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::RunStarted { .. } => "run_started",
            EventKind::InputSet { .. } => "input_set",
            EventKind::StepStarted { .. } => "step_started",
            EventKind::StepFinished { .. } => "step_finished",
            EventKind::StepAcknowledged { .. } => "step_acknowledged",
            EventKind::StepSkipped { .. } => "step_skipped",
            EventKind::StepFailedManual { .. } => "step_failed_manual",
            EventKind::StepInterrupted { .. } => "step_interrupted",
            EventKind::Note { .. } => "note",
            EventKind::Handoff { .. } => "handoff",
            EventKind::MetricBreach { .. } => "metric_breach",
            EventKind::MetricRecovered { .. } => "metric_recovered",
            EventKind::GatePassed { .. } => "gate_passed",
            EventKind::StepAdded { .. } => "step_added",
            EventKind::RunbookChanged { .. } => "runbook_changed",
            EventKind::JournalRepaired { .. } => "journal_repaired",
            EventKind::RunResumed { .. } => "run_resumed",
            EventKind::RunFinished { .. } => "run_finished",
            EventKind::NotifyFailed { .. } => "notify_failed",
        }
    }

    /// Whether the event must name a step.
    pub fn needs_step(&self) -> bool {
        matches!(
            self,
            EventKind::StepStarted { .. }
                | EventKind::StepAdded { .. }
                | EventKind::StepFinished { .. }
                | EventKind::StepAcknowledged { .. }
                | EventKind::StepSkipped { .. }
                | EventKind::StepFailedManual { .. }
                | EventKind::StepInterrupted { .. }
        )
    }

    /// Every free-text field, for masking secrets before the line is written.
    pub(crate) fn texts_mut(&mut self) -> Vec<&mut String> {
        match self {
            EventKind::StepStarted { command, .. } => command.iter_mut().collect(),
            EventKind::StepFinished { last_lines, .. } => last_lines.iter_mut().collect(),
            EventKind::StepAcknowledged { note } => note.iter_mut().collect(),
            EventKind::StepSkipped { reason } => vec![reason],
            EventKind::StepAdded { title, code, .. } => vec![title, code],
            EventKind::StepFailedManual { note } => vec![note],
            EventKind::Note { text } => vec![text],
            EventKind::Handoff { note, .. } => note.iter_mut().collect(),
            EventKind::InputSet { value, .. } => vec![value],
            EventKind::RunStarted { runbook_path, .. } => vec![runbook_path],
            _ => Vec::new(),
        }
    }
}

/// The error of [`encode_line`]: serde_json failing on a value it cannot write (NaN metrics).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode a `{kind}` event: {source}")]
pub struct EncodeError {
    pub kind: &'static str,
    pub source: serde_json::Error,
}

/// Builds the line (without its newline) and the [`Event`] it stands for.
///
/// `ts` is cut to milliseconds so that the returned event equals what reading the line gives.
pub fn encode_line(
    seq: u64,
    ts: DateTime<Utc>,
    operator: &str,
    step: Option<&str>,
    kind: EventKind,
    prev: &str,
) -> Result<(String, Event), EncodeError> {
    use chrono::SubsecRound;
    let ts = ts.trunc_subsecs(3);
    let err = |source| EncodeError {
        kind: kind.type_name(),
        source,
    };
    let body = serde_json::to_string(&kind).map_err(err)?;
    // serde writes the tag first: `{"type":"name"` then `,field…` and the closing `}`.
    let tag = format!("{{\"type\":\"{}\"", kind.type_name());
    let Some(fields) = body.strip_prefix(&tag).and_then(|b| b.strip_suffix('}')) else {
        unreachable!("serde writes an internally tagged enum as {{\"type\":…}}: {body}")
    };
    let type_part = &tag[1..];
    let mut line = String::with_capacity(body.len() + 200);
    line.push_str("{\"seq\":");
    line.push_str(&seq.to_string());
    line.push_str(",\"ts\":\"");
    line.push_str(&ts.to_rfc3339_opts(SecondsFormat::Millis, true));
    line.push_str("\",\"operator\":");
    line.push_str(&serde_json::to_string(operator).map_err(err)?);
    line.push(',');
    line.push_str(type_part);
    if let Some(step) = step {
        line.push_str(",\"step\":");
        line.push_str(&serde_json::to_string(step).map_err(err)?);
    }
    line.push_str(fields);
    line.push_str(",\"prev\":\"");
    line.push_str(prev);
    line.push('"');
    let hash = sha256_hex(line.as_bytes());
    line.push_str(HASH_MARK);
    line.push_str(&hash);
    line.push_str("\"}");
    let event = Event {
        seq,
        ts,
        operator: operator.to_string(),
        step: step.map(str::to_string),
        kind,
        prev: prev.to_string(),
        hash,
    };
    Ok((line, event))
}

/// Why a line does not check out; the caller adds the line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("no `hash` field at the end of the line")]
    NoHash,
    #[error("hash does not match the line's bytes (the line was changed)")]
    HashMismatch,
    #[error("not a valid event: {0}")]
    BadJson(String),
    #[error("`hash` field differs from the line's trailing hash")]
    HashField,
}

/// Checks one line (without its newline) against its own hash and parses it.
pub fn decode_line(bytes: &[u8]) -> Result<Event, LineError> {
    let line = std::str::from_utf8(bytes).map_err(|_| LineError::NotUtf8)?;
    let mark = line.rfind(HASH_MARK).ok_or(LineError::NoHash)?;
    let tail = &line[mark + HASH_MARK.len()..];
    let hash = tail.strip_suffix("\"}").ok_or(LineError::NoHash)?;
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(LineError::NoHash);
    }
    if !digest_is(&Sha256::digest(&bytes[..mark]), hash) {
        return Err(LineError::HashMismatch);
    }
    let event: Event = serde_json::from_str(line).map_err(|e| LineError::BadJson(e.to_string()))?;
    if event.hash != hash {
        return Err(LineError::HashField);
    }
    Ok(event)
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether `hex` (lowercase, already checked to be 64 hex digits) spells `digest`: compared
/// in place, since replay checks every line and building strings was a tenth of its time.
fn digest_is(digest: &[u8], hex: &str) -> bool {
    digest.len() * 2 == hex.len()
        && digest
            .iter()
            .zip(hex.as_bytes().chunks_exact(2))
            .all(|(b, pair)| {
                pair[0] == HEX[usize::from(b >> 4)] && pair[1] == HEX[usize::from(b & 15)]
            })
}

impl Event {
    /// One line for a person: what happened, without the time and operator (the caller shows them).
    pub fn describe(&self) -> String {
        self.describe_step_as(self.step.as_ref().map(|id| format!("`{id}`")))
    }

    /// [`Event::describe`] with the step shown as `label` (its title, say) instead of its id.
    pub fn describe_step_as(&self, label: Option<String>) -> String {
        let on = |s: String| match &label {
            Some(step) => format!("{step}: {s}"),
            None => s,
        };
        match &self.kind {
            EventKind::RunStarted {
                runbook_title,
                runbook_path,
                host,
                version,
                ..
            } => format!(
                "run started: {runbook_title} ({runbook_path}) on {host}, flightdeck {version}"
            ),
            EventKind::InputSet {
                name,
                value,
                source,
                ..
            } => match source {
                Some(src) => format!("input {name} = {value} (from {src})"),
                None => format!("input {name} = {value}"),
            },
            EventKind::StepStarted { attempt, command } => on(match command {
                Some(c) => format!("started (attempt {attempt}): {}", first_line(c)),
                None => format!("started (attempt {attempt})"),
            }),
            EventKind::StepFinished {
                exit_code,
                signal,
                duration_ms,
                bytes,
                ended_at,
                ..
            } => {
                let how = match (exit_code, signal) {
                    (Some(0), _) => "succeeded".to_string(),
                    (Some(code), _) => format!("failed with exit code {code}"),
                    (None, Some(sig)) => format!("killed by signal {sig}"),
                    (None, None) => "ended without an exit code".to_string(),
                };
                let seen = ended_at.map_or(String::new(), |t| {
                    format!(
                        " (ended {} while no cockpit was open, observed after the fact)",
                        t.to_rfc3339_opts(SecondsFormat::Millis, true)
                    )
                });
                on(format!(
                    "{how} in {}, {bytes} bytes of output{seen}",
                    human_ms(*duration_ms)
                ))
            }
            EventKind::StepAcknowledged { note } => on(with_note("acknowledged", note.as_deref())),
            EventKind::StepSkipped { reason } => on(format!("skipped: {reason}")),
            EventKind::StepAdded { code, .. } => {
                on(format!("added as an ad-hoc step: {}", first_line(code)))
            }
            EventKind::StepFailedManual { note } => on(format!("marked failed: {note}")),
            EventKind::StepInterrupted { attempt } => on(format!(
                "interrupted (attempt {attempt}): the cockpit went away while it ran"
            )),
            EventKind::Note { text } => on(format!("note: {text}")),
            EventKind::Handoff { from, to, note } => {
                with_note(&format!("handoff from {from} to {to}"), note.as_deref())
            }
            EventKind::MetricBreach {
                metric,
                value,
                threshold,
            } => format!("breach: {metric} = {value} (threshold {threshold})"),
            EventKind::MetricRecovered { metric, value } => {
                format!("recovered: {metric} = {value}")
            }
            EventKind::GatePassed { figures } => on(format!("gate passed: {figures}")),
            EventKind::NotifyFailed { hook, error } => {
                format!("notification {hook} not sent: {error}")
            }
            EventKind::RunbookChanged {
                old_sha256,
                new_sha256,
                vanished,
                added,
            } => format!(
                "runbook changed ({} → {}): {} step(s) vanished{}, {} added{}",
                short(old_sha256),
                short(new_sha256),
                vanished.len(),
                list(vanished),
                added.len(),
                list(added)
            ),
            EventKind::JournalRepaired {
                torn_bytes,
                moved_to,
            } => format!("journal repaired: {torn_bytes} torn bytes moved to {moved_to}"),
            EventKind::RunResumed { host, version } => {
                format!("run resumed on {host}, flightdeck {version}")
            }
            EventKind::RunFinished { outcome } => format!("run finished: {outcome}"),
        }
    }
}

fn with_note(what: &str, note: Option<&str>) -> String {
    match note {
        Some(n) if !n.is_empty() => format!("{what} — {n}"),
        _ => what.to_string(),
    }
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" ({})", ids.join(", "))
    }
}

fn first_line(s: &str) -> String {
    let mut lines = s.lines();
    let first = lines.next().unwrap_or_default();
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

/// The first 12 hex digits of a hash: enough to tell two apart on screen.
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`: durations as people read them.
pub fn human_ms(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} min {:02} s", ms / 60_000, ms / 1000 % 60),
        _ => format!("{} h {:02} min", ms / 3_600_000, ms / 60_000 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ts() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 4, 12, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn line_has_fields_in_order_and_checks_out() {
        let (line, event) = encode_line(
            2,
            ts(),
            "alice",
            Some("migrate"),
            EventKind::StepStarted {
                attempt: 1,
                command: Some("psql -c 'select 1'".into()),
            },
            GENESIS,
        )
        .unwrap();
        let expected_head = r#"{"seq":2,"ts":"2026-11-21T04:12:00.000Z","operator":"alice","type":"step_started","step":"migrate","attempt":1,"command":"psql -c 'select 1'","prev":"0000"#;
        assert!(line.starts_with(expected_head), "{line}");
        assert!(line.ends_with(&format!(",\"hash\":\"{}\"}}", event.hash)));
        assert_eq!(decode_line(line.as_bytes()).unwrap(), event);
    }

    #[test]
    fn field_less_kind_and_nested_hash_key() {
        let figures = serde_json::json!({"hash": "x", "error_rate": 0.4});
        let (line, event) = encode_line(
            3,
            ts(),
            "bob",
            None,
            EventKind::GatePassed { figures },
            GENESIS,
        )
        .unwrap();
        assert_eq!(decode_line(line.as_bytes()).unwrap(), event);
        let flipped = line.replace("0.4", "0.5");
        assert_eq!(
            decode_line(flipped.as_bytes()),
            Err(LineError::HashMismatch)
        );
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_ms(850), "850 ms");
        assert_eq!(human_ms(12_345), "12.3 s");
        assert_eq!(human_ms(245_000), "4 min 05 s");
        assert_eq!(human_ms(3_720_000), "1 h 02 min");
    }
}
