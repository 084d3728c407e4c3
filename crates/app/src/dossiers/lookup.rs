//! The public look-up by dossier code (R6.2, R10.5): never personal data; with the phone's last
//! digits, the history of statuses.
use super::*;

impl App {
    /// The public look-up by code (R6.1): status, procedure, agency, appointment; never personal
    /// data. With the last four digits of the applicant's phone, also the history. Rate-limited
    /// per client address; wrong second factors are limited per code.
    pub async fn lookup(
        &self,
        ctx: &Ctx,
        code: &str,
        phone_digits: Option<&str>,
    ) -> Result<LookupView> {
        let now = self.now();
        let t = &self.config.throttle;
        let secs = |end: jiff::Timestamp| (end - now).as_secs().max(1) as u64;
        // Counted in memory: a look-up, even a refused one, never writes (R4.2, R4.4).
        if let Some(ip) = ctx.ip {
            let key = format!("lookup:{}", crate::limits::client_key(ip));
            let (n, end) = self.limiter.hit(&key, SignedDuration::from_mins(15), now);
            if n > self.config.copy_share(t.lookups) {
                tracing::warn!(event = "excess_rate_limit_exceeded", "look-up rate limit");
                return Err(AppError::Throttled(secs(end)));
            }
        }
        let code = code.trim();
        if !dom::plausible_code(code) {
            return Err(AppError::NotFound);
        }
        let conn = self.db.conn();
        let d = ds::public_status(conn, code)
            .await?
            .ok_or(AppError::NotFound)?;
        let version = self.version(d.procedure_version_id).await?;
        let agency = self.agency(d.agency_id).await?;
        let mut history = None;
        if let Some(digits) = phone_digits.map(str::trim).filter(|p| !p.is_empty()) {
            // Each guess is counted before it is checked, so that guesses sent at once cannot
            // exceed the limit; a right one is given back.
            let key = format!("lookup-2f:{code}");
            let (n, end) = self.limiter.hit(&key, SignedDuration::from_hours(1), now);
            if n > self.config.copy_share(t.lookup_guesses) {
                tracing::warn!(
                    event = "excess_rate_limit_exceeded",
                    "look-up second factor"
                );
                return Err(AppError::Throttled(secs(end)));
            }
            if !d
                .phone_tail
                .as_deref()
                .is_some_and(|t| crate::crypto::ct_eq(t, digits))
            {
                return Err(AppError::field(
                    "phone",
                    "Bốn số cuối điện thoại không khớp với hồ sơ.",
                ));
            }
            self.limiter.undo(&key);
            let events = ds::events(conn, d.id).await?;
            history = Some(
                timeline(&events, Audience::Applicant)
                    .into_iter()
                    .map(|e| (motcua_domain::clock::format_vn_datetime(e.at), e.label))
                    .collect(),
            );
        }
        Ok(LookupView {
            code: code.into(),
            procedure: version.body.name.clone(),
            agency: agency.name,
            status: d.stage.applicant_label().into(),
            national_status: d.stage.national().unwrap_or(0),
            submitted_at: d.submitted_at.map(motcua_domain::clock::format_vn_datetime),
            appointment_at: d
                .appointment_at
                .map(motcua_domain::clock::format_vn_datetime),
            new_appointment_at: d
                .new_appointment_at
                .map(motcua_domain::clock::format_vn_datetime),
            history,
        })
    }
}
