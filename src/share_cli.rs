//! `flightdeck share sql|check` and the `--share URL` side of `journal list`, `journal verify`
//! and `export`: they read the shared copy, so they work from any machine and an empty data dir.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use flightdeck::journal::{self, export, padding, runs};
use flightdeck::share::{self, ShareError, remote};

use crate::emit::emit;
use crate::journal_cli::ExportFormat;

/// What `share` can do.
#[derive(Subcommand)]
pub enum ShareCommand {
    /// Print the DDL of the shared tables (every migration), for a DBA who grants no CREATE.
    Sql {
        /// Only the migrations after this version (the `flightdeck.schema_version` there),
        /// for a schema a DBA created by hand with an older flightdeck.
        #[arg(long, value_name = "N", default_value_t = 0)]
        from: i32,
    },
    /// Say what works against a shared database: connect, TLS, schema, permissions, LISTEN.
    ///
    /// Exit status: 0 when everything a captain needs works, 1 otherwise.
    Check {
        /// A libpq URL (`postgres://user@host/db?sslmode=verify-full`) or key/value string;
        /// without it (or `-`), `$FLIGHTDECK_SHARE`, which keeps the password out of `ps`
        /// and shell history; `$NAME` (quoted) reads that variable.
        url: Option<String>,
    },
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("flightdeck: {e}");
    ExitCode::from(2)
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))
}

async fn session(url: &str) -> Result<flightdeck::db::Db, ExitCode> {
    share::timed(share::connect(url))
        .await
        .map_err(|e| fail(format!("share {}: {e}", share::display_url(url))))
}

/// Runs a `share` subcommand.
pub fn share_command(command: ShareCommand) -> ExitCode {
    match command {
        ShareCommand::Sql { from } => emit(&share::schema::sql_from(from)),
        ShareCommand::Check { url } => {
            let url = match share::resolve_url(url.as_deref()) {
                Ok(u) => u,
                Err(e) => return fail(e),
            };
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            let findings = rt.block_on(share::check::check(&url));
            let mut out = String::new();
            for f in &findings {
                let mark = if f.ok { "ok  " } else { "FAIL" };
                let _ = writeln!(out, "{mark} {:<12} {}", f.what, f.text);
            }
            let written = emit(&out);
            if findings.iter().all(|f| f.ok) && findings.len() >= 5 {
                written
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// `journal list --share URL`: the shared runs, newest first.
pub fn list(url: &str) -> ExitCode {
    let url = match share::resolve_url(Some(url)) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let url = url.as_str();
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let db = session(url).await?;
            share::timed(remote::list(&db.client))
                .await
                .map_err(|e| fail(format!("share {}: {e}", share::display_url(url))))
        })
    });
    let runs = match result {
        Ok(r) => r,
        Err(code) => return code,
    };
    if runs.is_empty() {
        return emit(&format!(
            "no shared runs yet in {}\n",
            share::display_url(url)
        ));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<36} {:<10} {:>6}  {:<17} {:<17} {:<12} RUNBOOK",
        "RUN", "STATE", "EVENTS", "STARTED (UTC)", "LAST PUSH", "CAPTAIN"
    );
    for r in runs {
        let _ = writeln!(
            out,
            "{:<36} {:<10} {:>6}  {:<17} {:<17} {:<12} {}",
            printable(&r.run_id),
            printable(&r.status),
            r.last_seq,
            printable(&r.started),
            printable(&r.updated),
            printable(&r.captain),
            printable(&r.title)
        );
    }
    emit(&out)
}

/// Text from the database as it may reach a terminal: control characters (escape sequences)
/// shown as `?`.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `export --share URL RUN`: the handoff report of a shared run, rebuilt from its lines.
pub fn export(url: &str, run: &str, format: ExportFormat, output: Option<&Path>) -> ExitCode {
    let url = match share::resolve_url(Some(url)) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let url = url.as_str();
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let db = session(url).await?;
            let loaded = share::timed(async {
                let found = remote::find(&db.client, run).await?;
                remote::load(&db.client, &found).await
            })
            .await;
            loaded.map_err(|e| fail(format!("share {}: {e}", share::display_url(url))))
        })
    });
    let loaded = match result {
        Ok(l) => l,
        Err(code) => return code,
    };
    let text = match format {
        ExportFormat::Md => export::markdown(&loaded),
        ExportFormat::Json => match export::json(&loaded) {
            Ok(t) => t,
            Err(e) => return fail(format!("cannot encode the run as JSON: {e}")),
        },
    };
    crate::journal_cli::write_report(&text, output)
}

/// `journal verify --share URL RUN`: the local journal (checked on its own first) against the
/// shared copy, line by line; exit 1 naming the first difference.
pub fn verify(home: Option<&Path>, url: &str, run: &str) -> ExitCode {
    let url = match share::resolve_url(Some(url)) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let url = url.as_str();
    let dir = match runs::home_dir(home)
        .map_err(|e| e.to_string())
        .and_then(|h| runs::resolve(&h, run).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let run_id = runs::run_id_of(&dir);
    if let Err(e) = journal::verify(&dir) {
        eprintln!("flightdeck: {e}");
        return ExitCode::from(1);
    }
    let path = dir.join(journal::file::JOURNAL_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => return fail(format!("{}: {e}", path.display())),
    };
    let text = String::from_utf8_lossy(padding::text(&bytes)).into_owned();
    let local: Vec<&str> = text.lines().collect();
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let db = session(url).await?;
            share::timed(async {
                let row = remote::find(&db.client, &run_id).await?;
                if row.run_id != run_id {
                    return Err(ShareError::NoRun(run_id.clone()));
                }
                let lines = remote::lines(&db.client, &run_id).await?;
                Ok((row, lines))
            })
            .await
            .map_err(|e| fail(format!("share {}: {e}", share::display_url(url))))
        })
    });
    let (row, lines) = match result {
        Ok(r) => r,
        Err(code) => return code,
    };
    match remote::compare(&local, &lines, &row) {
        Ok(msg) => emit(&format!("{msg}\n")),
        Err(diff) => {
            eprintln!("flightdeck: {run_id}: {diff}");
            ExitCode::from(1)
        }
    }
}
