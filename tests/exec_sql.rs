//! SQL steps against the real PostgreSQL: tables, multi-statement blocks, errors with SQLSTATE
//! and position, index-build progress, cancel and `statement_timeout`.

mod services;
mod step_run;

use std::time::{Duration, Instant};

use flightdeck::exec::sql::{self, SqlJob};
use step_run::{Run, finish};
use tokio::sync::mpsc;

fn job(url: &str, sql: &str, dir: &std::path::Path) -> SqlJob {
    SqlJob {
        target: flightdeck::exec::output::StepTarget {
            step_id: "q".into(),
            attempt: 1,
            output_path: dir.join("q.1.log"),
            masker: Default::default(),
        },
        url: url.into(),
        sql: sql.into(),
        timeout: None,
    }
}

/// Runs the job to the end; `cancel_after` presses `c` once.
async fn run(job: SqlJob, cancel_after: Option<Duration>) -> Run {
    let (tx, rx) = mpsc::channel(64);
    let handle = sql::spawn(job, tx);
    finish(rx, handle, cancel_after).await
}

fn table(tag: &str) -> String {
    format!("fd_test_{tag}_{}", std::process::id())
}

#[tokio::test]
async fn statements_run_one_by_one_with_tables_notices_and_a_dollar_quoted_body() {
    let Some(url) = services::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let t = table("multi");
    let sql = format!(
        "drop table if exists {t};\n\
         create table {t} (id int primary key, name text);\n\
         insert into {t} values (1, 'alpha'), (2, 'semi;colon'), (3, null);\n\
         create or replace function {t}_f() returns int language plpgsql as $body$\n\
         begin\n  raise notice 'hello from %;', 'plpgsql';\n  return (select count(*) from {t});\nend\n$body$;\n\
         select {t}_f() as n;\n\
         select id, name from {t} order by id;\n\
         drop function {t}_f(); drop table {t};"
    );
    let r = run(job(&url, &sql, dir.path()), None).await;
    assert_eq!(r.outcome.exit_code, Some(0), "{}", r.out);
    assert!(r.out.contains("INSERT: 3 rows"), "{}", r.out);
    assert!(r.out.contains("NOTICE: hello from plpgsql;"), "{}", r.out);
    assert!(r.out.contains("n\n-\n3\n"), "{}", r.out);
    assert!(r.out.contains("CREATE FUNCTION ("), "{}", r.out);
    assert!(
        r.out.contains(
            "id | name\n---+-----------\n1  | alpha\n2  | semi;colon\n3  | NULL\n(3 rows)"
        ),
        "{}",
        r.out
    );
    // The output file is what the screen got, and the outcome hashes it.
    let file = std::fs::read(dir.path().join("q.1.log")).expect("output file");
    assert_eq!(file, r.out.as_bytes());
    assert_eq!(r.outcome.bytes, file.len() as u64);
}

#[tokio::test]
async fn an_error_names_sqlstate_and_position_and_stops_the_block() {
    let Some(url) = services::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let sql = "select 1;\nselect nosuchcolumn\n  from pg_class;\nselect 'never run';";
    let r = run(job(&url, sql, dir.path()), None).await;
    assert_eq!(r.outcome.exit_code, Some(1));
    assert!(
        r.out
            .contains("ERROR 42703: column \"nosuchcolumn\" does not exist at character 8"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains("LINE 2: select nosuchcolumn\n               ^"),
        "{}",
        r.out
    );
    assert!(!r.out.contains("never run"), "{}", r.out);
}

#[tokio::test]
async fn create_index_concurrently_reports_its_progress() {
    let Some(url) = services::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let t = table("cic");
    let setup = flightdeck::db::connect(&url, Duration::from_secs(5))
        .await
        .expect("connect");
    setup
        .client
        .batch_execute(&format!(
            "drop table if exists {t}; create table {t} as select g as id, md5(g::text) as v from generate_series(1, 20000) g;"
        ))
        .await
        .expect("setup");
    // An open writing transaction makes the build wait in a phase we can see.
    let blocker = flightdeck::db::connect(&url, Duration::from_secs(5))
        .await
        .expect("connect");
    blocker
        .client
        .batch_execute(&format!("begin; insert into {t} values (0, 'x');"))
        .await
        .expect("blocker");
    let sql = format!("create index concurrently {t}_v on {t} (v);");
    let step = tokio::spawn(run(job(&url, &sql, dir.path()), None));
    // Let the blocker go once the build is seen waiting for it (bounded).
    let started = Instant::now();
    loop {
        let waiting: i64 = setup
            .client
            .query_one(
                "select count(*) from pg_stat_progress_create_index p join pg_class c on c.oid = p.relid where c.relname = $1",
                &[&t],
            )
            .await
            .expect("progress query")
            .get(0);
        if waiting > 0 && started.elapsed() > Duration::from_millis(600) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the build never showed up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    blocker
        .client
        .batch_execute("commit")
        .await
        .expect("commit");
    let r = step.await.expect("join");
    assert_eq!(r.outcome.exit_code, Some(0), "{}", r.out);
    assert!(r.out.contains("CREATE INDEX ("), "{}", r.out);
    assert!(
        r.progress
            .iter()
            .any(|p| p.starts_with("index build: waiting for writers before build")),
        "{:?}",
        r.progress
    );
    setup
        .client
        .batch_execute(&format!("drop table {t}"))
        .await
        .expect("cleanup");
}

#[tokio::test]
async fn cancel_stops_a_long_statement_within_two_seconds() {
    let Some(url) = services::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(
        job(&url, "select pg_sleep(30);", dir.path()),
        Some(Duration::from_millis(500)),
    )
    .await;
    assert_eq!(r.outcome.exit_code, Some(1));
    assert!(
        r.out
            .contains("ERROR 57014: canceling statement due to user request"),
        "{}",
        r.out
    );
    // Cancel pressed at 0.5 s: the statement is gone well within 2 s of it.
    assert!(r.took < Duration::from_millis(2500), "took {:?}", r.took);
}

#[tokio::test]
async fn timeout_becomes_statement_timeout() {
    let Some(url) = services::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut j = job(&url, "select pg_sleep(20);", dir.path());
    j.timeout = Some(Duration::from_secs(1));
    let r = run(j, None).await;
    assert_eq!(r.outcome.exit_code, Some(1));
    assert!(r.out.contains("statement_timeout = 1000 ms"), "{}", r.out);
    assert!(
        r.out
            .contains("ERROR 57014: canceling statement due to statement timeout"),
        "{}",
        r.out
    );
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);
}

#[tokio::test]
async fn an_unreachable_database_is_a_failed_step_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(
        job(
            "postgres://postgres@127.0.0.1:1/test?sslmode=disable",
            "select 1",
            dir.path(),
        ),
        None,
    )
    .await;
    assert_eq!(r.outcome.exit_code, Some(1));
    assert!(
        r.out.starts_with("cannot connect to the database: "),
        "{}",
        r.out
    );
    assert!(r.out.contains("refused"), "{}", r.out);
}

#[tokio::test]
async fn sslmode_require_encrypts_and_verify_full_checks_the_certificate() {
    let Some(url) = services::postgres().await else {
        return;
    };
    let base = url.split('?').next().unwrap_or(&url).to_string();
    let db = flightdeck::db::connect(&format!("{base}?sslmode=require"), Duration::from_secs(5))
        .await
        .expect("require connects");
    let ssl: bool = db
        .client
        .query_one(
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            &[],
        )
        .await
        .expect("query")
        .get(0);
    if !ssl {
        services::missing("a PostgreSQL with ssl = on");
        return;
    }
    // The local server's certificate is self-signed: verification must refuse it.
    let err = flightdeck::db::connect(
        &format!("{base}?sslmode=verify-full"),
        Duration::from_secs(5),
    )
    .await
    .expect_err("self-signed certificate refused");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}

#[tokio::test]
async fn input_values_reach_sql_as_literals_only() {
    let Some(url) = services::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let evil = "x'); select 'pwned' as v; -- \\' || current_user || '";
    let sql = flightdeck::exec::substitute::fill_sql("select <who> as v;", |n| {
        (n == "who").then(|| evil.to_string())
    })
    .expect("fills");
    let r = run(job(&url, &sql, dir.path()), None).await;
    assert_eq!(r.outcome.exit_code, Some(0), "{}", r.out);
    assert!(
        r.out.contains(&format!("\n{evil}\n(1 row)")),
        "the value comes back as it was: {}",
        r.out
    );
    assert!(!r.out.contains("\npwned\n"), "{}", r.out);
}
