//! sea-orm entities: one set for SQLite and PostgreSQL. They never leave this crate.
#![allow(clippy::derive_partial_eq_without_eq)]

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod agency {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agencies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub code: String,
        pub name: String,
        pub short_name: Option<String>,
        pub kind: String,
        pub parent_id: Option<Uuid>,
        pub valid_from: Date,
        pub valid_to: Option<Date>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod unit {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "units")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub agency_id: Uuid,
        pub code: String,
        pub name: String,
        pub kind: String,
        pub valid_from: Date,
        pub valid_to: Option<Date>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod succession {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agency_successions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub predecessor_id: Uuid,
        pub successor_id: Uuid,
        pub kind: String,
        pub effective_on: Date,
        pub note: Option<String>,
    }
    no_relations!();
}

pub mod user {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub login: String,
        pub email: Option<String>,
        pub email_verified_at: Option<DateTimeUtc>,
        pub phone: Option<String>,
        pub full_name: String,
        pub id_number: Option<String>,
        pub home_agency_id: Option<Uuid>,
        pub password_hash: String,
        pub disabled_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub notify_email: bool,
        pub notify_sms: bool,
        pub id_index: Option<String>,
        pub restricted_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod grant {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "role_grants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub role: String,
        pub agency_id: Uuid,
        pub unit_id: Option<Uuid>,
        pub granted_by: Option<Uuid>,
        pub granted_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
        pub revoked_by: Option<Uuid>,
    }
    no_relations!();
}

pub mod duty {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_roster")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub unit_id: Uuid,
        pub user_id: Uuid,
        pub starts_on: Date,
        pub ends_on: Option<Date>,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod session {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        pub user_id: Uuid,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub idle_secs: i64,
        pub client_ip: Option<String>,
        pub user_agent: Option<String>,
    }
    no_relations!();
}

pub mod api_token {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub token_hash: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod user_token {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub user_id: Uuid,
        pub purpose: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod throttle {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_throttle")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub window_start: DateTimeUtc,
        pub failures: i32,
        pub last_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod audit {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        pub actor_id: Option<Uuid>,
        pub action: String,
        pub object_type: String,
        pub object_id: Option<String>,
        pub agency_id: Option<Uuid>,
        pub request_id: Option<String>,
        pub detail: String,
        pub seq: Option<i64>,
        pub role: Option<String>,
        pub client: Option<String>,
        pub leaf_hash: Option<String>,
        pub prev_hash: Option<String>,
    }
    no_relations!();
}

pub mod outbox {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub user_id: Option<Uuid>,
        pub channel: String,
        pub recipient: String,
        pub subject: String,
        pub body: String,
        pub dedupe_key: String,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
        pub attempts: i32,
    }
    no_relations!();
}

pub mod sector {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sectors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub code: String,
        pub name: String,
        pub position: i32,
    }
    no_relations!();
}

pub mod field {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "fields")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub sector_id: Uuid,
        pub code: String,
        pub name: String,
        pub position: i32,
    }
    no_relations!();
}

pub mod procedure {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "procedures")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub code: String,
        pub owner_agency_id: Option<Uuid>,
        pub views: i64,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod procedure_version {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "procedure_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub procedure_id: Uuid,
        pub version: i32,
        pub status: String,
        pub effective_from: Option<Date>,
        pub field_id: Uuid,
        pub name: String,
        pub body: String,
        pub created_at: DateTimeUtc,
        pub created_by: Option<Uuid>,
        pub published_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod service {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "services")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub procedure_id: Uuid,
        pub agency_id: Uuid,
        pub level: i32,
        pub classification: String,
        pub online_time: Option<String>,
        pub form_schema: String,
        pub process: String,
        pub active: bool,
        pub updated_at: DateTimeUtc,
        pub fee_due: String,
    }
    no_relations!();
}

pub mod catalogue_index {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "catalogue_index")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub procedure_id: Uuid,
        pub code: String,
        pub name: String,
        pub field_id: Uuid,
        pub sector_id: Uuid,
        /// `,code1,code2,` of the agencies offering it.
        pub agencies: String,
        /// `,3,4,` levels offered.
        pub levels: String,
        /// Folded subjects, for filtering.
        pub subjects: String,
    }
    no_relations!();
}

pub mod dossier {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dossiers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub code: Option<String>,
        pub service_id: Uuid,
        pub procedure_version_id: Uuid,
        pub agency_id: Uuid,
        pub owner_id: Option<Uuid>,
        pub registered_by: Option<Uuid>,
        pub intake: String,
        pub form: String,
        pub applicant_name: String,
        pub phone_tail: Option<String>,
        pub declaration: Option<String>,
        pub declared_at: Option<DateTimeUtc>,
        pub submitted_at: Option<DateTimeUtc>,
        pub appointment_at: Option<DateTimeUtc>,
        pub supplement: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        pub version: i32,
        pub stage: Option<String>,
        pub queue: Option<String>,
        pub assignee_id: Option<Uuid>,
        pub step_due_at: Option<DateTimeUtc>,
        pub unit_id: Option<Uuid>,
        pub received_at: Option<DateTimeUtc>,
        pub time_to_result: Option<String>,
        pub process: Option<String>,
        pub finished_at: Option<DateTimeUtc>,
        pub outcome: Option<String>,
        pub repeat_requests: i32,
        pub new_appointment_at: Option<DateTimeUtc>,
        pub papers: Option<String>,
        pub papers_received_at: Option<DateTimeUtc>,
        pub intake_late: bool,
        pub handover_late: bool,
        pub late_by_count: bool,
        pub office_secs: Option<i64>,
        pub applicant_folded: Option<String>,
        pub id_index: Option<String>,
        pub phone_index: Option<String>,
        pub received_month: Option<String>,
        /// How the person receives the result (R8.2), sealed JSON.
        pub result_delivery: Option<String>,
        /// How to reach a person without an account (R11.2), sealed JSON.
        pub contact: Option<String>,
    }
    no_relations!();
}

pub mod dossier_file {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dossier_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dossier_id: Uuid,
        pub component_id: String,
        pub sha256: String,
        pub size: i64,
        pub kind: String,
        pub name: String,
        pub created_at: DateTimeUtc,
        pub public: bool,
        pub signatures: Option<String>,
    }
    no_relations!();
}

pub mod dossier_counter {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dossier_counters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub agency_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        pub last: i64,
    }
    no_relations!();
}

pub mod idempotency {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub owner_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub request_hash: String,
        pub dossier_id: Uuid,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod dossier_event {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dossier_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dossier_id: Uuid,
        pub at: DateTimeUtc,
        pub actor_id: Option<Uuid>,
        pub kind: String,
        pub comment: Option<String>,
        pub to_stage: Option<String>,
        pub unit_id: Option<Uuid>,
        pub due_at: Option<DateTimeUtc>,
        pub data: Option<String>,
        pub from_stage: Option<String>,
        pub public: bool,
        pub to_unit_id: Option<Uuid>,
        pub step: Option<String>,
    }
    no_relations!();
}

pub mod consultation {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "consultations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dossier_id: Uuid,
        pub agency_id: Uuid,
        pub question: String,
        pub requested_by: Uuid,
        pub requested_at: DateTimeUtc,
        pub due_at: DateTimeUtc,
        pub answered_at: Option<DateTimeUtc>,
        pub answered_by: Option<Uuid>,
        pub answer: Option<String>,
        pub files: Option<String>,
    }
    no_relations!();
}

pub mod setting {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub updated_at: DateTimeUtc,
        pub updated_by: Option<Uuid>,
    }
    no_relations!();
}

pub mod notice {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "notices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub user_id: Option<Uuid>,
        pub dossier_id: Option<Uuid>,
        pub recipient: Option<String>,
        pub subject: String,
        pub body: String,
        pub sms: String,
        pub created_at: DateTimeUtc,
        pub read_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod delivery {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub notice_id: Uuid,
        pub channel: String,
        pub recipient: String,
        pub state: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub lease_until: Option<DateTimeUtc>,
        pub lease_owner: Option<String>,
        pub last_error: Option<String>,
        pub sent_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod notice_template {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "notice_templates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        pub subject: String,
        pub body: String,
        pub sms: String,
        pub updated_at: DateTimeUtc,
        pub updated_by: Option<Uuid>,
    }
    no_relations!();
}

pub mod payment {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "payments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dossier_id: Uuid,
        pub agency_id: Uuid,
        pub amount: i64,
        pub method: String,
        pub state: String,
        pub txn_ref: Option<String>,
        pub gateway_txn: Option<String>,
        pub reference: Option<String>,
        pub created_at: DateTimeUtc,
        pub confirmed_at: Option<DateTimeUtc>,
        pub recorded_by: Option<Uuid>,
    }
    no_relations!();
}

pub mod receipt {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "receipts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub payment_id: Uuid,
        pub dossier_id: Uuid,
        pub agency_id: Uuid,
        pub year: i32,
        pub seq: i64,
        pub amount: i64,
        pub method: String,
        pub issued_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod receipt_counter {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "receipt_counters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub agency_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub year: i32,
        pub last: i64,
    }
    no_relations!();
}

pub mod refund {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "refunds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub payment_id: Uuid,
        pub dossier_id: Uuid,
        pub agency_id: Uuid,
        pub amount: i64,
        pub reason: String,
        pub state: String,
        pub created_at: DateTimeUtc,
        pub approved_by: Option<Uuid>,
        pub approved_at: Option<DateTimeUtc>,
        pub paid_by: Option<Uuid>,
        pub paid_at: Option<DateTimeUtc>,
        pub reference: Option<String>,
    }
    no_relations!();
}

pub mod gateway_report {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "gateway_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub txn_ref: String,
        pub gateway_txn: String,
        pub amount: i64,
        pub response_code: String,
        pub transaction_status: String,
        pub payment_id: Option<Uuid>,
        pub answer: String,
        pub received_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod issued_result {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "issued_results")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub number: String,
        pub dossier_id: Uuid,
        pub agency_id: Uuid,
        pub file_id: Uuid,
        pub draft_id: Uuid,
        pub sha256: String,
        pub certificate: String,
        pub signed_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod consent {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "consents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub purpose: String,
        pub notice_version: i32,
        pub notice_sha256: String,
        pub channel: String,
        pub accepted_at: DateTimeUtc,
        pub withdrawn_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod disclosure {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disclosures")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dossier_id: Uuid,
        pub agency_id: Uuid,
        pub purpose: String,
        pub basis: String,
        pub consent_id: Option<Uuid>,
        pub consultation_id: Option<Uuid>,
        pub by_user: Option<Uuid>,
        pub at: DateTimeUtc,
    }
    no_relations!();
}

pub mod privacy_request {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "privacy_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        pub detail: String,
        pub status: String,
        pub created_at: DateTimeUtc,
        pub due_at: DateTimeUtc,
        pub answered_at: Option<DateTimeUtc>,
        pub answered_by: Option<Uuid>,
        pub answer: Option<String>,
    }
    no_relations!();
}

pub mod incident {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incidents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub agency_id: Option<Uuid>,
        pub personal_data: bool,
        pub summary: String,
        pub started_at: DateTimeUtc,
        pub discovered_at: DateTimeUtc,
        pub notify_by: DateTimeUtc,
        pub notified_at: Option<DateTimeUtc>,
        pub reported_by: Uuid,
        pub created_at: DateTimeUtc,
        pub impact: String,
        pub origin: String,
        pub public_notice: bool,
        pub resolved_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod incident_update {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incident_updates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub incident_id: Uuid,
        pub at: DateTimeUtc,
        pub by: Option<Uuid>,
        pub note: String,
        pub resolves: bool,
    }
    no_relations!();
}

pub mod rating {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ratings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dossier_id: Uuid,
        pub agency_id: Uuid,
        pub service_id: Uuid,
        pub user_id: Uuid,
        pub at: DateTimeUtc,
        pub answers: String,
        pub dissatisfied: bool,
        pub comment: Option<String>,
    }
    no_relations!();
}

pub mod report {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub slot: String,
        pub kind: String,
        pub agency_id: Uuid,
        pub year: i32,
        pub period_from: Date,
        pub period_to: Date,
        pub title: String,
        pub state: String,
        pub body: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
        pub updated_by: Uuid,
        pub updated_at: DateTimeUtc,
        pub submitted_by: Option<Uuid>,
        pub submitted_at: Option<DateTimeUtc>,
        pub version: i32,
    }
    no_relations!();
}

pub mod feedback {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "feedback")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub about: String,
        pub agency_id: Uuid,
        pub service_id: Option<Uuid>,
        pub dossier_id: Option<Uuid>,
        pub author_id: Uuid,
        pub from_agency_id: Option<Uuid>,
        pub subject: String,
        pub body: String,
        pub created_at: DateTimeUtc,
        pub due_at: DateTimeUtc,
        pub state: String,
        pub closed_at: Option<DateTimeUtc>,
        pub closed_by: Option<Uuid>,
        pub answer: Option<String>,
        pub satisfied: Option<bool>,
    }
    no_relations!();
}

pub mod second_factor {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "second_factors")]
    pub struct Model {
        /// The account's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub secret: String,
        pub confirmed_at: Option<DateTimeUtc>,
        pub last_step: Option<i64>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod recovery_code {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "recovery_codes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code_hash: String,
        pub user_id: Uuid,
        pub used_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod external_identity {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "external_identities")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub issuer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject: String,
        pub user_id: Uuid,
        pub linked_at: DateTimeUtc,
        pub last_login_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod national_message {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "national_messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dossier_id: Uuid,
        pub code: String,
        pub seq: i64,
        pub body: String,
        pub state: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub lease_until: Option<DateTimeUtc>,
        pub lease_owner: Option<String>,
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod work_count {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_counts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub agency_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub queue: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub assignee_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub stage: String,
        pub n: i64,
    }
    no_relations!();
}

pub mod malware_found {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "malware_found")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub found_at: DateTimeUtc,
        pub source: String,
        pub user_id: Option<Uuid>,
        pub dossier_id: Option<Uuid>,
        pub sha256: String,
        pub size: i64,
        pub signature: String,
        pub scanner: String,
    }
    no_relations!();
}

pub mod quarantined {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "quarantined")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sha256: String,
        pub signature: String,
        pub scanner: String,
        pub found_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod paper_check {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "paper_check")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub file_id: Uuid,
        pub dossier_id: Uuid,
        pub checked_by: Uuid,
        pub checked_at: DateTimeUtc,
    }
    no_relations!();
}
