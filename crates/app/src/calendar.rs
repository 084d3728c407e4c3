//! The working calendar as data the provincial administrator edits (R8.1a): stored in the
//! settings table, checked before it replaces the calendar every deadline uses.
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::calendar::{Calendar, CalendarData};
use motcua_store::settings;
use serde_json::json;

use crate::Audit;
use crate::{App, AppError, Ctx, Result, Session};

impl App {
    /// Replaces the shipped calendar with the stored one, if an administrator saved one.
    pub(crate) async fn load_calendar(&self) -> Result<()> {
        if let Some((json, _, _)) = settings::get(self.db.conn(), settings::CALENDAR).await? {
            let data = CalendarData::parse(&json).map_err(AppError::Unexpected)?;
            self.set_calendar(Calendar::new(data));
        }
        Ok(())
    }

    /// The calendar data in force as pretty JSON, and when it was last changed (`None`: the
    /// shipped data).
    pub async fn calendar_data(&self, s: &Session) -> Result<(String, Option<jiff::Timestamp>)> {
        authorize(&s.actor, Action::ManageCalendar, &Target::None)?;
        let stored = settings::get(self.db.conn(), settings::CALENDAR).await?;
        let json = serde_json::to_string_pretty(self.calendar().data())
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        Ok((json, stored.map(|(_, at, _)| at)))
    }

    /// Saves edited calendar data: checked whole (each problem in Vietnamese), stored, audited,
    /// and in force for every deadline computed from now on.
    pub async fn save_calendar(&self, ctx: &Ctx, s: &Session, json: &str) -> Result<()> {
        authorize(&s.actor, Action::ManageCalendar, &Target::None)?;
        if json.len() > 1_000_000 {
            return Err(AppError::field("data", "Dữ liệu lịch quá lớn."));
        }
        let data = CalendarData::parse(json).map_err(|e| AppError::field("data", e))?;
        let text = serde_json::to_string(&data).map_err(|e| AppError::Unexpected(e.to_string()))?;
        let now = self.now();
        let tx = self.db.write().await?;
        settings::put(&tx, settings::CALENDAR, &text, now, Some(s.user.id)).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "calendar_changed",
                object: "setting",
                id: Some(settings::CALENDAR.into()),
                agency: None,
                detail: json!({"decisions": data.decisions.len()}),
            },
        )
        .await?;
        self.set_calendar(Calendar::new(data));
        Ok(())
    }
}
