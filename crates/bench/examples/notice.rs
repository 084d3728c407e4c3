//! Notice delivery benchmark: N notices are written to the outbox, then the delivery worker sends
//! them to an SMTP server on loopback (the test kit's). The ceiling is the same messages sent
//! straight through the same SMTP client without the outbox (twenty in flight, as the worker
//! sends a claimed batch), measured in the same run.
//!
//!   cargo run --release -p motcua-bench --example notice -- [--messages 2000] [--postgres]
use std::time::Instant;

use motcua_app::notices::{NewNotice, SimulatedSmsHandle, SmtpMailerHandle};
use motcua_bench::arg;
use motcua_domain::notice::NoticeKind;
use motcua_notify_bench::Mailer;
use motcua_testkit::smtp::SmtpSink;
use motcua_testkit::{Engine, TestApp};

mod motcua_notify_bench {
    pub use motcua_app::notices::MailerTrait as Mailer;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = arg("--messages", 2000) as usize;
    let engine = if std::env::args().any(|a| a == "--postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let t = TestApp::spawn_with(engine, move |c| {
        c.smtp_url = Some(url);
        c.worker = false;
    })
    .await;
    t.demo().await;
    let citizen = t.app.find_user("051095001234").await.unwrap();
    let mailer = SmtpMailerHandle::new(&sink.url(), "dichvucong@quangngai.example").unwrap();
    // Ceiling: the same messages straight through SMTP.
    let started = Instant::now();
    // Twenty in flight at a time, as the worker sends a claimed batch.
    for chunk in (0..n).collect::<Vec<_>>().chunks(20) {
        let sends = chunk.iter().map(|i| {
            let subject = format!("Đã có kết quả hồ sơ X-{i}");
            let m = &mailer;
            async move {
                m.send(
                    "nguyenvanan@example.com",
                    &subject,
                    "Kính gửi Nguyễn Văn An,\n\nHồ sơ đã có kết quả.\n",
                )
                .await
                .unwrap()
            }
        });
        futures_util::future::join_all(sends).await;
    }
    let ceiling = n as f64 / started.elapsed().as_secs_f64();
    // The outbox: write, then deliver with one worker.
    let tx = t.app.db().write().await.unwrap();
    for i in 0..n {
        let data = serde_json::json!({"code": format!("X-{i}"), "procedure": "Đăng ký khai sinh", "agency": "UBND phường Cẩm Thành", "link": "http://x"});
        t.app
            .notify(
                &tx,
                NewNotice {
                    kind: NoticeKind::ResultReady,
                    user_id: Some(citizen.id),
                    dossier_id: None,
                    address: None,
                    outside: None,
                    data,
                },
            )
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let before = sink.received().len();
    let sms = SimulatedSmsHandle::default();
    let started = Instant::now();
    let mut sent = 0;
    while sent < n {
        sent += t.app.deliver_due("bench", &mailer, &sms).await.unwrap();
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    assert_eq!(sink.received().len() - before, n);
    println!("| engine | messages | outbox → SMTP msgs/s | direct SMTP msgs/s (ceiling) | ratio |");
    println!("|---|---|---|---|---|");
    println!(
        "| {engine:?} | {n} | {rate:.0} | {ceiling:.0} | {:.2} |",
        rate / ceiling
    );
}
