//! The repository conformance suite: the same tests against SQLite and PostgreSQL.
use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use motcua_domain::account::{AccountKind, Role, User};
use motcua_domain::agency::{Agency, AgencyKind, Succession, SuccessionKind, Unit, UnitKind};
use motcua_domain::authz::Grant;
use motcua_store::testing::{TestDb, postgres_enabled};
use motcua_store::{Db, Engine, StoreError, agencies, audit, auth, users};
use uuid::Uuid;

fn t0() -> Timestamp {
    "2026-03-02T02:00:00Z".parse().unwrap()
}

async fn open(engine: Engine) -> (Db, TestDb) {
    let tdb = TestDb::new(engine).await;
    let db = Db::connect(&tdb.url).await.expect("connect");
    db.migrate().await.expect("migrate");
    db.migrate().await.expect("migrate twice is a no-op");
    (db, tdb)
}

fn agency(code: &str, parent: Option<Uuid>) -> Agency {
    Agency {
        id: Uuid::now_v7(),
        code: code.into(),
        name: format!("Cơ quan {code}"),
        short_name: None,
        kind: AgencyKind::Department,
        parent_id: parent,
        valid_from: date(2025, 7, 1),
        valid_to: None,
    }
}

fn citizen(login: &str, email: &str) -> User {
    User {
        id: Uuid::now_v7(),
        kind: AccountKind::Citizen,
        login: login.into(),
        email: Some(email.into()),
        email_verified: false,
        phone: Some("0912345678".into()),
        full_name: "Nguyễn Thị Đào".into(),
        id_number: Some(login.into()),
        home_agency_id: None,
        disabled: false,
        created_at: t0(),
    }
}

async fn durability(engine: Engine) {
    let (db, _t) = open(engine).await;
    let s = db.durability_settings().await.unwrap();
    let get = |k: &str| {
        s.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    match engine {
        Engine::Sqlite => {
            assert_eq!(get("journal_mode"), "wal");
            assert_eq!(get("synchronous"), "2", "synchronous=FULL");
            assert_eq!(get("foreign_keys"), "1");
            assert!(get("busy_timeout").parse::<i64>().unwrap() >= 5000);
            // Built without memory statistics (.cargo/config.toml): no process-wide lock on
            // each of SQLite's allocations.
            use sea_orm::ConnectionTrait;
            let options = db
                .conn()
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    "PRAGMA compile_options",
                ))
                .await
                .unwrap();
            let options: Vec<String> = options
                .iter()
                .map(|r| r.try_get_by_index::<String>(0).unwrap())
                .collect();
            assert!(
                options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
                "{options:?}"
            );
            // And with the planner's stability guarantee: a statement with `LIMIT ?` is not
            // parsed again each time its limit is bound.
            assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
            // The readers are lent without a ping: it could not fail, and cost a round trip
            // to the connection's thread per statement.
            let readers = db.conn().get_sqlite_connection_pool().options();
            assert!(!readers.get_test_before_acquire());
        }
        Engine::Postgres => {
            assert_eq!(get("fsync"), "on");
            assert_eq!(get("synchronous_commit"), "on");
        }
    }
    assert_eq!(
        db.applied_migrations().await.unwrap(),
        vec![
            "m20261129_000001_foundation".to_string(),
            "m20261129_000002_catalogue".to_string(),
            "m20261129_000003_dossiers".to_string(),
            "m20261129_000004_notices".to_string(),
            "m20261129_000005_processing".to_string(),
            "m20261202_000006_truth".to_string(),
            "m20261202_000007_hardening".to_string(),
            "m20261202_000008_payments".to_string(),
            "m20261202_000009_signatures".to_string(),
            "m20261203_000010_privacy".to_string(),
            "m20261203_000011_oversight".to_string(),
            "m20261204_000012_reports".to_string(),
            "m20261205_000013_login".to_string(),
            "m20261206_000014_national".to_string(),
            "m20261207_000015_work_counts".to_string(),
            "m20261208_000016_catalogue_in_memory".to_string(),
            "m20261209_000017_result_delivery_and_contact".to_string(),
            "m20261210_000018_scanning".to_string(),
            "m20261211_000019_paper_checks".to_string(),
            "m20261211_000020_work_counts_by_stage".to_string(),
        ]
    );
}

async fn agencies_roundtrip(engine: Engine) {
    let (db, _t) = open(engine).await;
    let c = db.conn();
    let p = agency("P", None);
    agencies::insert_agency(c, &p, t0()).await.unwrap();
    let d = agency("D1", Some(p.id));
    agencies::insert_agency(c, &d, t0()).await.unwrap();
    assert!(
        matches!(
            agencies::insert_agency(c, &agency("D1", None), t0()).await,
            Err(StoreError::Conflict(_))
        ),
        "codes are unique"
    );
    assert_eq!(agencies::get_agency(c, d.id).await.unwrap(), d);
    assert_eq!(
        agencies::find_agency_by_code(c, "P")
            .await
            .unwrap()
            .unwrap(),
        p
    );
    let mut d2 = d.clone();
    d2.valid_to = Some(date(2025, 12, 31));
    d2.name = "Sở đã đổi tên".into();
    agencies::update_agency(c, &d2, t0()).await.unwrap();
    assert_eq!(agencies::get_agency(c, d.id).await.unwrap(), d2);
    let u = Unit {
        id: Uuid::now_v7(),
        agency_id: d.id,
        code: "MOTCUA".into(),
        name: "Bộ phận một cửa".into(),
        kind: UnitKind::ReceptionDesk,
        valid_from: date(2025, 7, 1),
        valid_to: None,
    };
    agencies::insert_unit(c, &u, t0()).await.unwrap();
    assert!(
        matches!(
            agencies::insert_unit(
                c,
                &Unit {
                    id: Uuid::now_v7(),
                    ..u.clone()
                },
                t0()
            )
            .await,
            Err(StoreError::Conflict(_))
        ),
        "unit codes unique per agency"
    );
    assert_eq!(
        agencies::list_units(c, Some(d.id)).await.unwrap(),
        vec![u.clone()]
    );
    let s = Succession {
        predecessor_id: d.id,
        successor_id: p.id,
        kind: SuccessionKind::Merge,
        effective_on: date(2026, 1, 1),
        note: Some("hợp nhất".into()),
    };
    agencies::insert_succession(c, &s).await.unwrap();
    assert_eq!(agencies::list_successions(c).await.unwrap(), vec![s]);
    // Foreign keys hold on both engines.
    let orphan = agency("X9", Some(Uuid::now_v7()));
    assert!(
        agencies::insert_agency(c, &orphan, t0()).await.is_err(),
        "parent must exist"
    );
}

async fn users_and_grants(engine: Engine) {
    let (db, _t) = open(engine).await;
    let c = db.conn();
    let a = agency("A1", None);
    agencies::insert_agency(c, &a, t0()).await.unwrap();
    let u = citizen("051095001234", "dao@vidu.vn");
    users::insert_user(c, &u, "$argon2id$x", t0())
        .await
        .unwrap();
    let dup = citizen("051095001234", "khac@vidu.vn");
    assert!(matches!(
        users::insert_user(c, &dup, "h", t0()).await,
        Err(StoreError::Conflict(_))
    ));
    let dup_mail = citizen("051095009999", "dao@vidu.vn");
    assert!(matches!(
        users::insert_user(c, &dup_mail, "h", t0()).await,
        Err(StoreError::Conflict(_))
    ));
    let (found, hash) = users::find_for_login(c, "051095001234")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "$argon2id$x"));
    assert_eq!(
        users::find_for_login(c, " DAO@vidu.vn ")
            .await
            .unwrap()
            .unwrap()
            .0
            .id,
        u.id,
        "e-mail log-in, case-insensitive"
    );
    assert!(users::find_for_login(c, "nobody").await.unwrap().is_none());
    users::set_email_verified(c, u.id, t0()).await.unwrap();
    users::set_disabled(c, u.id, true, t0()).await.unwrap();
    let got = users::get_user(c, u.id).await.unwrap();
    assert!(got.email_verified && got.disabled);
    assert_eq!(got.created_at, t0());

    let mut staff = citizen("can.bo", "canbo@vidu.vn");
    staff.kind = AccountKind::Staff;
    staff.id_number = None;
    staff.home_agency_id = Some(a.id);
    users::insert_user(c, &staff, "h", t0()).await.unwrap();
    let g = Grant {
        role: Role::Reception,
        agency_id: a.id,
        unit_id: None,
    };
    let gid = users::insert_grant(c, staff.id, &g, None, t0())
        .await
        .unwrap();
    assert_eq!(users::active_grants(c, staff.id).await.unwrap()[0].grant, g);
    users::revoke_grant(c, gid, None, t0()).await.unwrap();
    assert!(users::active_grants(c, staff.id).await.unwrap().is_empty());
    assert!(
        matches!(
            users::revoke_grant(c, gid, None, t0()).await,
            Err(StoreError::NotFound)
        ),
        "revoking twice finds nothing"
    );
    assert_eq!(
        users::list_staff(c, Some(&[a.id]), 10).await.unwrap().len(),
        1
    );
    assert_eq!(
        users::list_staff(c, Some(&[Uuid::now_v7()]), 10)
            .await
            .unwrap()
            .len(),
        0
    );
}

async fn sessions_tokens_throttle(engine: Engine) {
    let (db, _t) = open(engine).await;
    let c = db.conn();
    let u = citizen("051095001234", "dao@vidu.vn");
    users::insert_user(c, &u, "h", t0()).await.unwrap();
    let s = auth::SessionRow {
        id_hash: "h1".into(),
        user_id: u.id,
        created_at: t0(),
        last_seen_at: t0(),
        expires_at: t0() + SignedDuration::from_hours(12),
        idle_secs: 1800,
        client_ip: None,
        user_agent: None,
    };
    auth::insert_session(c, &s).await.unwrap();
    auth::insert_session(
        c,
        &auth::SessionRow {
            id_hash: "h2".into(),
            ..s.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(auth::get_session(c, "h1").await.unwrap().unwrap(), s);
    assert_eq!(
        auth::delete_user_sessions(c, u.id, Some("h1"))
            .await
            .unwrap(),
        1
    );
    assert!(auth::get_session(c, "h2").await.unwrap().is_none());
    assert_eq!(
        auth::purge_expired_sessions(c, t0() + SignedDuration::from_hours(13))
            .await
            .unwrap(),
        1
    );

    let exp = t0() + SignedDuration::from_mins(30);
    auth::insert_user_token(c, "tok", u.id, "reset_password", t0(), exp)
        .await
        .unwrap();
    assert_eq!(
        auth::take_user_token(c, "tok", "confirm_email", t0())
            .await
            .unwrap(),
        None,
        "wrong purpose"
    );
    assert_eq!(
        auth::take_user_token(c, "tok", "reset_password", t0())
            .await
            .unwrap(),
        Some((u.id, "reset_password".into()))
    );
    assert_eq!(
        auth::take_user_token(c, "tok", "reset_password", t0())
            .await
            .unwrap(),
        None,
        "single use"
    );
    auth::insert_user_token(c, "old", u.id, "reset_password", t0(), exp)
        .await
        .unwrap();
    assert_eq!(
        auth::take_user_token(c, "old", "reset_password", exp)
            .await
            .unwrap(),
        None,
        "expired"
    );

    auth::insert_api_token(c, u.id, "api", t0(), exp)
        .await
        .unwrap();
    assert_eq!(
        auth::find_api_token(c, "api", t0())
            .await
            .unwrap()
            .map(|x| x.0),
        Some(u.id)
    );
    assert_eq!(
        auth::find_api_token(c, "api", exp).await.unwrap(),
        None,
        "expired token"
    );
    assert_eq!(auth::revoke_api_token(c, "api", t0()).await.unwrap(), 1);
    assert_eq!(auth::find_api_token(c, "api", t0()).await.unwrap(), None);

    let w = SignedDuration::from_mins(15);
    for i in 1..=3 {
        let tx = db.write().await.unwrap();
        assert_eq!(auth::throttle_fail(&tx, "k", w, t0()).await.unwrap(), i);
        tx.commit().await.unwrap();
    }
    assert_eq!(auth::throttle_count(c, "k", w, t0()).await.unwrap().0, 3);
    assert_eq!(
        auth::throttle_count(c, "k", w, t0() + w).await.unwrap().0,
        0,
        "window passed"
    );
    let tx = db.write().await.unwrap();
    assert_eq!(
        auth::throttle_fail(&tx, "k", w, t0() + w).await.unwrap(),
        1,
        "new window"
    );
    tx.commit().await.unwrap();
}

async fn transactions_roll_back(engine: Engine) {
    let (db, _t) = open(engine).await;
    let u = citizen("051095001234", "dao@vidu.vn");
    let tx = db.write().await.unwrap();
    users::insert_user(&tx, &u, "h", t0()).await.unwrap();
    audit::append(
        &tx,
        &audit::AuditEntry {
            at: t0(),
            actor_id: None,
            action: "user_created".into(),
            object_type: "user".into(),
            object_id: Some(u.id.to_string()),
            agency_id: None,
            request_id: None,
            detail: "{}".into(),
            role: None,
            client: None,
        },
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert!(
        users::find_for_login(db.conn(), "051095001234")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        audit::entries_for(db.conn(), "user", &u.id.to_string(), 10)
            .await
            .unwrap()
            .is_empty(),
        "the audit record rolls back with the change"
    );
    let tx = db.write().await.unwrap();
    users::insert_user(&tx, &u, "h", t0()).await.unwrap();
    audit::append(
        &tx,
        &audit::AuditEntry {
            at: t0(),
            actor_id: None,
            action: "user_created".into(),
            object_type: "user".into(),
            object_id: Some(u.id.to_string()),
            agency_id: None,
            request_id: None,
            detail: "{}".into(),
            role: None,
            client: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        audit::entries_for(db.conn(), "user", &u.id.to_string(), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn concurrent_writers(engine: Engine) {
    // Many concurrent write transactions: none fails with a lock error (BEGIN IMMEDIATE on SQLite).
    let (db, _t) = open(engine).await;
    // All start together (the barrier is before BEGIN, so SQLite's writers simply queue),
    // so that first failures on the same key race for the insert.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(100));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let db = db.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let tx = db.write().await.unwrap();
            let k = format!("k{}", i % 20);
            auth::throttle_fail(&tx, &k, SignedDuration::from_mins(15), t0())
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut total = 0;
    for i in 0..20 {
        total += auth::throttle_count(
            db.conn(),
            &format!("k{i}"),
            SignedDuration::from_mins(15),
            t0(),
        )
        .await
        .unwrap()
        .0;
    }
    assert_eq!(total, 100, "no lost update");
}

fn entry(action: &str) -> audit::AuditEntry {
    audit::AuditEntry {
        at: t0(),
        actor_id: Some(Uuid::now_v7()),
        role: Some("reception".into()),
        action: action.into(),
        object_type: "dossier".into(),
        object_id: Some(Uuid::now_v7().to_string()),
        agency_id: None,
        request_id: Some("r1".into()),
        client: Some("127.0.0.1".into()),
        detail: "{}".into(),
    }
}

async fn raw(db: &Db, sql: &str) -> Result<(), String> {
    use sea_orm::ConnectionTrait;
    db.conn()
        .execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The audit log: concurrent appends take contiguous places in commit order, each chained to
/// the one before; the database refuses to change or remove a record (R4.3).
async fn audit_log_append_only(engine: Engine) {
    let (db, _t) = open(engine).await;
    let db = std::sync::Arc::new(db);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let tx = db.write().await.unwrap();
            audit::append(&tx, &entry(&format!("a{i}"))).await.unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rows = audit::stored_after(db.conn(), 0, 100).await.unwrap();
    assert_eq!(rows.len(), 40);
    let mut v = motcua_domain::audit::Verifier::new(vec![]);
    for r in rows {
        v.push(r).unwrap();
    }
    assert_eq!(v.finish().unwrap().0, 40);
    assert_eq!(audit::size(db.conn()).await.unwrap(), 40);
    for sql in [
        "UPDATE audit_log SET action = 'x' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
    ] {
        let e = raw(&db, sql).await.unwrap_err();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    if engine == Engine::Postgres {
        assert!(
            raw(&db, "TRUNCATE audit_log")
                .await
                .unwrap_err()
                .contains("append-only")
        );
    }
}

/// Identity numbers and phone numbers are sealed in their columns, and an account is found by
/// the blind index of its identity number (R10.5).
async fn personal_data_sealed(engine: Engine) {
    use sea_orm::{ConnectionTrait, Statement};
    let (db, _t) = open(engine).await;
    let mut u = citizen("079203001122", "an@vidu.vn");
    u.phone = Some("0912000111".into());
    let tx = db.write().await.unwrap();
    users::insert_user(&tx, &u, "h", t0()).await.unwrap();
    tx.commit().await.unwrap();
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.conn().get_database_backend(),
            "SELECT login, id_number, phone FROM users",
        ))
        .await
        .unwrap()
        .unwrap();
    for (i, clear) in ["079203001122", "079203001122", "0912000111"]
        .iter()
        .enumerate()
    {
        let v: String = row.try_get_by_index(i).unwrap();
        assert!(!v.contains(clear), "column {i} holds {v}");
    }
    let (found, _) = users::find_for_login(db.conn(), " 079203001122 ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.login.as_str(), found.phone.as_deref()),
        ("079203001122", Some("0912000111"))
    );
    assert_eq!(found.id_number.as_deref(), Some("079203001122"));
    let dup = citizen("079203001122", "khac@vidu.vn");
    let tx = db.write().await.unwrap();
    assert!(matches!(
        users::insert_user(&tx, &dup, "h", t0()).await,
        Err(StoreError::Conflict(_))
    ));
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(Engine::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { if postgres_enabled() { super::$name(Engine::Postgres).await } }
        }
    )*};
}

conformance!(
    durability,
    agencies_roundtrip,
    users_and_grants,
    sessions_tokens_throttle,
    transactions_roll_back,
    concurrent_writers,
    audit_log_append_only,
    personal_data_sealed
);

/// SQLite's writes that queue for its one writer share one commit (`writer` in the store).
mod group_commit {
    use super::*;
    use motcua_store::Tx;
    use tokio::sync::oneshot;

    async fn found(db: &Db, login: &str) -> bool {
        users::find_for_login(db.conn(), login)
            .await
            .unwrap()
            .is_some()
    }

    /// A second write queued behind `a`: it takes its turn, inserts `u`, tells `ready`, and
    /// then commits or gives up as `go` says.
    fn queued(
        db: &Db,
        u: User,
    ) -> (
        oneshot::Receiver<()>,
        oneshot::Sender<bool>,
        tokio::task::JoinHandle<()>,
    ) {
        let (ready_tx, ready) = oneshot::channel();
        let (go, go_rx) = oneshot::channel::<bool>();
        let db = db.clone();
        let task = tokio::spawn(async move {
            let b: Tx = db.write().await.unwrap();
            let inserted = users::insert_user(&b, &u, "h", t0()).await;
            ready_tx.send(()).unwrap();
            if go_rx.await.unwrap() {
                inserted.unwrap();
                b.commit().await.unwrap();
            }
        });
        (ready, go, task)
    }

    type Pending = tokio::task::JoinHandle<Result<(), StoreError>>;

    /// A write inserts `ua` and commits while a second write, queued behind it, has taken its
    /// turn and inserted `ub`: the first write's pending commit, and the second's `go`.
    async fn two_writes(
        db: &Db,
        ua: &User,
        ub: User,
    ) -> (Pending, oneshot::Sender<bool>, tokio::task::JoinHandle<()>) {
        let a = db.write().await.unwrap();
        users::insert_user(&a, ua, "h", t0()).await.unwrap();
        let (ready, go, task) = queued(db, ub);
        tokio::task::yield_now().await;
        let a_done = tokio::spawn(a.commit());
        ready.await.unwrap();
        (a_done, go, task)
    }

    // A current-thread runtime: the queued write is spawned and yielded to, so it is waiting
    // for its turn before the first write commits.
    #[tokio::test(flavor = "current_thread")]
    async fn a_write_is_answered_after_the_commit_it_shares_with_the_next() {
        let (db, _t) = open(Engine::Sqlite).await;
        let (ua, ub) = (
            citizen("051095001111", "a@vidu.vn"),
            citizen("051095002222", "b@vidu.vn"),
        );
        let (a_done, go, _) = two_writes(&db, &ua, ub).await;
        assert!(
            !a_done.is_finished(),
            "the first write waits for the commit it shares with the second"
        );
        assert!(
            !found(&db, "051095001111").await,
            "nothing is read before the commit"
        );
        go.send(true).unwrap();
        a_done.await.unwrap().unwrap();
        assert!(found(&db, "051095001111").await);
        let after = db.write().await.unwrap();
        after.commit().await.unwrap();
        assert!(found(&db, "051095002222").await, "both went in one commit");
    }

    /// A write given up after its statements, by its own error or by its request being
    /// cancelled: its rows go, the write before it is kept, and the writer goes on.
    async fn given_up(cancelled: bool) {
        let (db, _t) = open(Engine::Sqlite).await;
        let (ua, ub) = (
            citizen("051095003333", "c@vidu.vn"),
            citizen("051095005555", "e@vidu.vn"),
        );
        let (a_done, go, task) = two_writes(&db, &ua, ub).await;
        if cancelled {
            task.abort();
        } else {
            go.send(false).unwrap();
        }
        a_done.await.unwrap().unwrap();
        assert!(found(&db, "051095003333").await, "the first write is kept");
        let c = db.write().await.unwrap();
        let uc = citizen("051095004444", "d@vidu.vn");
        users::insert_user(&c, &uc, "h", t0()).await.unwrap();
        c.commit().await.unwrap();
        assert!(found(&db, "051095004444").await, "the writer goes on");
        assert!(
            !found(&db, "051095005555").await,
            "the write given up left nothing"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_failed_write_rolls_back_alone() {
        given_up(false).await
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_write_whose_request_is_cancelled_rolls_back_alone() {
        given_up(true).await
    }
}
