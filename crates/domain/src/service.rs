//! A service an agency offers online for a procedure (R5.1a, R8.1c, R10.3): its record as
//! imported, exported and edited, and the checks it must pass before it is saved.
use serde::{Deserialize, Serialize};

use crate::catalogue::{
    Channel, Classification, Duration, ProcedureBody, ProcessStep, check_process, time_to_result,
};
use crate::form::{FormSpec, Kind};

/// An online service as imported and exported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceRecord {
    /// Procedure code.
    pub procedure: String,
    /// Agency code.
    pub agency: String,
    /// 2016 level, 1–4.
    pub level: u8,
    /// Current classification; derived from the level when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// A shorter time the agency sets for online dossiers (R8.1c).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_time: Option<Duration>,
    pub form_schema: serde_json::Value,
    pub process: Vec<ProcessStep>,
    /// When its fee falls due; at acceptance when absent.
    #[serde(default)]
    pub fee_due: crate::fees::FeeDue,
}

/// Checks a service against its procedure and the agency (by its code and its units' codes): its
/// level, a shorter online time within the published one (R8.1c), a process that fits the time of
/// every channel (R10.3) and names only the agency's units, and components whose condition the
/// form can answer. Answers the parsed form.
pub fn check_service(
    body: &ProcedureBody,
    r: &ServiceRecord,
    agency: &str,
    unit_codes: &[String],
) -> Result<FormSpec, String> {
    let at = format!("Dịch vụ {} tại {}", body.code, agency);
    if !(1..=4).contains(&r.level) {
        return Err(format!("{at}: mức độ phải từ 1 đến 4."));
    }
    let form = FormSpec::from_schema(&r.form_schema).map_err(|m| format!("{at}: biểu mẫu: {m}"))?;
    if let Some(t) = &r.online_time {
        t.check()
            .map_err(|m| format!("{at}: thời hạn trực tuyến: {m}"))?;
        let published = body
            .times
            .iter()
            .find(|x| x.channel == Channel::Online)
            .map(|x| x.duration.clone());
        match published {
            Some(p) if t.working_minutes() <= p.working_minutes() => {}
            Some(p) => {
                return Err(format!(
                    "{at}: thời hạn cho hồ sơ trực tuyến ({}) không được dài hơn thời hạn đã công bố ({}).",
                    t.label_vi(),
                    p.label_vi()
                ));
            }
            None => {
                return Err(format!(
                    "{at}: thủ tục không có cách thức trực tuyến nên không đặt thời hạn trực tuyến riêng."
                ));
            }
        }
    }
    // The process applies to the service's dossiers whatever their channel: it must fit the time
    // of each (R10.3, R8.1a).
    let mut channels = vec![Channel::Online];
    channels.extend(body.methods.iter().filter(|c| **c != Channel::Online));
    for ch in channels {
        let limit = time_to_result(body, r.online_time.as_ref(), ch)
            .ok_or_else(|| format!("{at}: thủ tục chưa có thời hạn giải quyết."))?;
        check_process(&r.process, &limit).map_err(|m| {
            format!(
                "{at}: quy trình nội bộ (hồ sơ {}): {m}",
                ch.label_vi().to_lowercase()
            )
        })?;
    }
    for s in &r.process {
        if let Some(u) = &s.unit
            && !unit_codes.contains(u)
        {
            return Err(format!(
                "{at}: bước «{}»: cơ quan không có bộ phận mã {u}.",
                s.name
            ));
        }
    }
    for c in &body.components {
        if let Some(cond) = &c.condition {
            match form.field(&cond.field) {
                Some(f) if matches!(f.kind, Kind::YesNo | Kind::Choice { .. }) => {}
                _ => {
                    return Err(format!(
                        "{at}: thành phần «{}» phụ thuộc trường «{}» nhưng biểu mẫu không có trường Có/Không hoặc lựa chọn này.",
                        c.name, cond.field
                    ));
                }
            }
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> ProcedureBody {
        serde_json::from_value(json!({
            "code": "1.001193", "name": "Đăng ký khai sinh", "field": "TP.HT",
            "gov_level": "commune", "steps": [], "methods": ["in_person", "online"],
            "components": [{"id": "to-khai", "name": "Tờ khai", "original": "original",
                "required": true, "condition": {"field": "co_cha", "equals": true}}],
            "times": [
                {"channel": "in_person", "duration": {"unit": "working_days", "value": 3}},
                {"channel": "online", "duration": {"unit": "working_days", "value": 2}}],
            "subjects": [], "implementing_agency": "UBND xã", "deciding_agency": "UBND xã",
            "result": "Giấy khai sinh", "fees": [], "legal_basis": []
        }))
        .unwrap()
    }

    fn record(online: Option<Duration>, hours: f64) -> ServiceRecord {
        serde_json::from_value(json!({
            "procedure": "1.001193", "agency": "000.01.01.H53", "level": 3,
            "online_time": online,
            "form_schema": {"type": "object", "properties": {
                "co_cha": {"type": "boolean", "title": "Có cha"}}},
            "process": [{"name": "Thẩm định", "role": "specialist", "unit": "TP",
                "budget": {"unit": "working_hours", "value": hours}}]
        }))
        .unwrap()
    }

    /// A service passes when its online time, process and form fit the procedure; each misfit
    /// is refused naming the service and what is wrong.
    #[test]
    fn a_service_must_fit_its_procedure() {
        let units = vec!["TP".to_string()];
        let ok = check_service(&body(), &record(None, 8.0), "000.01.01.H53", &units);
        assert!(ok.is_ok(), "{ok:?}");
        let shorter = Some(Duration::WorkingDays { value: 1.0 });
        assert!(check_service(&body(), &record(shorter, 4.0), "X", &units).is_ok());
        let longer = Some(Duration::WorkingDays { value: 3.0 });
        let e = check_service(&body(), &record(longer, 4.0), "X", &units).unwrap_err();
        assert!(
            e.starts_with("Dịch vụ 1.001193 tại X:") && e.contains("không được dài hơn"),
            "{e}"
        );
        // Two working days online: a 20-hour process does not fit.
        let e = check_service(&body(), &record(None, 20.0), "X", &units).unwrap_err();
        assert!(e.contains("quy trình nội bộ"), "{e}");
        let e = check_service(&body(), &record(None, 4.0), "X", &[]).unwrap_err();
        assert!(e.contains("không có bộ phận mã TP"), "{e}");
        let mut r = record(None, 4.0);
        r.level = 5;
        assert!(
            check_service(&body(), &r, "X", &units)
                .unwrap_err()
                .contains("mức độ")
        );
        let mut r = record(None, 4.0);
        r.form_schema = json!({"type": "object", "properties": {
            "ten": {"type": "string", "title": "Tên"}}});
        let e = check_service(&body(), &r, "X", &units).unwrap_err();
        assert!(e.contains("phụ thuộc trường «co_cha»"), "{e}");
        // The condition's field exists but is text: it cannot answer yes or no.
        let mut r = record(None, 4.0);
        r.form_schema = json!({"type": "object", "properties": {
            "co_cha": {"type": "string", "title": "Có cha"}}});
        let e = check_service(&body(), &r, "X", &units).unwrap_err();
        assert!(e.contains("phụ thuộc trường «co_cha»"), "{e}");
        // In person is faster than online here: the process must fit the in-person time too.
        let mut b = body();
        b.times[0].duration = Duration::WorkingDays { value: 1.0 };
        let e = check_service(&b, &record(None, 12.0), "X", &units).unwrap_err();
        assert!(e.contains("quy trình nội bộ (hồ sơ trực tiếp)"), "{e}");
    }
}
