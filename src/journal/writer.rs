//! The journal writer: a thread that owns the [`Journal`] so that the UI task never waits on
//! `sync_data`. Requests are served in the order sent; each reply carries the durable event.

use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::journal::event::{Event, EventKind};
use crate::journal::file::{Journal, JournalError};

/// Where the writer sends an append's outcome: a closure, so the TUI can forward it as an
/// action into its own (tokio) channel, and tests can use a std channel.
pub type Reply = Box<dyn FnOnce(Result<Event, JournalError>) + Send + 'static>;

enum Request {
    Append {
        kind: EventKind,
        step: Option<String>,
        reply: Reply,
    },
    AddSecret(String),
    SetOperator(String),
    Listen(Listener),
}

/// Told each seq that became durable (a shared run's pusher), on the writer thread.
pub type Listener = Box<dyn FnMut(u64) + Send + 'static>;

/// A handle on the writer thread. Dropping every handle (or [`JournalWriter::close`]) ends it.
pub struct JournalWriter {
    tx: mpsc::Sender<Request>,
    thread: Option<JoinHandle<Journal>>,
}

impl JournalWriter {
    /// Moves `journal` onto a new thread.
    pub fn spawn(journal: Journal) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Request>();
        let thread = std::thread::Builder::new()
            .name(format!("journal {}", journal.run_id()))
            .spawn(move || {
                let mut journal = journal;
                let mut listener: Option<Listener> = None;
                for request in rx {
                    match request {
                        Request::Append { kind, step, reply } => {
                            let result = journal.append(kind, step.as_deref());
                            if let (Ok(event), Some(listen)) = (&result, listener.as_mut()) {
                                listen(event.seq);
                            }
                            reply(result);
                        }
                        Request::AddSecret(value) => journal.add_secret(&value),
                        Request::SetOperator(op) => journal.set_operator(&op),
                        Request::Listen(mut listen) => {
                            listen(journal.last_seq());
                            listener = Some(listen);
                        }
                    }
                }
                journal
            })?;
        Ok(JournalWriter {
            tx,
            thread: Some(thread),
        })
    }

    /// Queues an append; `reply` runs on the writer thread once the event is durable (or failed).
    /// Returns `false` when the writer is gone (its thread panicked).
    pub fn append(&self, kind: EventKind, step: Option<&str>, reply: Reply) -> bool {
        self.tx
            .send(Request::Append {
                kind,
                step: step.map(str::to_string),
                reply,
            })
            .is_ok()
    }

    /// Appends and blocks until durable: for the CLI and tests, never the UI task.
    pub fn append_wait(&self, kind: EventKind, step: Option<&str>) -> Result<Event, WriterError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let reply: Reply = Box::new(move |r| {
            let _ = tx.send(r);
        });
        if !self.append(kind, step, reply) {
            return Err(WriterError::Gone);
        }
        rx.recv()
            .map_err(|_| WriterError::Gone)?
            .map_err(WriterError::Journal)
    }

    /// Masks `value` in every later event (see [`Journal::add_secret`]).
    pub fn add_secret(&self, value: &str) {
        let _ = self.tx.send(Request::AddSecret(value.to_string()));
    }

    /// `listen` is told the last durable seq now, then each new one as soon as it is synced,
    /// before the append's reply: a shared run's pusher never waits on the UI task.
    pub fn on_durable(&self, listen: Listener) {
        let _ = self.tx.send(Request::Listen(listen));
    }

    /// Later events carry `operator` (after a handoff).
    pub fn set_operator(&self, operator: &str) {
        let _ = self.tx.send(Request::SetOperator(operator.to_string()));
    }

    /// Serves what is queued, stops the thread, and gives the journal (and its lock) back.
    pub fn close(mut self) -> Result<Journal, WriterError> {
        let thread = self.thread.take().ok_or(WriterError::Gone)?;
        let (dead, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.tx, dead));
        thread.join().map_err(|_| WriterError::Gone)
    }
}

/// Why a queued append has no answer.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    #[error("the journal writer stopped; restart flightdeck to resume the run")]
    Gone,
    #[error(transparent)]
    Journal(#[from] JournalError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_in_order_off_thread() {
        let home = tempfile::tempdir().unwrap();
        let text = "# W\n\n- [ ] a\n";
        let rb = crate::runbook::parse(text, "w.md");
        let journal = Journal::create(home.path(), &rb, text, "alice").unwrap();
        let writer = JournalWriter::spawn(journal).unwrap();
        let (tx, rx) = mpsc::channel();
        for n in 0..20 {
            let tx = tx.clone();
            writer.append(
                EventKind::Note {
                    text: format!("n{n}"),
                },
                None,
                Box::new(move |r| {
                    let _ = tx.send(r.map(|e| e.seq));
                }),
            );
        }
        let seqs: Vec<u64> = (0..20).map(|_| rx.recv().unwrap().unwrap()).collect();
        assert_eq!(seqs, (2..22).collect::<Vec<u64>>());
        let e = writer
            .append_wait(EventKind::StepSkipped { reason: "x".into() }, None)
            .unwrap_err();
        assert!(e.to_string().contains("must name a step"), "{e}");
        let journal = writer.close().unwrap();
        assert_eq!(
            crate::journal::verify(journal.run_dir()).unwrap(),
            journal.head()
        );
    }
}
