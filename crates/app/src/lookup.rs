//! Small reads the pages need (names for ids, one grant, one unit), so that the web layer goes
//! through the app and never reaches the store.
use motcua_domain::account::{Role, User};
use motcua_domain::agency::{Agency, Unit};
use motcua_store::users::{Duty, StaffGrant};
use motcua_store::{agencies, auth, users};
use uuid::Uuid;

use crate::{App, Result};

impl App {
    /// Every agency and every unit (for showing names).
    pub async fn agencies_and_units(&self) -> Result<(Vec<Agency>, Vec<Unit>)> {
        let c = self.db.conn();
        Ok((
            agencies::list_agencies(c).await?,
            agencies::list_units(c, None).await?,
        ))
    }
    pub async fn unit(&self, id: Uuid) -> Result<Unit> {
        Ok(agencies::get_unit(self.db.conn(), id).await?)
    }
    pub async fn active_grants(&self, user_id: Uuid) -> Result<Vec<StaffGrant>> {
        Ok(users::active_grants(self.db.conn(), user_id).await?)
    }
    pub async fn grant(&self, id: Uuid) -> Result<StaffGrant> {
        Ok(users::get_grant(self.db.conn(), id).await?)
    }
    pub async fn duty(&self, id: Uuid) -> Result<Duty> {
        Ok(users::get_duty(self.db.conn(), id).await?)
    }
    /// Active staff holding the reception role in an agency (who may go on its duty roster).
    pub async fn reception_officers(&self, agency_id: Uuid) -> Result<Vec<User>> {
        let c = self.db.conn();
        let mut out = Vec::new();
        for u in users::list_staff(c, None, 10_000).await? {
            if !u.disabled
                && users::active_grants(c, u.id)
                    .await?
                    .iter()
                    .any(|g| g.grant.role == Role::Reception && g.grant.agency_id == agency_id)
            {
                out.push(u);
            }
        }
        Ok(out)
    }
    /// Ends one session by its stored hash (the old one at a new log-in).
    pub async fn end_session(&self, hash: &str) -> Result<()> {
        auth::delete_session(self.db.conn(), hash).await?;
        self.auth_changed();
        Ok(())
    }
}

impl App {
    /// Deletes sessions past their absolute expiry (a periodic sweep).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        Ok(auth::purge_expired_sessions(self.db.conn(), self.now()).await?)
    }
}
