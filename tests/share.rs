//! Sharing a run through the real PostgreSQL: the pushed rows are the local lines byte for
//! byte, re-pushing is idempotent, a fork is caught and nothing is overwritten, an outage
//! loses and duplicates nothing, a journal shared later is uploaded whole, secrets never
//! leave the machine, and the shared copy reads back (`verify`, `list`, `export`).

mod journal_support;
mod services;
mod share_support;

use std::path::Path;
use std::process::Command;

use flightdeck::journal::{EventKind, Journal, JournalWriter, file, padding};
use flightdeck::share::schema;
use share_support::{Proxy, TestDb, database_of, eventually, start, upstream, with_user};

/// The local journal's lines, without newlines.
fn local_lines(run_dir: &Path) -> Vec<String> {
    let bytes = std::fs::read(run_dir.join(file::JOURNAL_FILE)).expect("journal");
    String::from_utf8(padding::text(&bytes).to_vec())
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect()
}

async fn shared_lines(db: &TestDb, run_id: &str) -> Vec<(i64, String, String)> {
    db.client()
        .await
        .client
        .query(
            "SELECT seq, line, hash FROM flightdeck.events WHERE run_id = $1 ORDER BY seq",
            &[&run_id],
        )
        .await
        .expect("events")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

async fn shared_output(db: &TestDb, run_id: &str, step: &str, attempt: i32) -> Vec<u8> {
    db.client()
        .await
        .client
        .query(
            "SELECT bytes FROM flightdeck.output WHERE run_id = $1 AND step_id = $2 AND attempt = $3 ORDER BY chunk_no",
            &[&run_id, &step, &attempt],
        )
        .await
        .expect("output")
        .iter()
        .flat_map(|r| r.get::<_, Vec<u8>>(0))
        .collect()
}

/// Every row's line equals the local line with the same seq, byte for byte, and there are no
/// more rows than lines.
async fn assert_same(db: &TestDb, run_dir: &Path) {
    let run_id = flightdeck::journal::runs::run_id_of(run_dir);
    let local = local_lines(run_dir);
    let shared = shared_lines(db, &run_id).await;
    assert_eq!(shared.len(), local.len(), "one row per local line");
    for (i, (seq, line, hash)) in shared.iter().enumerate() {
        assert_eq!(*seq, i as i64 + 1);
        assert_eq!(line, &local[i], "line {seq}");
        let event = flightdeck::journal::event::decode_line(line.as_bytes()).expect("line");
        assert_eq!(hash, &event.hash);
    }
    let row = db
        .client()
        .await
        .client
        .query_one(
            "SELECT last_seq, head_hash FROM flightdeck.runs WHERE run_id = $1",
            &[&run_id],
        )
        .await
        .expect("runs row");
    assert_eq!(row.get::<_, i64>(0), local.len() as i64);
    let head = flightdeck::journal::verify(run_dir).expect("local chain");
    assert_eq!(row.get::<_, String>(1), head);
}

fn note(n: u64) -> EventKind {
    EventKind::Note {
        text: format!("note {n}: {}", "x".repeat((n % 5 * 30) as usize)),
    }
}

fn small_run(home: &Path) -> Journal {
    let text = "# Share test\n\n## Go\n\n- [ ] look\n\n```bash\necho hi\n```\n";
    let rb = flightdeck::runbook::parse(text, "share-test.md");
    Journal::create(home, &rb, text, "alice").expect("create")
}

#[tokio::test]
async fn a_live_run_is_pushed_line_for_line_after_each_fsync() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let mut p = start(&db.url, &run_dir, "alice");
    let share = p.share.clone();
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    for n in 0..40 {
        writer.append_wait(note(n), None).expect("append");
    }
    let status = p.synced(41).await;
    assert_eq!((status.durable, status.acked, status.fork), (41, 41, None));
    assert_same(&db, &run_dir).await;
    // The schema was created on first use, at the version this build knows.
    let version = schema::version(&db.client().await.client)
        .await
        .expect("version");
    assert_eq!(version, Some(schema::latest()));
    writer.close().expect("close");
    p.pusher.finish(std::time::Duration::from_secs(10)).await;
    let status: String = db
        .client()
        .await
        .client
        .query_one("SELECT status FROM flightdeck.runs", &[])
        .await
        .expect("row")
        .get(0);
    assert_eq!(status, "abandoned", "a captain who left without finishing");
}

#[tokio::test]
async fn a_journal_shared_later_is_uploaded_whole_with_its_output_and_no_secret() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let lines = local_lines(&run_dir).len() as u64;
    assert!(lines > 20, "a real run: {lines} lines");
    let mut p = start(&db.url, &run_dir, "bob");
    p.synced(lines).await;
    assert_same(&db, &run_dir).await;
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    // Every output file, as it is on disk (already masked).
    let outputs = flightdeck::share::local::output_files(&run_dir);
    assert!(!outputs.is_empty());
    for (step, attempt) in &outputs {
        let local = std::fs::read(file::output_path(&run_dir, step, *attempt)).expect("output");
        eventually(&format!("output of {step}.{attempt} shared"), || async {
            shared_output(&db, &run_id, step, *attempt as i32).await == local
        })
        .await;
    }
    // The canary secret is in no shared table, in any form.
    let c = db.client().await;
    for table in ["runs", "events", "output"] {
        let text: String = c
            .client
            .query_one(
                &format!(
                    "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM flightdeck.{table} t"
                ),
                &[],
            )
            .await
            .expect("dump")
            .get(0);
        assert!(!text.is_empty(), "{table} has rows");
        for secret in [journal_support::CANARY, journal_support::URL_CANARY] {
            assert!(!text.contains(secret), "{secret} leaked into {table}");
        }
    }
    let bytes: i64 = c
        .client
        .query_one(
            "SELECT count(*) FROM flightdeck.output WHERE position($1::bytea in bytes) > 0",
            &[&journal_support::CANARY.as_bytes()],
        )
        .await
        .expect("search")
        .get(0);
    assert_eq!(bytes, 0);
}

#[tokio::test]
async fn pushing_twice_at_once_is_idempotent() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let lines = local_lines(&run_dir).len() as u64;
    // Two pushers race over the same lines: the loser's inserts meet equal rows.
    let mut a = start(&db.url, &run_dir, "bob");
    let mut b = start(&db.url, &run_dir, "bob");
    let (sa, sb) = tokio::join!(a.synced(lines), b.synced(lines));
    assert_eq!((sa.fork, sb.fork), (None, None));
    assert_same(&db, &run_dir).await;
    // A third, later, finds everything there and adds nothing.
    let mut c = start(&db.url, &run_dir, "bob");
    c.synced(lines).await;
    assert_same(&db, &run_dir).await;
}

#[tokio::test]
async fn a_fork_is_shown_and_nothing_is_overwritten() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let mut p = start(&db.url, &run_dir, "alice");
    let share = p.share.clone();
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    for n in 0..5 {
        writer.append_wait(note(n), None).expect("append");
    }
    p.synced(6).await;
    // Another writer got seq 7 into the shared copy first.
    let bogus = "{\"seq\":7,\"forged\":true}";
    db.client()
        .await
        .client
        .execute(
            "INSERT INTO flightdeck.events (run_id, seq, line, hash) VALUES ($1, 7, $2, 'f00d')",
            &[&run_id, &bogus],
        )
        .await
        .expect("forge");
    writer.append_wait(note(6), None).expect("append 7");
    writer.append_wait(note(7), None).expect("append 8");
    let status = p.until("a fork", |s| s.fork.is_some()).await;
    assert_eq!(status.fork, Some(7));
    assert_eq!(status.label(), "share: FORK at seq 7");
    let shared = shared_lines(&db, &run_id).await;
    assert_eq!(shared.len(), 7, "nothing after the fork was pushed");
    assert_eq!(shared[6].1, bogus, "the stored row is not overwritten");
    // A cockpit opened later on the same journal sees it too: its head differs.
    writer.close().expect("close");
    p.pusher.finish(std::time::Duration::from_secs(5)).await;
    let mut again = start(&db.url, &run_dir, "alice");
    let status = again
        .until("a fork on reopening", |s| s.fork.is_some())
        .await;
    assert_eq!(status.fork, Some(7));
    assert_eq!(shared_lines(&db, &run_id).await[6].1, bogus);
}

#[tokio::test]
async fn a_tampered_shared_head_is_a_fork_for_the_next_cockpit() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    let lines = local_lines(&run_dir).len() as u64;
    let mut p = start(&db.url, &run_dir, "bob");
    p.synced(lines).await;
    p.pusher.finish(std::time::Duration::from_secs(5)).await;
    let c = db.client().await;
    c.client
        .execute(
            "UPDATE flightdeck.events SET line = replace(line, 'note', 'NOTE'), hash = repeat('e', 64) WHERE run_id = $1 AND seq = $2",
            &[&run_id, &(lines as i64)],
        )
        .await
        .expect("tamper");
    let tampered = shared_lines(&db, &run_id).await;
    let row_before = runs_row(&db, &run_id).await;
    // Another captain on another copy of the runbook: a fork at handshake changes nothing.
    std::fs::write(run_dir.join("runbook.md"), "# Someone else's runbook\n").expect("runbook");
    let mut again = start(&db.url, &run_dir, "mallory");
    let status = again.until("a fork", |s| s.fork.is_some()).await;
    assert_eq!(status.fork, Some(lines));
    assert_eq!(
        shared_lines(&db, &run_id).await,
        tampered,
        "nothing overwritten"
    );
    assert_eq!(
        runs_row(&db, &run_id).await,
        row_before,
        "the runs row is unchanged after a fork"
    );
}

/// The runs row's metadata, as text: (captain, status, runbook_sha256, runbook, updated_at).
async fn runs_row(db: &TestDb, run_id: &str) -> Vec<String> {
    let row = db
        .client()
        .await
        .client
        .query_one(
            "SELECT captain, status, runbook_sha256, runbook, updated_at::text
             FROM flightdeck.runs WHERE run_id = $1",
            &[&run_id],
        )
        .await
        .expect("runs row");
    (0..5).map(|i| row.get::<_, String>(i)).collect()
}

#[tokio::test]
async fn the_runbook_is_uploaded_with_its_passwords_masked() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let share_url = with_user(&db.url, "captain", "SharePwCanary77");
    let text = format!(
        "---\ndatabases:\n  prod: postgres://app:DbPwCanary11@db.internal/prod\n  \
         ops: \"host=db.internal password=KvPwCanary22 dbname=ops\"\nshare: {share_url}\n---\n\
         # Masked\n\n## Go\n\n- [ ] look\n"
    );
    let rb = flightdeck::runbook::parse(&text, "masked.md");
    let journal = Journal::create(home.path(), &rb, &text, "alice").expect("create");
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    drop(journal);
    let mut p = start(&db.url, &run_dir, "alice");
    p.synced(1).await;
    let c = db.client().await;
    let (runbook, sha): (String, String) = {
        let r = c
            .client
            .query_one(
                "SELECT runbook, runbook_sha256 FROM flightdeck.runs WHERE run_id = $1",
                &[&run_id],
            )
            .await
            .expect("runs row");
        (r.get(0), r.get(1))
    };
    for secret in ["DbPwCanary11", "KvPwCanary22", "SharePwCanary77"] {
        assert!(!runbook.contains(secret), "{secret} uploaded: {runbook}");
    }
    assert!(runbook.contains("# Masked"), "{runbook}");
    assert_eq!(sha, flightdeck::journal::event::sha256_hex(text.as_bytes()));
}

#[tokio::test]
async fn an_outage_loses_and_duplicates_nothing() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let proxy = Proxy::start(upstream(&db.url)).await;
    let url = proxy.url(&db.url);
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let mut p = start(&url, &run_dir, "alice");
    let share = p.share.clone();
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    for n in 0..10 {
        writer.append_wait(note(n), None).expect("append");
    }
    p.synced(11).await;
    // The network goes away mid-run; the captain keeps appending, unblocked.
    proxy.cut();
    for n in 10..30 {
        writer
            .append_wait(note(n), None)
            .expect("append while offline");
    }
    let offline = p
        .until("offline and behind", |s| {
            s.offline.is_some() && s.behind() > 0
        })
        .await;
    assert!(offline.label().ends_with("behind"), "{}", offline.label());
    proxy.restore();
    for n in 30..35 {
        writer.append_wait(note(n), None).expect("append");
    }
    let back = p.synced(36).await;
    assert_eq!(back.label(), "share ok");
    assert_same(&db, &run_dir).await;
    assert!(
        proxy.accepted.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "it reconnected"
    );
    writer.close().expect("close");
}

fn flightdeck(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    c.env("FLIGHTDECK_HOME", home)
        .env_remove("FLIGHTDECK_SHARE");
    c
}

fn out(c: &mut Command) -> (i32, String, String) {
    let o = c.output().expect("run flightdeck");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test]
async fn share_sql_applies_to_an_empty_database_and_a_pusher_needs_no_create_after() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let (code, sql, err) = out(flightdeck(home.path()).args(["share", "sql"]));
    assert_eq!(code, 0, "{err}");
    assert!(sql.contains("CREATE TABLE flightdeck.events"), "{sql}");
    // Up to date already: nothing to create, not even the schema.
    let latest = schema::latest().to_string();
    let (code, upto, err) = out(flightdeck(home.path()).args(["share", "sql", "--from", &latest]));
    assert_eq!(code, 0, "{err}");
    assert!(
        !upto.contains("CREATE TABLE") && !upto.contains("CREATE SCHEMA"),
        "{upto}"
    );
    let c = db.client().await;
    c.client.batch_execute(&sql).await.expect("the DDL applies");
    assert_eq!(
        schema::version(&c.client).await.expect("version"),
        Some(schema::latest())
    );
    // A role with only the grants the DDL's comment names can share a run.
    // A password, so that the role logs in under scram as under trust.
    let role = format!("fd_share_role_{}", std::process::id());
    let password = "fd-role-pw-0417";
    c.client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{password}';
             REVOKE CREATE ON DATABASE {db} FROM PUBLIC;
             GRANT USAGE ON SCHEMA flightdeck TO {role};
             GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA flightdeck TO {role};",
            db = database_of(&db.url)
        ))
        .await
        .expect("role");
    let role_url = with_user(&db.url, &role, password);
    assert_ne!(role_url, db.url, "the pusher really logs in as the role");
    let who: String = flightdeck::db::connect(&role_url, std::time::Duration::from_secs(5))
        .await
        .expect("the role logs in")
        .client
        .query_one("SELECT current_user::text", &[])
        .await
        .expect("current_user")
        .get(0);
    assert_eq!(who, role);
    let run_dir = journal_support::scripted_run(home.path());
    let lines = local_lines(&run_dir).len() as u64;
    let mut p = start(&role_url, &run_dir, "bob");
    p.synced(lines).await;
    p.pusher.finish(std::time::Duration::from_secs(5)).await;
    assert_same(&db, &run_dir).await;
    let (code, text, _) = out(flightdeck(home.path()).args(["share", "check", &role_url]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("ok   permissions"), "{text}");
    // Without SELECT on the version table the pusher cannot start: check says so.
    c.client
        .batch_execute(&format!(
            "REVOKE SELECT ON flightdeck.schema_version FROM {role}"
        ))
        .await
        .expect("revoke");
    let (code, text, _) = out(flightdeck(home.path()).args(["share", "check", &role_url]));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("schema_version"), "{text}");
    drop(c);
    let admin = db.client().await;
    let _ = admin
        .client
        .batch_execute(&format!(
            "DROP OWNED BY {role}; DROP ROLE IF EXISTS {role};"
        ))
        .await;
}

#[tokio::test]
async fn share_check_says_what_works_and_fails_on_a_bad_url() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let (code, text, err) = out(flightdeck(home.path()).args(["share", "check", &db.url]));
    assert_eq!(code, 0, "{text}{err}");
    for what in ["connect", "tls", "schema", "permissions", "listen"] {
        assert!(text.contains(&format!("ok   {what}")), "{what}: {text}");
    }
    assert!(text.contains("not there yet"), "{text}");
    // Nothing listens on port 1.
    let bad = share_support::with_database(&db.url, "x").replace(&upstream(&db.url), "127.0.0.1:1");
    let (code, text, _) = out(flightdeck(home.path()).args(["share", "check", &bad]));
    assert_eq!(code, 1, "{text}");
    assert!(text.starts_with("FAIL connect"), "{text}");
    // A database that does not exist.
    let missing = share_support::with_database(&db.url, "fd_share_no_such_db");
    let (code, text, _) = out(flightdeck(home.path()).args(["share", "check", &missing]));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("does not exist"), "{text}");
}

#[tokio::test]
async fn verify_share_names_a_deleted_tail_and_a_changed_line() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    let lines = local_lines(&run_dir).len() as u64;
    let mut p = start(&db.url, &run_dir, "bob");
    p.synced(lines).await;
    p.pusher.finish(std::time::Duration::from_secs(5)).await;
    let verify = |home: &Path| {
        out(flightdeck(home).args(["journal", "verify", "--share", &db.url, &run_id]))
    };
    let (code, text, err) = verify(home.path());
    assert_eq!(code, 0, "{text}{err}");
    assert!(text.contains(&format!("agree ({lines} lines)")), "{text}");

    // The local journal loses its last line: its own chain still checks out.
    let other = tempfile::tempdir().expect("tempdir");
    let copy = other.path().join("runs").join(&run_id);
    std::fs::create_dir_all(&copy).expect("mkdir");
    std::fs::copy(run_dir.join("runbook.md"), copy.join("runbook.md")).expect("copy");
    let local = local_lines(&run_dir);
    let cut: String = local[..local.len() - 1]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(copy.join(file::JOURNAL_FILE), cut).expect("truncate");
    assert!(
        flightdeck::journal::verify(&copy).is_ok(),
        "the chain alone cannot tell"
    );
    let (code, _, err) = verify(other.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "line {lines}: in the shared copy but not in the local journal"
        )),
        "{err}"
    );

    // The shared copy loses its tail: the runs row's head still says where it ended.
    let c = db.client().await;
    let removed = c
        .client
        .execute(
            "DELETE FROM flightdeck.events WHERE run_id = $1 AND seq >= $2",
            &[&run_id, &(lines as i64 - 1)],
        )
        .await
        .expect("delete tail");
    assert_eq!(removed, 2);
    let (code, _, err) = verify(home.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("line {}: missing from the shared copy", lines - 1)),
        "{err}"
    );

    // Put it back, then change one line in the shared copy.
    let mut again = start(&db.url, &run_dir, "bob");
    again.synced(lines).await;
    again.pusher.finish(std::time::Duration::from_secs(5)).await;
    assert_eq!(verify(home.path()).0, 0);
    c.client
        .execute(
            "UPDATE flightdeck.events SET line = replace(line, 'alice', 'mallory') WHERE run_id = $1 AND seq = 3",
            &[&run_id],
        )
        .await
        .expect("change a line");
    let (code, _, err) = verify(home.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("line 3: the shared copy differs from the local journal"),
        "{err}"
    );
}

#[tokio::test]
async fn list_and_export_share_work_from_an_empty_data_dir() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    let lines = local_lines(&run_dir).len() as u64;
    let mut p = start(&db.url, &run_dir, "bob");
    p.synced(lines).await;
    p.pusher.finish(std::time::Duration::from_secs(5)).await;
    let empty = tempfile::tempdir().expect("tempdir");
    let (code, text, err) =
        out(flightdeck(empty.path()).args(["journal", "list", "--share", &db.url]));
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(&run_id), "{text}");
    assert!(text.contains(&format!(" {lines}  ")), "{text}");
    for format in ["md", "json"] {
        let (code, local, err) =
            out(flightdeck(home.path()).args(["export", &run_id, "--format", format]));
        assert_eq!(code, 0, "{err}");
        let (code, shared, err) = out(flightdeck(empty.path())
            .args(["export", "--share", &db.url, &run_id, "--format", format]));
        assert_eq!(code, 0, "{err}");
        assert_eq!(shared, local, "{format} export from the share");
    }
    assert!(
        std::fs::read_dir(empty.path())
            .expect("empty")
            .next()
            .is_none(),
        "nothing was written to the empty data dir"
    );
}

#[tokio::test]
async fn a_flood_of_output_is_coalesced_and_the_shared_copy_is_the_file_at_the_end() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    drop(journal);
    let mut p = start(&db.url, &run_dir, "alice");
    p.synced(1).await;
    let path = file::output_path(&run_dir, "go.flood", 1);
    let mut written = Vec::new();
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&path).expect("output file");
        // 4 MiB in 2 000 writes, each told to the pusher as the cockpit would.
        for n in 0..2000 {
            let chunk = format!("{n:05} {}\n", "y".repeat(2090));
            f.write_all(chunk.as_bytes()).expect("write");
            written.extend_from_slice(chunk.as_bytes());
            p.share.output_grew("go.flood", 1);
        }
    }
    p.share.output_ended("go.flood", 1);
    eventually("the flood shared whole", || async {
        shared_output(&db, &run_id, "go.flood", 1).await == written
    })
    .await;
    // Rows follow each other exactly: no gap, no overlap, numbered in order.
    let rows = db
        .client()
        .await
        .client
        .query(
            "SELECT chunk_no, byte_offset, length(bytes) FROM flightdeck.output WHERE run_id = $1 ORDER BY chunk_no",
            &[&run_id],
        )
        .await
        .expect("rows");
    let mut next = 0i64;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.get::<_, i32>(0), i as i32);
        assert_eq!(
            r.get::<_, i64>(1),
            next,
            "chunk {i} starts where the last ended"
        );
        next += i64::from(r.get::<_, i32>(2));
    }
    assert_eq!(next, written.len() as i64);
    assert!(
        rows.len() < 2000,
        "2 000 notes became {} rows: coalesced",
        rows.len()
    );
}

#[tokio::test]
async fn each_pushed_batch_is_notified_on_the_runs_channel() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    let writer = JournalWriter::spawn(journal).expect("writer");
    // A follower-to-be: LISTEN on the run's channel before anything is pushed.
    // With TLS as the cockpits use it (a test database may require it).
    let (tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
    let config: tokio_postgres::Config = db.url.parse().expect("test URL");
    let client = if config.get_ssl_mode() == tokio_postgres::config::SslMode::Disable {
        let (client, conn) = config
            .connect(tokio_postgres::NoTls)
            .await
            .expect("listen session");
        tokio::spawn(forward_notifications(conn, tx));
        client
    } else {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(flightdeck::tls::encrypt_only());
        let (client, conn) = config.connect(tls).await.expect("listen session");
        tokio::spawn(forward_notifications(conn, tx));
        client
    };
    let channel = flightdeck::share::channel(&run_id);
    client
        .batch_execute(&format!("LISTEN {channel}"))
        .await
        .expect("listen");
    let mut p = start(&db.url, &run_dir, "alice");
    let share = p.share.clone();
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    for n in 0..3 {
        writer.append_wait(note(n), None).expect("append");
    }
    p.synced(4).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut last = 0u64;
    while last < 4 {
        let (ch, payload) = tokio::time::timeout_at(deadline, notes.recv())
            .await
            .expect("a notification within 30 s")
            .expect("the session lives");
        assert_eq!(ch, channel);
        let seq: u64 = payload.parse().expect("the payload is a seq");
        assert!(seq > last, "in order: {seq} after {last}");
        last = seq;
    }
    writer.close().expect("close");
}

#[tokio::test]
async fn closing_while_offline_gives_up_at_once_and_says_how_far_behind() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let proxy = Proxy::start(upstream(&db.url)).await;
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    let writer = JournalWriter::spawn(journal).expect("writer");
    let mut p = start(&proxy.url(&db.url), &run_dir, "alice");
    let share = p.share.clone();
    writer.on_durable(Box::new(move |seq| share.durable(seq)));
    p.synced(1).await;
    proxy.cut();
    for n in 0..5 {
        writer.append_wait(note(n), None).expect("append");
    }
    p.until("offline", |s| s.offline.is_some() && s.durable == 6)
        .await;
    writer.close().expect("close");
    // Within a minute it either gave up by itself (Some) or was stopped (None).
    let last = p
        .pusher
        .finish(std::time::Duration::from_secs(60))
        .await
        .expect("the pusher ends by itself when closing offline");
    assert_eq!((last.acked, last.behind()), (1, 5));
    // Nothing beyond seq 1 reached the database; the next cockpit pushes the rest.
    proxy.restore();
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    assert_eq!(shared_lines(&db, &run_id).await.len(), 1);
    let mut next = start(&db.url, &run_dir, "alice");
    next.synced(6).await;
    assert_same(&db, &run_dir).await;
}

#[tokio::test]
async fn a_failure_retrying_cannot_cure_says_so_with_its_fix() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    drop(journal);
    let missing = share_support::with_database(&db.url, "fd_share_no_such_database");
    let mut p = start(&missing, &run_dir, "alice");
    let status = p.until("a problem", |s| s.problem.is_some()).await;
    let problem = status.problem.clone().expect("problem");
    assert!(problem.contains("3D000"), "{problem}");
    assert!(
        problem.contains("create it or correct the URL"),
        "{problem}"
    );
    assert_eq!(status.label(), "share: FAILED");
    // A URL that is no connection string at all is named as such, without connecting.
    let mut bad = start("postgres://fd@db:notaport/ops", &run_dir, "alice");
    let status = bad.until("a problem", |s| s.problem.is_some()).await;
    let problem = status.problem.expect("problem");
    assert!(
        problem.contains("not a PostgreSQL connection string"),
        "{problem}"
    );
}

#[test]
fn run_refuses_a_malformed_share_url_before_the_cockpit_opens() {
    let home = tempfile::tempdir().expect("tempdir");
    let book = home.path().join("book.md");
    std::fs::write(&book, "# T\n\n- [ ] look\n").expect("runbook");
    let (code, stdout, stderr) = out(flightdeck(home.path()).args([
        "run",
        book.to_str().expect("path"),
        "--new",
        "--share",
        "postgres://fd:hunter2pw@db:notaport/ops",
    ]));
    assert_ne!(code, 0, "{stdout}{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("not a PostgreSQL connection string"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2pw"), "{stderr}");
    assert!(!home.path().join("runs").exists(), "nothing created");
}

#[tokio::test]
async fn a_shared_output_that_does_not_add_up_to_the_file_is_said_loudly() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    let lines = local_lines(&run_dir).len() as u64;
    let mut p = start(&db.url, &run_dir, "bob");
    p.synced(lines).await;
    let (step, attempt) = flightdeck::share::local::output_files(&run_dir)
        .into_iter()
        .next()
        .expect("an output file");
    let local = std::fs::read(file::output_path(&run_dir, &step, attempt)).expect("output");
    assert!(!local.is_empty());
    eventually("the output shared", || async {
        shared_output(&db, &run_id, &step, attempt as i32).await == local
    })
    .await;
    p.pusher.finish(std::time::Duration::from_secs(5)).await;
    // A chunk goes missing from the shared copy (a late insert that never came, a hand).
    let c = db.client().await;
    c.client
        .execute(
            "INSERT INTO flightdeck.output (run_id, step_id, attempt, chunk_no, byte_offset, bytes)
             SELECT run_id, step_id, attempt, max(chunk_no) + 1, max(byte_offset + length(bytes)), '\\x78797a'::bytea
             FROM flightdeck.output WHERE run_id = $1 AND step_id = $2 AND attempt = $3
             GROUP BY run_id, step_id, attempt",
            &[&run_id, &step, &(attempt as i32)],
        )
        .await
        .expect("damage");
    let mut again = start(&db.url, &run_dir, "bob");
    let status = again
        .until("the divergence said", |s| s.problem.is_some())
        .await;
    let problem = status.problem.clone().expect("problem");
    assert!(
        problem.contains(&format!("shared output of step {step} attempt {attempt}")),
        "{problem}"
    );
    assert!(
        problem.contains("DELETE FROM flightdeck.output"),
        "{problem}"
    );
    assert_eq!(status.label(), "share: FAILED");
}

#[tokio::test]
async fn the_share_commands_read_the_url_from_flightdeck_share() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    let lines = local_lines(&run_dir).len() as u64;
    let mut p = start(&db.url, &run_dir, "bob");
    p.synced(lines).await;
    p.pusher.finish(std::time::Duration::from_secs(10)).await;
    let (code, text, err) = out(flightdeck(home.path())
        .env("FLIGHTDECK_SHARE", &db.url)
        .args(["share", "check"]));
    assert_eq!(code, 0, "{text}{err}");
    let (code, text, err) = out(flightdeck(home.path())
        .env("FLIGHTDECK_SHARE", &db.url)
        .args(["journal", "list", "--share", "-"]));
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(&run_id), "{text}");
    let (code, _, err) = out(flightdeck(home.path())
        .env("FD_TEST_OTHER_SHARE", &db.url)
        .args([
            "journal",
            "verify",
            &run_id,
            "--share",
            "$FD_TEST_OTHER_SHARE",
        ]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = out(flightdeck(home.path())
        .env_remove("FLIGHTDECK_SHARE")
        .args(["share", "check"]));
    assert_ne!(code, 0);
    assert!(err.contains("$FLIGHTDECK_SHARE is not set"), "{err}");
}

#[tokio::test]
async fn a_fork_is_reported_where_the_copies_part_not_where_they_end() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    let lines = local_lines(&run_dir).len() as u64;
    assert!(lines > 5);
    let mut p = start(&db.url, &run_dir, "bob");
    p.synced(lines).await;
    p.pusher.finish(std::time::Duration::from_secs(5)).await;
    // Another writer's history from seq 4 on: lines 4.. differ, the head too.
    db.client()
        .await
        .client
        .execute(
            "UPDATE flightdeck.events SET line = line || ' ', hash = repeat('d', 64)
             WHERE run_id = $1 AND seq >= 4",
            &[&run_id],
        )
        .await
        .expect("tamper");
    let mut again = start(&db.url, &run_dir, "bob");
    let status = again.until("a fork", |s| s.fork.is_some()).await;
    assert_eq!(status.fork, Some(4));
}

/// Sends each notification of a session as (channel, payload) until the session ends.
async fn forward_notifications<S, T>(
    mut conn: tokio_postgres::Connection<S, T>,
    tx: tokio::sync::mpsc::UnboundedSender<(String, String)>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use futures_util::StreamExt;
    let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
    while let Some(Ok(m)) = messages.next().await {
        if let tokio_postgres::AsyncMessage::Notification(n) = m {
            let _ = tx.send((n.channel().to_string(), n.payload().to_string()));
        }
    }
}

/// A run folder copied to another "machine" (another data dir): same run id, same lines so far.
fn copy_run(from: &Path, home: &Path) -> std::path::PathBuf {
    let to = home
        .join("runs")
        .join(from.file_name().expect("run folder name"));
    std::fs::create_dir_all(to.join("output")).expect("mkdir");
    for name in [file::JOURNAL_FILE, "runbook.md"] {
        std::fs::copy(from.join(name), to.join(name)).expect("copy");
    }
    to
}

#[tokio::test]
async fn two_cockpits_racing_for_one_seq_land_one_row_and_the_loser_says_so() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let journal = small_run(a.path());
    let dir_a = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    drop(journal);
    let dir_b = copy_run(&dir_a, b.path());
    // Each machine appends its own seq 2.
    for (dir, who) in [(&dir_a, "alice"), (&dir_b, "bob")] {
        let (mut j, _, _) = Journal::open(dir, who).expect("open");
        j.append(
            EventKind::Note {
                text: format!("seq 2 written by {who}"),
            },
            None,
        )
        .expect("append");
    }
    // Both push at once.
    let mut pa = start(&db.url, &dir_a, "alice");
    let mut pb = start(&db.url, &dir_b, "bob");
    let settled = |s: &flightdeck::share::ShareStatus| {
        (s.acked >= 2 && s.behind() == 0 && s.offline.is_none())
            || s.problem.is_some()
            || s.fork.is_some()
    };
    let (sa, sb) = tokio::join!(
        pa.until("a settled", settled),
        pb.until("b settled", settled)
    );
    let won = |s: &flightdeck::share::ShareStatus| s.problem.is_none() && s.fork.is_none();
    assert!(
        won(&sa) != won(&sb),
        "exactly one cockpit pushes: {sa:?} / {sb:?}"
    );
    let (winner, loser, loser_dir) = if won(&sa) {
        ("alice", sb, &dir_b)
    } else {
        ("bob", sa, &dir_a)
    };
    // The loser says so loudly: the lease names the other cockpit; it never got to insert.
    let said = loser.problem.clone().unwrap_or_default();
    let winner_dir = if winner == "alice" { &dir_a } else { &dir_b };
    assert!(
        said.contains("shared by another cockpit")
            && said.contains(&flightdeck::share::pusher::lease_holder(winner_dir)),
        "{loser:?}"
    );
    assert_eq!(loser.label(), "share: FAILED");
    let shared = shared_lines(&db, &run_id).await;
    assert_eq!(shared.len(), 2, "one row per seq");
    assert!(
        shared[1].1.contains(&format!("written by {winner}")),
        "{}",
        shared[1].1
    );
    // The loser's journal still holds its own line: nothing lost locally, nothing overwritten.
    assert!(local_lines(loser_dir)[1].contains("written by"));
    // The lease is the winner's folder on this machine.
    let holder: Option<String> = db
        .client()
        .await
        .client
        .query_one(
            "SELECT lease_holder FROM flightdeck.runs WHERE run_id = $1",
            &[&run_id],
        )
        .await
        .expect("runs row")
        .get(0);
    assert_eq!(
        holder,
        Some(flightdeck::share::pusher::lease_holder(winner_dir))
    );
}

#[tokio::test]
async fn a_cockpit_that_quits_releases_the_lease_and_the_same_folder_takes_it_again() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let run_dir = journal_support::scripted_run(home.path());
    let run_id = flightdeck::journal::runs::run_id_of(&run_dir);
    let lines = local_lines(&run_dir).len() as u64;
    let lease = |db: &TestDb| {
        let run_id = run_id.clone();
        let url = db.url.clone();
        async move {
            let c = flightdeck::db::connect(&url, std::time::Duration::from_secs(5))
                .await
                .expect("connect");
            let r = c
                .client
                .query_one(
                    "SELECT lease_holder, lease_expires_at > now() FROM flightdeck.runs WHERE run_id = $1",
                    &[&run_id],
                )
                .await
                .expect("row");
            (r.get::<_, Option<String>>(0), r.get::<_, Option<bool>>(1))
        }
    };
    let mut p = start(&db.url, &run_dir, "alice");
    p.synced(lines).await;
    assert_eq!(
        lease(&db).await,
        (
            Some(flightdeck::share::pusher::lease_holder(&run_dir)),
            Some(true)
        )
    );
    p.pusher.finish(std::time::Duration::from_secs(10)).await;
    assert_eq!(lease(&db).await, (None, None), "released on the way out");
    // Another operator reopening the same folder is the same writer.
    let mut again = start(&db.url, &run_dir, "bob");
    let s = again.synced(lines).await;
    assert_eq!((s.problem, s.fork), (None, None));
}

/// The lease of `run_dir` as the database has it: (holder, live).
async fn lease_of(db: &TestDb, run_dir: &Path) -> (Option<String>, bool) {
    let r = db
        .client()
        .await
        .client
        .query_one(
            "SELECT lease_holder, coalesce(lease_expires_at > now(), false) FROM flightdeck.runs WHERE run_id = $1",
            &[&flightdeck::journal::runs::run_id_of(run_dir)],
        )
        .await
        .expect("runs row");
    (r.get(0), r.get(1))
}

/// A config for `run_dir` with a 3 s lease renewed every 500 ms.
fn short_lease(url: &str, run_dir: &Path, captain: &str) -> flightdeck::share::ShareConfig {
    let mut c = flightdeck::share::ShareConfig::new(
        url.into(),
        run_dir.to_path_buf(),
        flightdeck::journal::runs::run_id_of(run_dir),
        captain.into(),
    );
    c.lease = std::time::Duration::from_secs(3);
    c.renew_every = std::time::Duration::from_millis(500);
    c
}

/// A long step printing steadily pushes output and no events: the lease is renewed on its
/// own schedule all the same, so a live captain can never be taken over.
#[tokio::test]
async fn the_lease_never_lapses_while_a_step_prints_steadily() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    drop(journal);
    let mut p = share_support::start_with(short_lease(&db.url, &run_dir, "alice"));
    p.synced(1).await;
    let me = flightdeck::share::pusher::lease_holder(&run_dir);
    let path = file::output_path(&run_dir, "go.steady", 1);
    let mut f = std::fs::File::create(&path).expect("output file");
    // Output every 100 ms for three leases' worth (about 9 s): the old pusher renewed only
    // when idle, so this let the lease lapse after 3 s.
    for n in 0..90 {
        use std::io::Write;
        writeln!(f, "line {n}").expect("write");
        p.share.output_grew("go.steady", 1);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(
            lease_of(&db, &run_dir).await,
            (Some(me.clone()), true),
            "the lease lapsed while output flowed (line {n})"
        );
    }
}

/// After a takeover the old cockpit writes nothing more: its output is refused under the
/// lease, its pusher stops for good (saying who took over), and quitting it leaves the new
/// captain's run active with the new holder.
#[tokio::test]
async fn a_cockpit_taken_over_adds_no_output_and_quitting_it_leaves_the_run_active() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let mut journal = small_run(a.path());
    journal
        .append(
            EventKind::Handoff {
                from: "alice".into(),
                to: "bob".into(),
                note: None,
            },
            None,
        )
        .expect("handoff");
    let dir_a = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    drop(journal);
    let mut pa = start(&db.url, &dir_a, "alice");
    pa.synced(2).await;
    // Bob, on another machine, takes the offered lease and goes on.
    let dir_b = copy_run(&dir_a, b.path());
    let me_b = flightdeck::share::pusher::lease_holder(&dir_b);
    let c = db.client().await;
    assert!(
        flightdeck::share::takeover::take_lease(&c.client, &run_id, &me_b, None)
            .await
            .expect("take the lease")
            .is_some(),
        "the offered lease is free to take"
    );
    let mut pb = start(&db.url, &dir_b, "bob");
    pb.synced(2).await;
    // The old cockpit's step prints on: nothing of it reaches the shared copy.
    std::fs::write(
        file::output_path(&dir_a, "go.late", 1),
        "written after the takeover\n",
    )
    .expect("output");
    pa.share.output_grew("go.late", 1);
    pa.share.output_ended("go.late", 1);
    let s = pa.until("taken over", |s| s.taken_over.is_some()).await;
    assert_eq!(s.taken_over, Some(me_b.clone()));
    let rows: i64 = c
        .client
        .query_one(
            "SELECT count(*) FROM flightdeck.output WHERE run_id = $1",
            &[&run_id],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(
        rows, 0,
        "the old cockpit added output after losing the lease"
    );
    pa.pusher.finish(std::time::Duration::from_secs(10)).await;
    let row = c
        .client
        .query_one(
            "SELECT status, lease_holder FROM flightdeck.runs WHERE run_id = $1",
            &[&run_id],
        )
        .await
        .expect("runs row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, Option<String>>(1)),
        ("active".to_string(), Some(me_b)),
        "quitting the old cockpit left the new captain's run as it was"
    );
    drop(pb);
}

/// After `H` the offer stands until someone at the old keyboard acts: an event the cockpit
/// journals by itself (a metric breach, under the new operator's name) or a reconnect does
/// not take it back; a note typed there does.
#[tokio::test]
async fn an_offered_lease_is_taken_back_only_by_someone_at_the_keyboard() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let mut journal = small_run(home.path());
    journal
        .append(
            EventKind::Handoff {
                from: "alice".into(),
                to: "bob".into(),
                note: None,
            },
            None,
        )
        .expect("handoff");
    let run_dir = journal.run_dir().to_path_buf();
    drop(journal);
    let offered = (Some("handoff:bob".to_string()), true);
    let mut p = start(&db.url, &run_dir, "alice");
    p.synced(2).await;
    assert_eq!(lease_of(&db, &run_dir).await, offered);
    // The cockpit's operator is bob now; the breach is journaled by the cockpit itself.
    let append = |kind: EventKind| {
        let (mut j, _, _) = Journal::open(&run_dir, "bob").expect("open");
        j.append(kind, None).expect("append");
    };
    append(EventKind::MetricBreach {
        metric: "p95".into(),
        value: 900.0,
        threshold: "> 400".into(),
    });
    p.share.durable(3);
    p.synced(3).await;
    assert_eq!(
        lease_of(&db, &run_dir).await,
        offered,
        "an automatic event took the offer back"
    );
    // A reconnect (a new session of this cockpit) leaves the offer as it is.
    p.pusher.finish(std::time::Duration::from_secs(10)).await;
    let mut again = start(&db.url, &run_dir, "bob");
    again.synced(3).await;
    assert_eq!(
        lease_of(&db, &run_dir).await,
        offered,
        "a reconnect took the offer back"
    );
    // Someone at the keyboard acting here does.
    append(EventKind::Note {
        text: "staying on".into(),
    });
    again.share.durable(4);
    again.synced(4).await;
    assert_eq!(
        lease_of(&db, &run_dir).await,
        (
            Some(flightdeck::share::pusher::lease_holder(&run_dir)),
            true
        )
    );
}

/// An idle captain whose connection drops reconnects on its own to renew the lease (there is
/// no other work to bring it back), so the lease does not lapse behind a live cockpit.
#[tokio::test]
async fn an_idle_captain_that_lost_its_connection_reconnects_to_renew_the_lease() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let proxy = Proxy::start(upstream(&db.url)).await;
    let home = tempfile::tempdir().expect("tempdir");
    let journal = small_run(home.path());
    let run_dir = journal.run_dir().to_path_buf();
    drop(journal);
    let mut p = share_support::start_with(short_lease(&proxy.url(&db.url), &run_dir, "alice"));
    p.synced(1).await;
    proxy.cut();
    p.until("offline", |s| s.offline.is_some()).await;
    proxy.restore();
    // Nothing to push: only the renewal brings it back.
    p.until("back online", |s| s.offline.is_none()).await;
    assert_eq!(
        lease_of(&db, &run_dir).await,
        (
            Some(flightdeck::share::pusher::lease_holder(&run_dir)),
            true
        )
    );
}

/// The next captain took the run, wrote to it and quit (the lease is free again): the old
/// cockpit, which never noticed, does not take the free lease to write its output; it is told
/// it was taken over.
#[tokio::test]
async fn a_lease_released_by_the_next_captain_is_not_the_old_cockpits() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let mut journal = small_run(a.path());
    journal
        .append(
            EventKind::Handoff {
                from: "alice".into(),
                to: "bob".into(),
                note: None,
            },
            None,
        )
        .expect("handoff");
    let dir_a = journal.run_dir().to_path_buf();
    let run_id = journal.run_id().to_string();
    drop(journal);
    let mut pa = start(&db.url, &dir_a, "alice");
    pa.synced(2).await;
    let dir_b = copy_run(&dir_a, b.path());
    let c = db.client().await;
    let me_b = flightdeck::share::pusher::lease_holder(&dir_b);
    assert!(
        flightdeck::share::takeover::take_lease(&c.client, &run_id, &me_b, None)
            .await
            .expect("take")
            .is_some()
    );
    {
        let (mut j, _, _) = Journal::open(&dir_b, "bob").expect("open on B");
        j.append(note(1), None).expect("bob writes");
    }
    let mut pb = start(&db.url, &dir_b, "bob");
    pb.synced(3).await;
    pb.pusher.finish(std::time::Duration::from_secs(10)).await;
    assert_eq!(lease_of(&db, &dir_b).await.0, None, "bob quit: released");
    std::fs::write(file::output_path(&dir_a, "go.late", 1), "late\n").expect("output");
    pa.share.output_ended("go.late", 1);
    let s = pa.until("taken over", |s| s.taken_over.is_some()).await;
    assert!(
        s.taken_over.as_ref().is_some_and(|t| t.contains("seq 3")),
        "{s:?}"
    );
    let rows: i64 = c
        .client
        .query_one(
            "SELECT count(*) FROM flightdeck.output WHERE run_id = $1",
            &[&run_id],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(rows, 0);
    assert_eq!(lease_of(&db, &dir_b).await.0, None, "still free");
}
