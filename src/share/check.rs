//! `flightdeck share check URL`: what works against a shared database, one line each, so a
//! captain learns before the go-live, not during it, that a grant or TLS is missing.

use super::schema;

/// One finding: whether it is fine, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub ok: bool,
    pub what: &'static str,
    pub text: String,
}

fn finding(ok: bool, what: &'static str, text: impl Into<String>) -> Finding {
    Finding {
        ok,
        what,
        text: text.into(),
    }
}

/// The sslmode the URL asks for (libpq's default is `prefer`).
fn sslmode(url: &str) -> String {
    url.split(['?', '&', ' '])
        .find_map(|p| p.strip_prefix("sslmode="))
        .unwrap_or("prefer")
        .to_string()
}

/// Connect, TLS, schema and version, permissions, LISTEN: a finding each.
pub async fn check(url: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let db = match super::timed(super::connect(url)).await {
        Ok(db) => db,
        Err(e) => {
            out.push(finding(
                false,
                "connect",
                format!("{}: {e}", super::display_url(url)),
            ));
            return out;
        }
    };
    // Every query below may hang on a server that accepted the connection: the whole round
    // is bounded, and a timeout is a finding of its own.
    if tokio::time::timeout(super::CALL_TIMEOUT, after_connect(&db, url, &mut out))
        .await
        .is_err()
    {
        out.push(finding(
            false,
            "timeout",
            format!(
                "the database stopped answering within {:?}; check its load and locks",
                super::CALL_TIMEOUT
            ),
        ));
    }
    out
}

/// The findings once connected.
async fn after_connect(db: &crate::db::Db, url: &str, out: &mut Vec<Finding>) {
    let who = db
        .client
        .query_one(
            "SELECT current_user::text, current_database()::text, current_setting('server_version')",
            &[],
        )
        .await;
    match who {
        Ok(r) => out.push(finding(
            true,
            "connect",
            format!(
                "as {} to database {} (PostgreSQL {})",
                r.try_get::<_, String>(0).unwrap_or_default(),
                r.try_get::<_, String>(1).unwrap_or_default(),
                r.try_get::<_, String>(2).unwrap_or_default()
            ),
        )),
        Err(e) => out.push(finding(false, "connect", e.to_string())),
    }
    let mode = sslmode(url);
    let tls = db
        .client
        .query_one(
            "SELECT coalesce(ssl, false), coalesce(version, '') FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await;
    out.push(match tls {
        Ok(r) if r.try_get::<_, bool>(0).unwrap_or(false) => finding(
            true,
            "tls",
            format!(
                "sslmode={mode}; encrypted ({})",
                r.try_get::<_, String>(1).unwrap_or_default()
            ),
        ),
        Ok(_) if mode == "disable" => finding(
            true,
            "tls",
            "sslmode=disable; not encrypted (as asked: fine on loopback, not across a network)",
        ),
        Ok(_) => finding(
            false,
            "tls",
            format!(
                "sslmode={mode}; the server did not negotiate TLS: the session is not encrypted"
            ),
        ),
        Err(e) => finding(false, "tls", format!("sslmode={mode}; cannot tell: {e}")),
    });
    let version = schema::version(&db.client).await;
    let have = match version {
        Ok(Some(v)) if v == schema::latest() => {
            out.push(finding(
                true,
                "schema",
                format!("flightdeck, version {v} (current)"),
            ));
            Some(v)
        }
        Ok(Some(v)) if v > schema::latest() => {
            out.push(finding(
                false,
                "schema",
                format!(
                    "flightdeck, version {v}: newer than this flightdeck ({}); upgrade flightdeck",
                    schema::latest()
                ),
            ));
            Some(v)
        }
        Ok(Some(v)) => {
            out.push(finding(
                true,
                "schema",
                format!(
                    "flightdeck, version {v}: migrated to {} on first use (needs CREATE)",
                    schema::latest()
                ),
            ));
            Some(v)
        }
        Ok(None) => {
            out.push(finding(
                true,
                "schema",
                "not there yet: created on first use (needs CREATE), or apply `flightdeck share sql`",
            ));
            None
        }
        Err(e) => {
            out.push(finding(false, "schema", e.to_string()));
            None
        }
    };
    let needs_create = have != Some(schema::latest());
    let perms = if needs_create {
        db.client
            .query_one(
                "SELECT has_database_privilege(current_database(), 'CREATE')
                    AND (to_regnamespace('flightdeck') IS NULL
                         OR has_schema_privilege('flightdeck', 'CREATE'))",
                &[],
            )
            .await
            .map(|r| {
                if r.try_get::<_, bool>(0).unwrap_or(false) {
                    finding(true, "permissions", "CREATE on the database: the schema can be created")
                } else {
                    finding(
                        false,
                        "permissions",
                        "no CREATE on the database: ask a DBA to apply `flightdeck share sql` and grant SELECT, INSERT, UPDATE",
                    )
                }
            })
    } else {
        db.client
            .query(
                "SELECT 'USAGE on schema flightdeck', has_schema_privilege('flightdeck', 'USAGE')
                 UNION ALL
                 SELECT p || ' on flightdeck.' || t, has_table_privilege('flightdeck.' || t, p)
                   FROM (VALUES ('schema_version', 'SELECT'),
                                ('runs', 'SELECT'), ('runs', 'INSERT'), ('runs', 'UPDATE'),
                                ('events', 'SELECT'), ('events', 'INSERT'),
                                ('output', 'SELECT'), ('output', 'INSERT')) AS w(t, p)",
                &[],
            )
            .await
            .map(|rows| {
                let missing: Vec<String> = rows
                    .iter()
                    .filter(|r| !r.try_get::<_, bool>(1).unwrap_or(false))
                    .map(|r| r.try_get::<_, String>(0).unwrap_or_default())
                    .collect();
                if missing.is_empty() {
                    finding(
                        true,
                        "permissions",
                        "USAGE on the schema, SELECT, INSERT (and UPDATE on runs) on the flightdeck tables",
                    )
                } else {
                    finding(
                        false,
                        "permissions",
                        format!("missing {}; ask a DBA to grant them", missing.join(", ")),
                    )
                }
            })
    };
    out.push(perms.unwrap_or_else(|e| finding(false, "permissions", e.to_string())));
    let listen = db
        .client
        .batch_execute("LISTEN flightdeck_check; UNLISTEN flightdeck_check;")
        .await;
    out.push(match listen {
        Ok(()) => finding(
            true,
            "listen",
            "LISTEN works: followers get new events as they land",
        ),
        Err(e) => finding(false, "listen", e.to_string()),
    });
}
