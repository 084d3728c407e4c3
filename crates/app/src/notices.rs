//! Electronic notices through a transactional outbox (R6.2, R8.2, R11.2, R11.3, R12.2).
//!
//! A notice is rendered from its template and written, with one delivery per channel, in the
//! transaction of the change that causes it: never lost, never sent for a change that rolled
//! back. A worker claims due deliveries under a lease (several server copies never send the same
//! one twice), sends them, retries with backoff and gives up into a dead letter after a limit.
use std::time::Duration as StdDuration;

use jiff::SignedDuration;
use minijinja::{Environment, UndefinedBehavior, context};
use motcua_domain::notice::{DeliveryState, MAX_ATTEMPTS, NoticeChannel, NoticeKind, backoff_secs};
use motcua_notify::{HttpSms, LogMailer, Mailer, SendError, SimulatedSms, SmsProvider, SmtpMailer};
use motcua_store::notices::{self as ns, Delivery, Notice};
use motcua_store::users;
use serde_json::Value;
use uuid::Uuid;

use crate::Audit;
use crate::error::StoreResult;
use crate::{App, AppError, Result};

/// What every staff notice of new work says (its subject says which).
const WORK_BODY: &str = "Kính gửi {{ name }},\n\n{{ note }}: hồ sơ {{ code }} ({{ procedure }}), {{ agency }}.\n{% if date %}Hạn xử lý bước này: {{ date }}.\n{% endif %}\nMở hồ sơ: {{ link }}\n";

/// The default template of each kind: (subject, body, SMS). Variables: `name`, `code`,
/// `procedure`, `agency`, `link`, `items` (a list), `note`, `date` (dd/mm/yyyy), `amount`
/// (formatted đồng), `hours`, `site`.
pub fn default_template(kind: NoticeKind) -> (&'static str, &'static str, &'static str) {
    use NoticeKind::*;
    match kind {
        SupplementRequest => (
            "Yêu cầu bổ sung, hoàn thiện hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\nHồ sơ {{ code }} ({{ procedure }}) nộp tại {{ agency }} cần bổ sung, hoàn thiện các giấy tờ sau:\n{% for i in items %}- {{ i }}\n{% endfor %}{% if note %}\nGhi chú của cơ quan: {{ note }}\n{% endif %}\nThời gian bổ sung không tính vào thời hạn giải quyết. Bổ sung tại: {{ link }}\n",
            "Ho so {{ code }} can bo sung giay to. Xem: {{ link }}",
        ),
        Refusal => (
            "Từ chối tiếp nhận, giải quyết hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\n{{ agency }} từ chối tiếp nhận, giải quyết hồ sơ {{ code }} ({{ procedure }}) vì các lý do sau:\n{% for i in items %}- {{ i }}\n{% endfor %}{% if note %}\n{{ note }}\n{% endif %}\nXem chi tiết: {{ link }}\n",
            "Ho so {{ code }} bi tu choi. Xem ly do: {{ link }}",
        ),
        Acceptance => (
            "Đã tiếp nhận hồ sơ {{ code }}, hẹn trả kết quả ngày {{ date }}",
            "Kính gửi {{ name }},\n\n{{ agency }} đã tiếp nhận hồ sơ {{ code }} ({{ procedure }}).\nNgày hẹn trả kết quả: {{ date }}.\n{% if items %}Khi nhận kết quả, xin mang theo bản chính để đối chiếu:\n{% for i in items %}- {{ i }}\n{% endfor %}{% endif %}{% if amount %}Phí, lệ phí phải nộp: {{ amount }}.\n{% endif %}\nTheo dõi hồ sơ: {{ link }}\n",
            "Da tiep nhan ho so {{ code }}. Hen tra ket qua {{ date }}. Xem: {{ link }}",
        ),
        Apology => (
            "Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\n{{ agency }} xin lỗi vì hồ sơ {{ code }} ({{ procedure }}) chưa thể trả kết quả đúng hẹn.\nLý do: {{ note }}\nNgày hẹn trả kết quả mới: {{ date }}.\n\nTheo dõi hồ sơ: {{ link }}\n",
            "Xin loi: ho so {{ code }} hen lai ngay {{ date }}.",
        ),
        ResultReady => (
            "Đã có kết quả hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\nHồ sơ {{ code }} ({{ procedure }}) đã có kết quả giải quyết. {% if note %}{{ note }}{% endif %}\nXem và nhận kết quả: {{ link }}\n",
            "Ho so {{ code }} da co ket qua. Xem: {{ link }}",
        ),
        FeeDue => (
            "Thông báo nộp phí, lệ phí hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\nHồ sơ {{ code }} ({{ procedure }}) có phí, lệ phí phải nộp: {{ amount }}.\nNộp tại: {{ link }}\n",
            "Ho so {{ code }}: nop phi {{ amount }}. Xem: {{ link }}",
        ),
        PaymentReceived => (
            "Đã nhận thanh toán phí, lệ phí hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\n{{ agency }} đã nhận {{ amount }} phí, lệ phí của hồ sơ {{ code }} ({{ procedure }}).\nBiên lai: {{ link }}\n",
            "Da nhan {{ amount }} cho ho so {{ code }}.",
        ),
        Refund => (
            "Hoàn trả phí, lệ phí hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\n{{ agency }} hoàn trả {{ amount }} phí, lệ phí của hồ sơ {{ code }} ({{ procedure }}). {% if note %}{{ note }}{% endif %}\nChi tiết: {{ link }}\n",
            "Hoan tra {{ amount }} cho ho so {{ code }}.",
        ),
        Submitted => (
            "Đã nhận hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\nHệ thống đã nhận hồ sơ {{ code }} ({{ procedure }}) gửi tới {{ agency }}. Bộ phận tiếp nhận sẽ kiểm tra và thông báo cho bạn.\nTheo dõi hồ sơ: {{ link }}\n",
            "Da nhan ho so {{ code }}.",
        ),
        EmailConfirmation => (
            "Xác nhận địa chỉ thư điện tử - Dịch vụ công trực tuyến",
            "Xin chào,\n\nĐể xác nhận địa chỉ thư điện tử của tài khoản Dịch vụ công trực tuyến, hãy mở liên kết sau trong vòng {{ hours }} giờ:\n{{ link }}\n\nNếu bạn không yêu cầu, hãy bỏ qua thư này.\n",
            "",
        ),
        PasswordReset => (
            "Đặt lại mật khẩu - Dịch vụ công trực tuyến",
            "Xin chào,\n\nĐể đặt mật khẩu mới, hãy mở liên kết sau trong vòng {{ hours }} phút:\n{{ link }}\n\nNếu bạn không yêu cầu, hãy bỏ qua thư này; mật khẩu của bạn không thay đổi.\n",
            "",
        ),
        AccountExists => (
            "Có người vừa đăng ký tài khoản bằng thông tin của bạn",
            "Xin chào,\n\nVừa có yêu cầu đăng ký tài khoản Dịch vụ công trực tuyến bằng địa chỉ thư điện tử hoặc số giấy tờ của bạn. Bạn đã có tài khoản, nên không có tài khoản mới nào được tạo.\n\nNếu bạn quên mật khẩu, hãy đặt lại tại: {{ site }}/quen-mat-khau\nNếu không phải bạn, hãy bỏ qua thư này.\n",
            "",
        ),
        Incident => (
            "Sự cố hệ thống dịch vụ công: {{ agency }}",
            "Kính gửi {{ name }},\n\n{{ agency }}: sự cố từ {{ date }}.\n{{ note }}\n{% for i in items %}- {{ i }}\n{% endfor %}\nTheo dõi và chỉ đạo xử lý: {{ link }}\n",
            "Su co he thong: {{ agency }}. Xem: {{ link }}",
        ),
        NewWork => ("Hồ sơ mới chuyển đến: {{ code }}", WORK_BODY, ""),
        Assigned => ("Được phân công xử lý hồ sơ {{ code }}", WORK_BODY, ""),
        ApprovalAwaited => ("Hồ sơ chờ phê duyệt: {{ code }}", WORK_BODY, ""),
        ConsultationRequested => ("Đề nghị cho ý kiến về hồ sơ {{ code }}", WORK_BODY, ""),
        DeadlineNear => ("Hồ sơ sắp đến hạn: {{ code }}", WORK_BODY, ""),
        UnstaffedDesk => (
            "Chưa có người trực tiếp nhận hồ sơ: {{ agency }}",
            "Kính gửi {{ name }},\n\nBộ phận tiếp nhận và trả kết quả của {{ agency }} chưa có cán bộ trong lịch trực các ngày làm việc sau:\n{% for i in items %}- {{ i }}\n{% endfor %}\nXếp lịch trực: {{ link }}\n",
            "",
        ),
        Claimed => (
            "Hồ sơ {{ code }} đã được gắn vào một tài khoản",
            "Kính gửi {{ name }},\n\nHồ sơ {{ code }} ({{ procedure }}) nộp tại {{ agency }} vừa được gắn vào một tài khoản dịch vụ công bằng mã hồ sơ và số điện thoại này. Từ nay thông báo về hồ sơ gửi đến tài khoản đó.\nNếu không phải bạn, hãy báo ngay cho {{ agency }}.\n\nTra cứu hồ sơ: {{ link }}\n",
            "Ho so {{ code }} vua duoc gan vao mot tai khoan. Neu khong phai ban, bao ngay cho co quan tiep nhan.",
        ),
        ClaimCode => (
            "Mã xác nhận gắn hồ sơ {{ code }}",
            "Mã xác nhận gắn hồ sơ {{ code }} vào tài khoản dịch vụ công: {{ otp }}. Mã dùng được trong {{ minutes }} phút. Không đưa mã này cho ai, kể cả cán bộ.\n",
            "Ma xac nhan gan ho so {{ code }} vao tai khoan: {{ otp }} (dung trong {{ minutes }} phut). Khong dua ma nay cho ai.",
        ),
        ResultWayChanged => (
            "Đổi cách nhận kết quả hồ sơ {{ code }}",
            "Kính gửi {{ name }},\n\nTheo đề nghị của bạn, {{ agency }} đã đổi cách nhận kết quả hồ sơ {{ code }} ({{ procedure }}) thành: {{ way }}.\nNếu bạn không đề nghị đổi, hãy báo ngay cho {{ agency }}.\n\nTheo dõi hồ sơ: {{ link }}\n",
            "Ho so {{ code }}: co quan da doi cach nhan ket qua theo de nghi cua ban. Neu ban khong de nghi, bao ngay cho co quan tiep nhan. {{ link }}",
        ),
        FileQuarantined => (
            "Giấy tờ của hồ sơ {{ code }} bị cách ly do có mã độc",
            "Kính gửi {{ name }},\n\nKhi quét lại các tệp đã lưu bằng mẫu nhận diện mới, hệ thống phát hiện mã độc trong giấy tờ «{{ note }}» của hồ sơ {{ code }} ({{ procedure }}). Tệp đã được cách ly: không ai tải về được nữa.\n{% if staff %}Hãy kiểm tra máy đã mở tệp này và liên hệ người nộp nếu cần nộp lại giấy tờ.{% else %}{{ agency }} sẽ liên hệ nếu cần nộp lại giấy tờ này. Bạn nên quét virus cho máy đã dùng để tạo hoặc gửi tệp.{% endif %}\n\nXem hồ sơ: {{ link }}\n",
            "Ho so {{ code }}: mot giay to bi cach ly do co ma doc. Xem ho so: {{ link }}",
        ),
        ReportDue => (
            "Nhắc hạn báo cáo: {{ note }}",
            "Kính gửi {{ name }},\n\n{{ note }} của {{ agency }} phải gửi trước ngày {{ date }} và chưa được gửi.\n\nLập, hoàn thiện báo cáo: {{ link }}\n",
            "",
        ),
        EmailChanged => (
            "Yêu cầu đổi địa chỉ thư điện tử",
            "Xin chào,\n\nTài khoản của bạn vừa yêu cầu đổi địa chỉ thư điện tử. Nếu không phải bạn, hãy đổi mật khẩu ngay tại {{ site }}/tai-khoan.\n",
            "",
        ),
    }
}

fn sample() -> Value {
    serde_json::json!({"name": "Nguyễn Văn An", "code": "000.01.01.H53-260302-0001", "procedure": "Đăng ký khai sinh", "agency": "UBND phường Cẩm Thành",
        "link": "https://dichvucong.example/ho-so/1", "items": ["Giấy chứng sinh"], "note": "Ghi chú", "date": "15/03/2026", "amount": "8.000 đ", "hours": 24, "site": "https://dichvucong.example",
        "otp": "123456", "minutes": 10, "way": "nhận tại bộ phận một cửa", "staff": false})
}

/// Template instructions one rendering may take: administrators edit templates, and a loop in
/// one must not hold a core (or, in a transaction, the database).
const TEMPLATE_FUEL: u64 = 50_000;

fn render_one(src: &str, data: &Value) -> std::result::Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.add_template("t", src).map_err(|e| e.to_string())?;
    env.get_template("t")
        .map_err(|e| e.to_string())?
        .render(context! { ..minijinja::Value::from_serialize(data) })
        .map_err(|e| e.to_string())
}

/// Checks a template before it is saved: it must parse and render with every variable a notice
/// of this kind may carry, and nothing else (an unknown variable is refused now, not at send time).
pub fn check_template(subject: &str, body: &str, sms: &str) -> std::result::Result<(), String> {
    for (what, src) in [("Tiêu đề", subject), ("Nội dung", body), ("Tin nhắn", sms)] {
        render_one(src, &sample()).map_err(|e| format!("{what}: {e}"))?;
    }
    if subject.trim().is_empty() || body.trim().is_empty() {
        return Err("Tiêu đề và nội dung không được để trống.".into());
    }
    Ok(())
}

/// What a notice says and to whom.
pub struct NewNotice<'a> {
    pub kind: NoticeKind,
    pub user_id: Option<Uuid>,
    pub dossier_id: Option<Uuid>,
    /// Account notices: the address they go to (and no inbox copy).
    pub address: Option<&'a str>,
    /// A person without an account (R11.2): SMS to their phone and e-mail to their address.
    pub outside: Option<motcua_domain::record::Contact>,
    pub data: Value,
}

impl NewNotice<'static> {
    /// A notice to a member of staff: their inbox (and e-mail as they chose), naming no dossier
    /// in its record, so that it never shows among the notices an applicant sees.
    pub fn to_staff(kind: NoticeKind, user: Uuid, data: Value) -> Self {
        NewNotice {
            kind,
            user_id: Some(user),
            dossier_id: None,
            address: None,
            outside: None,
            data,
        }
    }
}

/// A notice rendered and addressed before the transaction that stores it.
pub(crate) struct Addressed {
    pub notice: NewNotice<'static>,
    pub rendered: Rendered,
    pub channels: Vec<(NoticeChannel, String)>,
}

/// A notice's text, rendered from its template.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
    pub sms: String,
}

/// The templates administrators saved, kept in memory (read at start, when one is saved, and by
/// housekeeping for the other server copies), so that rendering never reads the database.
pub type Templates =
    std::sync::RwLock<std::collections::HashMap<NoticeKind, (String, String, String)>>;

impl App {
    /// Reads the saved templates into memory.
    pub(crate) async fn load_templates(&self) -> Result<()> {
        let mut saved = std::collections::HashMap::new();
        for k in NoticeKind::ALL {
            if let Some(t) = ns::template(self.db.conn(), k).await? {
                saved.insert(k, t);
            }
        }
        *self.templates.write().unwrap_or_else(|e| e.into_inner()) = saved;
        Ok(())
    }

    /// Renders a notice from its template in force (saved, else the default), with the
    /// variables every notice may carry, under a fuel limit. No database access: it runs before
    /// the write transaction that stores the notice.
    pub fn render_notice(&self, kind: NoticeKind, data: &Value) -> Result<Rendered> {
        let saved = self
            .templates
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&kind)
            .cloned();
        let (s, b, m) = match saved {
            Some(t) => t,
            None => {
                let (s, b, m) = default_template(kind);
                (s.to_string(), b.to_string(), m.to_string())
            }
        };
        let mut data = data.clone();
        if let Some(o) = data.as_object_mut() {
            let sample = sample();
            for (k, v) in sample.as_object().expect("object") {
                o.entry(k.clone()).or_insert(if v.is_array() {
                    Value::Array(vec![])
                } else if v.is_number() {
                    Value::from(0)
                } else {
                    Value::String(String::new())
                });
            }
            o.insert(
                "site".into(),
                Value::String(self.config.public_url.trim_end_matches('/').to_string()),
            );
        }
        let r = |src: &str| {
            render_one(src, &data)
                .map_err(|e| AppError::Unexpected(format!("template {}: {e}", kind.as_str())))
        };
        Ok(Rendered {
            subject: r(&s)?,
            body: r(&b)?,
            sms: r(&m)?,
        })
    }

    /// Renders a notice and writes it in the caller's transaction; only for a notice whose
    /// data the transaction decides (the submission's dossier code, numbered in it). Rendering
    /// is bounded by the fuel limit; every other notice is rendered before the transaction
    /// ([`App::notify_rendered`]).
    pub async fn notify(&self, tx: &motcua_store::Tx, n: NewNotice<'_>) -> Result<Uuid> {
        let r = self.render_notice(n.kind, &n.data)?;
        self.notify_rendered(tx, &n, r).await
    }

    /// Writes a notice rendered before the transaction, and its deliveries, in the caller's
    /// transaction: the inbox always (for a person's notices), e-mail and SMS as the person
    /// chose.
    pub async fn notify_rendered(
        &self,
        tx: &motcua_store::Tx,
        n: &NewNotice<'_>,
        r: Rendered,
    ) -> Result<Uuid> {
        let channels = self.addresses(tx, n, &r.sms).await?;
        self.store_notice(tx, n, r, channels).await
    }

    /// Renders and addresses a notice before the write transaction that stores it, so that the
    /// transaction holds the database only to write (on SQLite every write waits for it).
    pub(crate) async fn address(
        &self,
        c: &impl motcua_store::Conn,
        notice: NewNotice<'static>,
        rendered: Rendered,
    ) -> Result<Addressed> {
        let channels = self.addresses(c, &notice, &rendered.sms).await?;
        Ok(Addressed {
            notice,
            rendered,
            channels,
        })
    }

    /// Writes a notice addressed before the transaction, and its deliveries.
    pub(crate) async fn store_addressed(
        &self,
        tx: &motcua_store::Tx,
        a: Addressed,
    ) -> Result<Uuid> {
        self.store_notice(tx, &a.notice, a.rendered, a.channels)
            .await
    }

    /// Where a notice goes: its address, or the person's inbox with e-mail and SMS as they chose,
    /// or for a person without an account the phone and e-mail they gave (R11.2).
    async fn addresses(
        &self,
        c: &impl motcua_store::Conn,
        n: &NewNotice<'_>,
        sms: &str,
    ) -> Result<Vec<(NoticeChannel, String)>> {
        let mut channels: Vec<(NoticeChannel, String)> = Vec::new();
        match (n.address, n.user_id) {
            (Some(addr), _) => channels.push((NoticeChannel::Email, addr.to_string())),
            (None, Some(uid)) => {
                let u = users::get_user(c, uid).await?;
                let (email_on, sms_on) = users::notify_prefs(c, uid).await?;
                channels.push((NoticeChannel::Inbox, uid.to_string()));
                if email_on
                    && let Some(e) = u
                        .email
                        .filter(|_| u.email_verified || u.kind == motcua_domain::AccountKind::Staff)
                {
                    channels.push((NoticeChannel::Email, e));
                }
                if sms_on
                    && !sms.trim().is_empty()
                    && let Some(p) = u.phone
                {
                    channels.push((NoticeChannel::Sms, p));
                }
            }
            (None, None) => {
                if let Some(c) = &n.outside {
                    if let Some(e) = &c.email {
                        channels.push((NoticeChannel::Email, e.clone()));
                    }
                    if let Some(p) = c.phone.as_ref().filter(|_| !sms.trim().is_empty()) {
                        channels.push((NoticeChannel::Sms, p.clone()));
                    }
                }
            }
        }
        Ok(channels)
    }

    /// Writes a notice and one delivery per channel.
    async fn store_notice(
        &self,
        tx: &motcua_store::Tx,
        n: &NewNotice<'_>,
        r: Rendered,
        channels: Vec<(NoticeChannel, String)>,
    ) -> Result<Uuid> {
        let Rendered { subject, body, sms } = r;
        let now = self.now();
        let id = Uuid::now_v7();
        ns::insert_notice(
            tx,
            &Notice {
                id,
                kind: n.kind,
                user_id: n.user_id,
                dossier_id: n.dossier_id,
                recipient: n.address.map(String::from),
                subject,
                body,
                sms,
                created_at: now,
                read_at: None,
            },
        )
        .await?;
        let deliveries: Vec<Delivery> = channels
            .into_iter()
            .map(|(ch, to)| {
                let state = if ch == NoticeChannel::Inbox {
                    DeliveryState::Sent
                } else {
                    DeliveryState::Pending
                };
                Delivery {
                    id: Uuid::now_v7(),
                    notice_id: id,
                    channel: ch,
                    recipient: to,
                    state,
                    attempts: 0,
                    next_attempt_at: now,
                    last_error: None,
                    sent_at: (state == DeliveryState::Sent).then_some(now),
                }
            })
            .collect();
        ns::insert_deliveries(tx, &deliveries, now).await?;
        tracing::info!(event = "notice_queued", kind = n.kind.as_str(), notice = %id, "notice queued");
        Ok(id)
    }

    /// Sends the due deliveries of one channel: claims them under a lease, sends, and records
    /// success, a retry with backoff, or a dead letter. Answers how many were sent.
    async fn deliver_channel(
        &self,
        channel: NoticeChannel,
        owner: &str,
        mailer: &impl Mailer,
        sms: &impl SmsProvider,
    ) -> Result<usize> {
        let now = self.now();
        let claimed = {
            let tx = self.db.write().await?;
            let c =
                ns::claim_due(&tx, channel, owner, now, SignedDuration::from_secs(120), 20).await?;
            tx.commit().await?;
            c
        };
        let mut sent = 0;
        // The claimed batch is sent concurrently (the SMTP transport pools connections); each
        // outcome is then recorded in its own transaction.
        let outcomes =
            futures_util::future::join_all(claimed.into_iter().map(|(d, n)| async move {
                let result = match channel {
                    NoticeChannel::Email => mailer.send(&d.recipient, &n.subject, &n.body).await,
                    NoticeChannel::Sms => sms.send(&d.recipient, &n.sms).await,
                    NoticeChannel::Inbox => Ok(()),
                };
                (d, n, result)
            }))
            .await;
        for (d, n, result) in outcomes {
            let now = self.now();
            let tx = self.db.write().await?;
            match result {
                Ok(()) => {
                    ns::mark_sent(&tx, d.id, owner, now).await?;
                    sent += 1;
                    tracing::info!(event = "notice_delivered", channel = channel.as_str(), notice = %n.id, "delivered");
                }
                Err(e) => {
                    let attempts = d.attempts + 1;
                    let dead =
                        matches!(e, SendError::Permanent(_)) || attempts as u32 >= MAX_ATTEMPTS;
                    let next = now + SignedDuration::from_secs(backoff_secs(attempts as u32));
                    ns::mark_failed(&tx, d.id, owner, attempts, next, dead, &e.to_string()).await?;
                    tracing::warn!(event = if dead { "notice_dead_letter" } else { "notice_retry" }, channel = channel.as_str(), notice = %n.id, attempts, "delivery failed");
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }

    /// One pass of the delivery worker over e-mail and SMS.
    pub async fn deliver_due(
        &self,
        owner: &str,
        mailer: &impl Mailer,
        sms: &impl SmsProvider,
    ) -> Result<usize> {
        let e = self
            .deliver_channel(NoticeChannel::Email, owner, mailer, sms)
            .await?;
        let s = self
            .deliver_channel(NoticeChannel::Sms, owner, mailer, sms)
            .await?;
        Ok(e + s)
    }

    /// Runs the delivery worker until `stop` completes: SMTP when `smtp_url` is set, else (in
    /// development) nothing leaves the machine; SMS through `sms_url`, else the simulator.
    pub async fn run_worker(&self, stop: impl std::future::Future<Output = ()>) {
        let owner = format!("worker-{}", Uuid::new_v4().simple());
        let smtp = self.config.smtp_url.as_deref().map(|u| {
            SmtpMailer::new(
                u,
                self.config
                    .mail_from
                    .as_deref()
                    .unwrap_or("dichvucong@localhost"),
            )
        });
        let sms_http = self
            .config
            .sms_url
            .as_deref()
            .map(|u| HttpSms::new(u, self.config.sms_key.as_deref().unwrap_or("")));
        let sim = SimulatedSms::default();
        tokio::pin!(stop);
        loop {
            let pass = async {
                let r = match (&smtp, &sms_http) {
                    (Some(Ok(m)), Some(s)) => self.deliver_due(&owner, m, s).await,
                    (Some(Ok(m)), None) => self.deliver_due(&owner, m, &sim).await,
                    (_, Some(s)) => self.deliver_due(&owner, &LogMailer, s).await,
                    (_, None) => self.deliver_due(&owner, &LogMailer, &sim).await,
                };
                if let Err(e) = r {
                    tracing::warn!(event = "worker_fail", error = %e, "delivery pass failed");
                }
                // The national portal's messages go out beside the notices (R6.1).
                if let Err(e) = self.sync_national().await {
                    tracing::warn!(event = "worker_fail", error = %e, "national portal pass failed");
                }
            };
            tokio::select! {
                _ = &mut stop => break,
                _ = pass => {}
            }
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(StdDuration::from_millis(500)) => {}
            }
        }
    }

    /// A person's inbox and its unread count.
    pub async fn inbox(&self, user: Uuid) -> Result<(Vec<Notice>, u64)> {
        let c = self.db.conn();
        Ok((ns::inbox(c, user, 200).await?, ns::unread(c, user).await?))
    }

    pub async fn unread_count(&self, user: Uuid) -> Result<u64> {
        Ok(ns::unread(self.db.conn(), user).await?)
    }

    /// Opens a notice of the person's own (marks it read).
    pub async fn open_notice(&self, user: Uuid, id: Uuid) -> Result<Notice> {
        let n = ns::get_notice(self.db.conn(), id)
            .await
            .or_missing(AppError::NotFound)?;
        if n.user_id != Some(user) || n.recipient.is_some() {
            return Err(AppError::NotFound);
        }
        ns::mark_read(self.db.conn(), user, id, self.now()).await?;
        Ok(n)
    }

    /// A dossier's notices with their delivery state per channel.
    pub async fn dossier_notices(&self, dossier: Uuid) -> Result<Vec<(Notice, Vec<Delivery>)>> {
        let c = self.db.conn();
        let notices = ns::of_dossier(c, dossier).await?;
        let ids: Vec<Uuid> = notices.iter().map(|n| n.id).collect();
        let deliveries = ns::deliveries_of(c, &ids).await?;
        Ok(notices
            .into_iter()
            .map(|n| {
                let d = deliveries
                    .iter()
                    .filter(|d| d.notice_id == n.id)
                    .cloned()
                    .collect();
                (n, d)
            })
            .collect())
    }

    /// The newest e-mails (development mailbox, tests): (to, subject, body, kind, created).
    pub async fn recent_emails(
        &self,
        limit: u64,
    ) -> Result<Vec<(String, String, String, NoticeKind, jiff::Timestamp)>> {
        let c = self.db.conn();
        let queue = ns::recent_email(c, limit).await?;
        Ok(queue)
    }
}

/// The adapters, for workers run outside the server (tests, a separate process).
pub use motcua_notify::{SimulatedSms as SimulatedSmsHandle, SmtpMailer as SmtpMailerHandle};

impl App {
    /// Every kind's template in force (saved, else the default): (kind, subject, body, sms, saved).
    pub async fn templates(
        &self,
        s: &crate::Session,
    ) -> Result<Vec<(NoticeKind, String, String, String, bool)>> {
        motcua_domain::authorize(
            &s.actor,
            motcua_domain::Action::ManageNotices,
            &motcua_domain::Target::None,
        )?;
        let mut out = Vec::new();
        for k in NoticeKind::ALL {
            match ns::template(self.db.conn(), k).await? {
                Some((a, b, c)) => out.push((k, a, b, c, true)),
                None => {
                    let (a, b, c) = default_template(k);
                    out.push((k, a.into(), b.into(), c.into(), false));
                }
            }
        }
        Ok(out)
    }

    /// Saves a template after checking it (a bad template is refused now, not at send time).
    pub async fn save_template(
        &self,
        ctx: &crate::Ctx,
        s: &crate::Session,
        kind: NoticeKind,
        subject: &str,
        body: &str,
        sms: &str,
    ) -> Result<()> {
        motcua_domain::authorize(
            &s.actor,
            motcua_domain::Action::ManageNotices,
            &motcua_domain::Target::None,
        )?;
        check_template(subject, body, sms)
            .map_err(|m| AppError::field("template", format!("Mẫu chưa dùng được: {m}")))?;
        let tx = self.db.write().await?;
        ns::save_template(&tx, kind, subject, body, sms, Some(s.user.id), self.now()).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "notice_template_saved",
                object: "notice_template",
                id: Some(kind.as_str().into()),
                agency: None,
                detail: serde_json::json!({}),
            },
        )
        .await?;
        self.load_templates().await
    }

    /// The delivery queue: deliveries not yet sent, dead letters first.
    pub async fn delivery_queue(&self, s: &crate::Session) -> Result<Vec<(Delivery, Notice)>> {
        motcua_domain::authorize(
            &s.actor,
            motcua_domain::Action::ManageNotices,
            &motcua_domain::Target::None,
        )?;
        Ok(ns::queue(self.db.conn(), 500).await?)
    }

    /// Sends a dead letter again.
    pub async fn retry_delivery(
        &self,
        ctx: &crate::Ctx,
        s: &crate::Session,
        id: Uuid,
    ) -> Result<()> {
        motcua_domain::authorize(
            &s.actor,
            motcua_domain::Action::ManageNotices,
            &motcua_domain::Target::None,
        )?;
        let tx = self.db.write().await?;
        ns::retry(&tx, id, self.now()).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "delivery_retried",
                object: "delivery",
                id: Some(id.to_string()),
                agency: None,
                detail: serde_json::json!({}),
            },
        )
        .await?;
        Ok(())
    }

    /// The person's channel choices: (e-mail, SMS). The inbox is always on.
    pub async fn channels(&self, s: &crate::Session) -> Result<(bool, bool)> {
        Ok(users::notify_prefs(self.db.conn(), s.user.id).await?)
    }

    pub async fn set_channels(&self, s: &crate::Session, email: bool, sms: bool) -> Result<()> {
        let tx = self.db.write().await?;
        users::set_notify_prefs(&tx, s.user.id, email, sms).await?;
        tx.commit().await?;
        Ok(())
    }
}
pub use motcua_notify::Mailer as MailerTrait;
