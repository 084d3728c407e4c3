//! Electronic notices through the outbox to a real SMTP server on loopback
//! (R6.2, R11.2, R11.3, R12.2).
use motcua_app::notices::{NewNotice, check_template, default_template};
use motcua_domain::notice::NoticeKind;
use motcua_testkit::smtp::{Mode, SmtpSink};
use motcua_testkit::{Engine, TestApp, engine_tests};
use reqwest::Method;
use serde_json::json;

use crate::dossiers::{CITIZEN, ready, setup_with, token};

async fn with_smtp(e: Engine, sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    setup_with(e, move |c| {
        c.smtp_url = Some(url);
        c.mail_from = Some("Dịch vụ công Quảng Ngãi <dichvucong@quangngai.example>".into());
    })
    .await
}

fn data() -> serde_json::Value {
    json!({"code": "000.01.01.H53-260302-0042", "procedure": "Cấp giấy phép xây dựng", "agency": "UBND phường Cẩm Thành", "items": ["Bản vẽ thiết kế", "Giấy chứng nhận quyền sử dụng đất"],
           "note": "Bản chụp bị mờ", "date": "15/03/2026", "amount": "75.000 đ", "link": "http://x/ho-so/1", "name": "Nguyễn Văn An", "hours": 24})
}

async fn every_notice_kind_arrives_by_email(e: Engine) {
    let sink = SmtpSink::start().await;
    let t = with_smtp(e, &sink).await;
    let citizen = t.app.find_user(CITIZEN).await.unwrap();
    let to = citizen.email.clone().unwrap();
    let tx = t.app.db().write().await.unwrap();
    for kind in NoticeKind::ALL {
        let address = kind.is_account().then_some(to.as_str());
        t.app
            .notify(
                &tx,
                NewNotice {
                    kind,
                    user_id: Some(citizen.id),
                    dossier_id: None,
                    address,
                    outside: None,
                    data: data(),
                },
            )
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mails = sink.wait_for(NoticeKind::ALL.len()).await;
    assert_eq!(mails.len(), NoticeKind::ALL.len(), "one e-mail per notice");
    for kind in NoticeKind::ALL {
        let (subject_tpl, _, _) = default_template(kind);
        let head: String = subject_tpl.split("{{").next().unwrap().trim().to_string();
        // People (and this test) tell the notices apart by how their subjects begin.
        assert!(
            !head.is_empty(),
            "{kind:?}: a subject that begins with what it is"
        );
        let m = mails
            .iter()
            .find(|m| m.subject.starts_with(&head))
            .unwrap_or_else(|| {
                panic!(
                    "no e-mail for {kind:?}: {:?}",
                    mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
                )
            });
        assert_eq!(m.to, vec![to.clone()], "{kind:?}");
        assert_eq!(m.from, "dichvucong@quangngai.example");
        // Account mail may reach an address nobody confirmed yet: it never repeats the name
        // typed at registration (R4.5); nor does a claim's one-time code, which only proves
        // the phone.
        assert_eq!(
            m.body.contains("Nguyễn Văn An"),
            !kind.is_account() && kind != NoticeKind::ClaimCode,
            "{kind:?}: {}",
            m.body
        );
        // The dossier notices name the dossier (an incident, a desk's roster and a report are
        // not about one).
        let about_a_dossier = ![
            NoticeKind::Incident,
            NoticeKind::UnstaffedDesk,
            NoticeKind::ReportDue,
        ]
        .contains(&kind);
        if !kind.is_account() && about_a_dossier {
            assert!(
                m.subject.contains("000.01.01.H53-260302-0042")
                    && m.body.contains("000.01.01.H53-260302-0042"),
                "{kind:?}"
            );
        }
    }
    let find = |k: NoticeKind| {
        mails
            .iter()
            .find(|m| {
                m.subject
                    .starts_with(default_template(k).0.split("{{").next().unwrap().trim())
            })
            .unwrap()
            .clone()
    };
    let s = find(NoticeKind::SupplementRequest);
    assert!(
        s.body.contains("- Bản vẽ thiết kế")
            && s.body.contains("- Giấy chứng nhận quyền sử dụng đất")
            && s.body.contains("Bản chụp bị mờ")
    );
    let a = find(NoticeKind::Acceptance);
    assert!(
        a.subject.contains("15/03/2026")
            && a.body.contains("75.000 đ")
            && a.body.contains("bản chính để đối chiếu")
    );
    assert!(
        find(NoticeKind::Apology)
            .body
            .contains("Ngày hẹn trả kết quả mới: 15/03/2026")
    );
    assert!(find(NoticeKind::Refund).body.contains("hoàn trả 75.000 đ"));
    // Nothing twice, even after more passes of the worker.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(sink.received().len(), NoticeKind::ALL.len());
}

async fn smtp_outage_then_exactly_once(e: Engine) {
    let mut sink = SmtpSink::down().await;
    let t = with_smtp(e, &sink).await;
    let citizen = t.app.find_user(CITIZEN).await.unwrap();
    for i in 0..3 {
        let tx = t.app.db().write().await.unwrap();
        let mut d = data();
        d["code"] = json!(format!("000.01.01.H53-260302-000{i}"));
        t.app
            .notify(
                &tx,
                NewNotice {
                    kind: NoticeKind::ResultReady,
                    user_id: Some(citizen.id),
                    dossier_id: None,
                    address: None,
                    outside: None,
                    data: d,
                },
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    // The server is down: the worker tries, fails, and the messages wait (retry later).
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let queue = motcua_store::notices::queue(t.app.db().conn(), 50)
        .await
        .unwrap();
    let waiting: Vec<_> = queue
        .iter()
        .filter(|(d, _)| d.channel.as_str() == "email")
        .collect();
    assert_eq!(waiting.len(), 3);
    assert!(
        waiting.iter().all(|(d, _)| d.attempts >= 1
            && d.last_error.is_some()
            && d.state.as_str() == "pending"),
        "{waiting:?}"
    );
    // Back up: after the back-off they are delivered, each exactly once.
    sink.resume().await;
    t.clock.advance(jiff::SignedDuration::from_mins(10));
    let mails = sink.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let mails2 = sink.received();
    assert_eq!(
        mails2.len(),
        3,
        "exactly once: {:?}",
        mails2.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let mut codes: Vec<String> = mails.iter().map(|m| m.subject.clone()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 3);
}

/// Queues a "result ready" notice to the demo citizen (inbox and e-mail) with this code.
async fn result_ready(t: &TestApp, code: &str) {
    let citizen = t.app.find_user(CITIZEN).await.unwrap();
    let mut d = data();
    d["code"] = json!(code);
    let n = NewNotice {
        kind: NoticeKind::ResultReady,
        user_id: Some(citizen.id),
        dossier_id: None,
        address: None,
        outside: None,
        data: d,
    };
    let rendered = t.app.render_notice(n.kind, &n.data).unwrap();
    let tx = t.app.db().write().await.unwrap();
    t.app.notify_rendered(&tx, &n, rendered).await.unwrap();
    tx.commit().await.unwrap();
}

/// The e-mail deliveries not yet sent: (state, attempts, last error).
async fn unsent_mail(t: &TestApp) -> Vec<(String, i32, String)> {
    motcua_store::notices::queue(t.app.db().conn(), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|(d, _)| d.channel.as_str() == "email")
        .map(|(d, _)| {
            let err = d.last_error.unwrap_or_default();
            (d.state.as_str().to_string(), d.attempts, err)
        })
        .collect()
}

/// A mail server that refuses for now (4xx) gets the message again after the back-off; one
/// that refuses for good (5xx) gets it once, and it becomes a dead letter at once.
async fn refusals_retry_or_give_up(e: Engine) {
    let sink = SmtpSink::start().await;
    let t = with_smtp(e, &sink).await;
    sink.set_mode(Mode::Temporary);
    result_ready(&t, "TAM-THOI-1").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let q = unsent_mail(&t).await;
    assert_eq!(q.len(), 1, "{q:?}");
    assert!(
        q[0].0 == "pending" && q[0].1 == 1 && q[0].2.contains("451"),
        "kept for a retry: {q:?}"
    );
    assert_eq!(sink.refused(), 1, "no retry before the back-off (30 s)");
    sink.set_mode(Mode::Accept);
    t.clock.advance(jiff::SignedDuration::from_secs(31));
    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.contains("TAM-THOI-1"),
        "{}",
        mails[0].subject
    );
    // The worker records the delivery once the server has answered.
    for _ in 0..100 {
        if unsent_mail(&t).await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        unsent_mail(&t).await.is_empty(),
        "{:?}",
        unsent_mail(&t).await
    );
    // Refused for good: one attempt, a dead letter, never tried again.
    sink.set_mode(Mode::Permanent);
    result_ready(&t, "VINH-VIEN-1").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    t.clock.advance(jiff::SignedDuration::from_hours(2));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let q = unsent_mail(&t).await;
    assert_eq!(q.len(), 1, "{q:?}");
    assert!(
        q[0].0 == "dead" && q[0].1 == 1 && q[0].2.contains("550"),
        "a dead letter after one attempt: {q:?}"
    );
    assert_eq!(sink.refused(), 2, "the permanent refusal is not retried");
    assert_eq!(sink.received().len(), 1);
}

async fn two_workers_send_each_message_once(e: Engine) {
    let sink = SmtpSink::start().await;
    // Each message takes the server 150 ms, so that the two workers' passes overlap.
    sink.set_mode(Mode::Slow(150));
    let url = sink.url();
    // The built-in worker is off; two workers run side by side, as two server copies would.
    let t = setup_with(e, move |c| {
        c.smtp_url = Some(url);
        c.worker = false;
    })
    .await;
    let citizen = t.app.find_user(CITIZEN).await.unwrap();
    let tx = t.app.db().write().await.unwrap();
    for i in 0..30 {
        let mut d = data();
        d["code"] = json!(format!("X-{i:03}"));
        t.app
            .notify(
                &tx,
                NewNotice {
                    kind: NoticeKind::ResultReady,
                    user_id: Some(citizen.id),
                    dossier_id: None,
                    address: None,
                    outside: None,
                    data: d,
                },
            )
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mailer = motcua_notify_test::mailer(&sink);
    let (a, b) = (t.app.clone(), t.app.clone());
    let (m1, m2) = (mailer.clone(), mailer.clone());
    let sms = motcua_notify_test::sms();
    let (s1, s2) = (sms.clone(), sms.clone());
    // Each worker records when its first pass ran; both start together.
    let go = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let (g1, g2) = (go.clone(), go);
    let w1 = tokio::spawn(async move {
        g1.wait().await;
        let start = std::time::Instant::now();
        let mut n = a.deliver_due("copy-a", &m1, &s1).await.unwrap();
        let first = (start, std::time::Instant::now(), n);
        for _ in 0..4 {
            n += a.deliver_due("copy-a", &m1, &s1).await.unwrap();
        }
        (n, first)
    });
    let w2 = tokio::spawn(async move {
        g2.wait().await;
        let start = std::time::Instant::now();
        let mut n = b.deliver_due("copy-b", &m2, &s2).await.unwrap();
        let first = (start, std::time::Instant::now(), n);
        for _ in 0..4 {
            n += b.deliver_due("copy-b", &m2, &s2).await.unwrap();
        }
        (n, first)
    });
    let ((n1, p1), (n2, p2)) = (w1.await.unwrap(), w2.await.unwrap());
    assert_eq!(
        n1 + n2,
        30,
        "each message sent by exactly one worker ({n1} + {n2})"
    );
    // The first passes ran at the same time and both sent something (a batch is at most 20).
    assert!(
        p1.0 < p2.1 && p2.0 < p1.1 && p1.2 > 0 && p2.2 > 0,
        "the workers overlapped: {:?} sent {} and {:?} sent {}",
        p1.1 - p1.0,
        p1.2,
        p2.1 - p2.0,
        p2.2
    );
    let mails = sink.wait_for(30).await;
    let mut subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(
        (mails.len(), subjects.len()),
        (30, 30),
        "thirty different messages"
    );
}

mod motcua_notify_test {
    pub fn mailer(sink: &motcua_testkit::smtp::SmtpSink) -> motcua_app::notices::SmtpMailerHandle {
        motcua_app::notices::SmtpMailerHandle::new(&sink.url(), "dichvucong@quangngai.example")
            .unwrap()
    }
    pub fn sms() -> motcua_app::notices::SimulatedSmsHandle {
        motcua_app::notices::SimulatedSmsHandle::default()
    }
}

async fn dossier_and_inbox_show_notices(e: Engine) {
    let sink = SmtpSink::start().await;
    let t = with_smtp(e, &sink).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let code = c
        .json_with(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/submit"),
            Some(&tok),
            &[],
            Some(json!({"declaration_accepted": true})),
        )
        .await
        .json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    // The applicant's, and the desk officer's on duty (new work).
    let mails = sink.wait_for(2).await;
    let mine = mails
        .iter()
        .find(|m| m.to == ["nguyenvanan@example.com"])
        .expect("the applicant's e-mail");
    assert!(mine.subject.contains(&code) && mine.subject.starts_with("Đã nhận hồ sơ"));
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["tiepnhan.camthanh@quangngai.example"]
                && m.subject.starts_with("Hồ sơ mới chuyển đến"))
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let n = &d["notices"][0];
    assert_eq!(n["kind"], "submitted");
    assert!(n["created_at"].as_str().unwrap().starts_with("2026-03-02"));
    assert_eq!(n["delivery"]["inbox"]["state"], "sent");
    assert_eq!(n["delivery"]["email"]["state"], "sent");
    // The inbox in the citizen area, with the unread count; opening marks it read.
    let mut web = t.client();
    web.login(CITIZEN, &crate::security::demo_pw(&t, CITIZEN))
        .await;
    let inbox = web.get("/thong-bao").await;
    assert!(
        inbox
            .body
            .contains("Bạn có <strong>1</strong> thông báo chưa đọc")
            && inbox.body.contains(&code)
    );
    let href = inbox
        .body
        .split("href=\"/thong-bao/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let one = web.get(&format!("/thong-bao/{href}")).await;
    assert!(one.body.contains("Bộ phận tiếp nhận sẽ kiểm tra"));
    assert!(
        web.get("/thong-bao")
            .await
            .body
            .contains("Không có thông báo chưa đọc")
    );
    // Another person cannot open it.
    let mut other = t.client();
    other
        .login(
            crate::dossiers::OTHER,
            &crate::security::demo_pw(&t, crate::dossiers::OTHER),
        )
        .await;
    assert_eq!(other.get(&format!("/thong-bao/{href}")).await.status, 404);
    // The dossier page shows the notice and its delivery per channel.
    let page = web.get(&format!("/ho-so/{id}")).await;
    assert!(
        page.body.contains("Hộp thư trên cổng: Đã gửi")
            && page.body.contains("Thư điện tử: Đã gửi"),
        "{}",
        page.body
    );
}

async fn administrators_edit_templates_and_retry_dead_letters(e: Engine) {
    let sink = SmtpSink::start().await;
    let t = with_smtp(e, &sink).await;
    let mut prov = t.login_as("province_admin").await;
    assert!(
        prov.get("/can-bo/thong-bao/mau")
            .await
            .body
            .contains("Yêu cầu bổ sung, hoàn thiện hồ sơ")
    );
    let r = prov
        .post_form(
            "/can-bo/thong-bao/mau/supplement_request",
            &[
                ("subject", "Bổ sung hồ sơ {{ ma }}"),
                ("body", "x"),
                ("sms", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("Mẫu chưa dùng được"),
        "a bad template is refused when saved"
    );
    let r = prov
        .post_form(
            "/can-bo/thong-bao/mau/supplement_request",
            &[
                ("subject", "[Quảng Ngãi] Cần bổ sung hồ sơ {{ code }}"),
                (
                    "body",
                    "Kính gửi {{ name }}: bổ sung {% for i in items %}{{ i }}; {% endfor %}",
                ),
                ("sms", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let citizen = t.app.find_user(CITIZEN).await.unwrap();
    let tx = t.app.db().write().await.unwrap();
    t.app
        .notify(
            &tx,
            NewNotice {
                kind: NoticeKind::SupplementRequest,
                user_id: Some(citizen.id),
                dossier_id: None,
                address: None,
                outside: None,
                data: data(),
            },
        )
        .await
        .unwrap();
    // A permanent failure (an address no server accepts) becomes a dead letter at once.
    t.app
        .notify(
            &tx,
            NewNotice {
                kind: NoticeKind::PasswordReset,
                user_id: Some(citizen.id),
                dossier_id: None,
                address: Some("khong hop le"),
                outside: None,
                data: data(),
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let m = sink.wait_for(1).await;
    assert_eq!(
        m[0].subject,
        "[Quảng Ngãi] Cần bổ sung hồ sơ 000.01.01.H53-260302-0042"
    );
    assert!(
        m[0].body
            .contains("bổ sung Bản vẽ thiết kế; Giấy chứng nhận")
    );
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let q = prov.get("/can-bo/thong-bao/hang-doi").await;
    assert!(
        q.body.contains("Gửi không thành công") && q.body.contains("Đặt lại mật khẩu"),
        "{}",
        q.body
    );
    let id = q
        .body
        .split("/can-bo/thong-bao/hang-doi/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        prov.post_form(&format!("/can-bo/thong-bao/hang-doi/{id}/gui-lai"), &[])
            .await
            .status,
        303
    );
    let queue = motcua_store::notices::queue(t.app.db().conn(), 10)
        .await
        .unwrap();
    assert!(
        queue.iter().any(|(d, _)| d.id.to_string() == id),
        "queued again"
    );
    // Agency administrators do not manage notices.
    let mut admin = t.login_as("agency_admin").await;
    assert_eq!(admin.get("/can-bo/thong-bao/mau").await.status, 403);
    assert_eq!(admin.get("/can-bo/thong-bao/hang-doi").await.status, 403);
}

async fn people_choose_their_channels(e: Engine) {
    let sink = SmtpSink::start().await;
    // An SMS provider on loopback that records what it receives (the HTTP adapter's peer).
    let got: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Default::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(v): axum::Json<serde_json::Value>| {
            let g = g.clone();
            async move {
                g.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sms_url = format!("http://{}/sms", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    let url = sink.url();
    let t = setup_with(e, move |c| {
        c.smtp_url = Some(url);
        c.sms_url = Some(sms_url);
        c.sms_key = Some("khoa-thu".into());
    })
    .await;
    let mut web = t.client();
    web.login(CITIZEN, &crate::security::demo_pw(&t, CITIZEN))
        .await;
    // SMS on, e-mail off.
    assert_eq!(
        web.post_form("/tai-khoan/kenh-thong-bao", &[("sms", "1")])
            .await
            .status,
        303
    );
    let page = web.get("/tai-khoan").await;
    assert!(
        page.body.contains("name=\"sms\" value=\"1\" checked")
            && !page.body.contains("name=\"email\" value=\"1\" checked")
    );
    let citizen = t.app.find_user(CITIZEN).await.unwrap();
    let tx = t.app.db().write().await.unwrap();
    t.app
        .notify(
            &tx,
            NewNotice {
                kind: NoticeKind::ResultReady,
                user_id: Some(citizen.id),
                dossier_id: None,
                address: None,
                outside: None,
                data: data(),
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for _ in 0..100 {
        if !got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let sms = got.lock().unwrap().clone();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0]["to"], "0912345678");
    assert!(
        sms[0]["text"]
            .as_str()
            .unwrap()
            .contains("000.01.01.H53-260302-0042")
    );
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(sink.received().is_empty(), "e-mail was turned off");
    let (inbox, unread) = t.app.inbox(citizen.id).await.unwrap();
    assert_eq!((inbox.len(), unread), (1, 1), "the inbox is always on");
}

#[test]
fn templates_are_checked_when_saved() {
    for kind in NoticeKind::ALL {
        let (s, b, m) = default_template(kind);
        assert!(check_template(s, b, m).is_ok(), "{kind:?}");
    }
    assert!(
        check_template("Hồ sơ {{ ma_ho_so }}", "x", "")
            .unwrap_err()
            .contains("Tiêu đề"),
        "an unknown variable is refused now, not at send time"
    );
    assert!(
        check_template("Hồ sơ {{ code }}", "{% for i in items %}", "").is_err(),
        "a syntax error is refused"
    );
    assert!(check_template("", "x", "").is_err());
}

engine_tests!(
    administrators_edit_templates_and_retry_dead_letters,
    people_choose_their_channels,
    every_notice_kind_arrives_by_email,
    smtp_outage_then_exactly_once,
    refusals_retry_or_give_up,
    two_workers_send_each_message_once,
    dossier_and_inbox_show_notices
);
