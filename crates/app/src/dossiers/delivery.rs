//! How the person receives the result (R8.2): the ways a dossier's service allows, the choice
//! made at submission or at the counter, and changing it until the result is returned. The
//! return steps follow the choice (`delivery_hold`).
use motcua_domain::catalogue::Service;
use motcua_domain::delivery::{self, PostTo, ResultDelivery};
use motcua_domain::event::ReturnChannel;
use motcua_domain::notice::NoticeKind;

use super::*;

/// A choice as the person (or the officer at the counter) states it.
#[derive(Debug, Clone, Default)]
pub struct ResultChoice {
    /// `office`, `online` or `post`.
    pub channel: String,
    /// The address, when by post.
    pub post: Option<PostTo>,
}

impl App {
    /// The postage the post collects on delivering a result, when it charges the person.
    pub fn result_postage(&self) -> Option<i64> {
        let p = i64::from(self.config.dossiers.result_postage);
        (p > 0).then_some(p)
    }

    /// The choice checked against the ways the service allows; at the office (always allowed)
    /// when none is stated.
    pub(crate) fn checked_choice(
        &self,
        ways: &[ReturnChannel],
        choice: Option<ResultChoice>,
    ) -> Result<ResultDelivery> {
        let c = choice.unwrap_or_else(|| ResultChoice {
            channel: delivery::DEFAULT.as_str().into(),
            post: None,
        });
        let postage = self.result_postage().unwrap_or(0);
        // A way the service does not allow conflicts with the dossier; a bad address is
        // the request's own fault.
        delivery::choose(ways, &c.channel, c.post, postage).map_err(|(f, m)| match f {
            "result_channel" => AppError::Conflict(m),
            _ => AppError::field(f, m),
        })
    }

    /// The ways the result of a dossier may be received (R8.2).
    pub(crate) async fn result_ways(&self, d: &Dossier) -> Result<Vec<ReturnChannel>> {
        let service = cat::get_service(self.db.conn(), d.service_id).await?;
        let version = self.version(d.procedure_version_id).await?;
        Ok(ways_of(&service, &version))
    }

    /// Changes how the person receives the result, until it is returned (R8.2): the owner on
    /// their dossier, or reception of its agency at the person's request (a person without an
    /// account asks at the counter). The return step follows the new choice at once.
    pub async fn choose_result(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        choice: ResultChoice,
    ) -> Result<Dossier> {
        let mut d = self.visible(s, id).await?;
        if !may_choose(s, &d) {
            return Err(AppError::Forbidden);
        }
        if !delivery::may_change(d.stage) {
            return Err(AppError::Conflict(
                "Hồ sơ đã kết thúc (đã trả kết quả, đã rút hoặc dừng xử lý): không đổi được cách nhận kết quả nữa."
                    .into(),
            ));
        }
        let ways = self.result_ways(&d).await?;
        let chosen = self.checked_choice(&ways, Some(choice))?;
        let channel = chosen.channel.as_str();
        // Reception changes it at the person's request: the person hears of it, so that a
        // change they did not ask for does not go unnoticed.
        let told = match d.owner_id == Some(s.user.id) {
            true => None,
            false => {
                // The way only: the notice's text is kept unsealed, the address is not (R10.5).
                let way = json!({"way": chosen.channel.label_vi().to_lowercase()});
                match self
                    .owner_notice(self.db.conn(), &d, NoticeKind::ResultWayChanged, way)
                    .await?
                {
                    Some((n, r)) => Some(self.address(self.db.conn(), n, r).await?),
                    None => None,
                }
            }
        };
        d.result = Some(chosen);
        d.updated_at = self.now();
        let tx = self.db.write().await?;
        ds::update_dossier(&tx, &d).await.map_err(conflict_msg)?;
        if let Some(a) = told {
            self.store_addressed(&tx, a).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "result_delivery_chosen",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                // The way only: the address is personal data (R10.5).
                detail: json!({"channel": channel}),
            },
        )
        .await?;
        d.version += 1;
        Ok(d)
    }
}

/// The ways a service's result may be received, from its classification and its procedure's
/// methods (R8.2).
pub(crate) fn ways_of(service: &Service, version: &Version) -> Vec<ReturnChannel> {
    delivery::allowed(service.classification, &version.body.methods)
}

/// Refuses a return step other than the one the person chose (R8.2).
pub(crate) fn delivery_hold(d: &Dossier, act: Act) -> Result<()> {
    if delivery::follows(d.result.as_ref(), act) {
        return Ok(());
    }
    let chosen = d
        .result
        .as_ref()
        .map(|r| r.channel.label_vi().to_lowercase())
        .unwrap_or_default();
    Err(AppError::Conflict(format!(
        "Người nộp đã chọn {chosen}: trả kết quả theo cách đó. Nếu người nộp muốn nhận cách khác, đổi cách nhận kết quả trước (người nộp trên trang hồ sơ, hoặc bộ phận một cửa theo yêu cầu của người nộp)."
    )))
}

/// Whether the caller chooses how the result of the dossier is received: its owner, or
/// reception of its agency (at the person's request).
pub(crate) fn may_choose(s: &Session, d: &Dossier) -> bool {
    let whos = crate::processing::whos(s, d);
    whos.contains(&Who::Owner) || whos.contains(&Who::Staff(Role::Reception))
}

/// How the result of a dossier is received, as slips and pages print it: the way chosen, or,
/// before anyone chose (a dossier from the post, or from before the choice was asked), the
/// office or as the person asks reception.
pub fn result_label(d: &Dossier) -> String {
    d.result.as_ref().map_or_else(
        || "tại bộ phận một cửa, hoặc theo cách người nộp đề nghị với bộ phận một cửa".into(),
        ResultDelivery::label_vi,
    )
}
