//! The shared record's tables, inside the `flightdeck` schema, versioned.
//!
//! Each migration is applied once, in order, inside one transaction that holds an advisory
//! lock, so two cockpits opening the same database at once never race to create a table. A
//! database whose schema is already current needs no CREATE right at all: a DBA can apply
//! [`sql`] by hand and grant only INSERT/SELECT/UPDATE.

use tokio_postgres::Client;

use super::ShareError;

/// The schema every table lives in.
pub const SCHEMA: &str = "flightdeck";

/// The key of the advisory lock migrations hold (any fixed number: "fdshare1" in ASCII).
const MIGRATION_LOCK: i64 = 0x6664_7368_6172_6531;

/// Forward migrations: version `i + 1` is `MIGRATIONS[i]`. Never edit one that shipped; add
/// the next.
pub const MIGRATIONS: &[&str] = &[
    // 1: runs, their events (the exact JSONL lines) and step output chunks. The lease
    // columns say which cockpit writes the run (one at a time; `pusher::lease_holder`).
    "CREATE TABLE flightdeck.runs (
    run_id           text PRIMARY KEY,
    title            text NOT NULL,
    runbook_sha256   text NOT NULL,
    runbook          text NOT NULL,
    captain          text NOT NULL,
    status           text NOT NULL,
    last_seq         bigint NOT NULL DEFAULT 0,
    head_hash        text NOT NULL DEFAULT '',
    started_at       timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    lease_holder     text,
    lease_expires_at timestamptz
);
CREATE TABLE flightdeck.events (
    run_id    text NOT NULL REFERENCES flightdeck.runs (run_id),
    seq       bigint NOT NULL,
    line      text NOT NULL,
    hash      text NOT NULL,
    pushed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE flightdeck.output (
    run_id      text NOT NULL REFERENCES flightdeck.runs (run_id),
    step_id     text NOT NULL,
    attempt     integer NOT NULL,
    chunk_no    integer NOT NULL,
    byte_offset bigint NOT NULL,
    bytes       bytea NOT NULL,
    PRIMARY KEY (run_id, step_id, attempt, chunk_no)
);",
];

/// The version this build writes and reads.
pub fn latest() -> i32 {
    MIGRATIONS.len() as i32
}

/// The bootstrap every migration runs after: the schema and its version table.
const BOOTSTRAP: &str = "CREATE SCHEMA IF NOT EXISTS flightdeck;
CREATE TABLE IF NOT EXISTS flightdeck.schema_version (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);";

/// Every statement a DBA runs to create the schema by hand (`flightdeck share sql`).
pub fn sql() -> String {
    sql_from(0)
}

/// The statements that bring a schema at version `from` to [`latest`] (`share sql --from N`):
/// from 0, the schema itself first.
pub fn sql_from(from: i32) -> String {
    let mut out = String::from(
        "-- flightdeck shared runs: run once as a role that may CREATE in this database,\n\
         -- then grant the cockpits' role USAGE on the schema and SELECT, INSERT, UPDATE on its tables.\n\
         -- Tables created by a cockpit instead belong to the role of the first cockpit that shared a run.\n\
         BEGIN;\n",
    );
    if from <= 0 {
        out.push_str(BOOTSTRAP);
        out.push('\n');
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        out.push_str(&format!("-- version {}\n{m}\n", i + 1));
        out.push_str(&format!(
            "INSERT INTO flightdeck.schema_version (version) VALUES ({});\n",
            i + 1
        ));
    }
    out.push_str("COMMIT;\n");
    out
}

/// The version the database holds: `None` without the version table.
pub async fn version(client: &Client) -> Result<Option<i32>, ShareError> {
    let present: bool = client
        .query_one(
            "SELECT to_regclass('flightdeck.schema_version') IS NOT NULL",
            &[],
        )
        .await?
        .try_get(0)?;
    if !present {
        return Ok(None);
    }
    let v: Option<i32> = client
        .query_one("SELECT max(version) FROM flightdeck.schema_version", &[])
        .await?
        .try_get(0)?;
    Ok(Some(v.unwrap_or(0)))
}

/// Brings the schema to [`latest`]: nothing to do (and no CREATE right needed) when it is
/// there; else the missing migrations, in order, in one locked transaction.
pub async fn ensure(client: &mut Client) -> Result<(), ShareError> {
    match version(client).await? {
        Some(v) if v == latest() => return Ok(()),
        Some(v) if v > latest() => return Err(ShareError::NewerSchema(v)),
        _ => {}
    }
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    // `CREATE SCHEMA IF NOT EXISTS` asks for CREATE on the database even when the schema is
    // there: only what is missing is created.
    let (schema_there, table_there): (bool, bool) = {
        let r = tx
            .query_one(
                "SELECT to_regnamespace('flightdeck') IS NOT NULL,
                        to_regclass('flightdeck.schema_version') IS NOT NULL",
                &[],
            )
            .await?;
        (r.try_get(0)?, r.try_get(1)?)
    };
    if !schema_there || !table_there {
        tx.batch_execute(BOOTSTRAP).await?;
    }
    let have: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM flightdeck.schema_version",
            &[],
        )
        .await?
        .try_get(0)?;
    for (i, m) in MIGRATIONS.iter().enumerate().skip(have.max(0) as usize) {
        tx.batch_execute(m).await?;
        tx.execute(
            "INSERT INTO flightdeck.schema_version (version) VALUES ($1)",
            &[&(i as i32 + 1)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
