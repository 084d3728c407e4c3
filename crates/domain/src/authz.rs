//! Permissions: one function of (actor, action, target), so that every route asks the same
//! question (R4.3, R10.5; ASVS 8.2.1, 8.2.2, 8.4.1). Staff of one agency see nothing of another
//! agency's records unless a grant says so.

use serde::Serialize;
use uuid::Uuid;

use crate::account::{AccountKind, Role};

/// A role granted to a staff member for an agency and optionally one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub agency_id: Uuid,
    pub unit_id: Option<Uuid>,
}

/// The roles an account acts in at `agency` (province-wide roles anywhere), as the audit
/// record names them; an account without any is named by its kind (R4.3).
pub fn role_label(kind: AccountKind, grants: &[Grant], agency: Option<Uuid>) -> String {
    let mut roles: Vec<&str> = grants
        .iter()
        .filter(|g| agency.is_none_or(|a| g.agency_id == a) || g.role.is_province_wide())
        .map(|g| g.role.as_str())
        .collect();
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() {
        kind.as_str().to_string()
    } else {
        roles.join(",")
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub kind: AccountKind,
    pub grants: Vec<Grant>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
    /// Whether the actor holds `role` for `agency` (province-wide roles hold everywhere).
    pub fn has_role_in(&self, role: Role, agency: Uuid) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && (g.agency_id == agency || role.is_province_wide()))
    }
    /// The agencies in which the actor holds any of `roles`.
    pub fn agencies_with(&self, roles: &[Role]) -> Vec<Uuid> {
        let mut v: Vec<Uuid> = self
            .grants
            .iter()
            .filter(|g| roles.contains(&g.role))
            .map(|g| g.agency_id)
            .collect();
        v.sort();
        v.dedup();
        v
    }
    pub fn is_staff(&self) -> bool {
        self.kind == AccountKind::Staff && !self.grants.is_empty()
    }
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one's own account page and sessions.
    ViewOwnAccount,
    /// Change one's own contact details, password, sessions.
    EditOwnAccount,
    /// Enter the back office (staff home).
    EnterBackOffice,
    /// Read the agency tree in the back office.
    ViewAgencies,
    /// Create, change, retire agencies and units; record mergers.
    ManageAgencies,
    /// List the staff of an agency.
    ListStaff,
    /// Create, change, disable a staff account whose home agency is the target.
    ManageStaff,
    /// Grant or revoke a role for the target agency.
    GrantRole(Role),
    /// Put reception officers on the duty roster of a desk (R10.6).
    ManageDutyRoster,
    /// Read a dossier (owner, staff of an agency handling it, inspector).
    ViewDossier,
    /// Manage sectors and fields of the catalogue.
    ManageSectors,
    /// Create, edit and publish a procedure owned by the target agency (`Target::None`: owned
    /// by the province).
    EditProcedure,
    /// Configure the target agency's online services: level, form, internal process.
    ManageService,
    /// Edit notice templates and look after the delivery queue (provincial administrators).
    ManageNotices,
    /// Edit the working calendar's yearly decisions and office hours (R8.1a).
    ManageCalendar,
    /// Record a payment at the desk and pay a refund back (the agency's cashier, R7.1b).
    TakePayment,
    /// Approve a refund (the agency's leader, R8.2c).
    ApproveRefund,
    /// Read the daily reconciliation of an agency (its cashier, leader and administrator), or of
    /// every agency (`Target::None`: the province's administrators and inspectors).
    ViewStatement,
}

/// What the action is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Nothing in particular (system-wide functions).
    None,
    /// An account (the user's id).
    Account(Uuid),
    /// An agency.
    Agency(Uuid),
    /// A dossier: its owner and the agencies that handle it.
    Dossier { owner: Uuid, agencies: Vec<Uuid> },
}

/// A refusal, with the reason kept for the security log (never shown in detail to the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("không có quyền: {0}")]
pub struct Denied(pub &'static str);

/// The one permission check. Fails closed: anything not allowed below is denied.
pub fn authorize(actor: &Actor, action: Action, target: &Target) -> Result<(), Denied> {
    use Action::*;
    let staff = actor.kind == AccountKind::Staff;
    let ok = match (action, target) {
        (ViewOwnAccount | EditOwnAccount, Target::Account(id)) => *id == actor.user_id,
        (EnterBackOffice, Target::None) => actor.is_staff(),
        (ViewAgencies, Target::None) => actor.is_staff(),
        (ManageAgencies, _) => staff && actor.has_role(Role::ProvinceAdmin),
        (ListStaff, Target::Agency(a)) => {
            staff
                && (actor.has_role(Role::ProvinceAdmin)
                    || actor.has_role(Role::Inspector)
                    || actor.has_role_in(Role::AgencyAdmin, *a))
        }
        (ListStaff, Target::None) => {
            staff && (actor.has_role(Role::ProvinceAdmin) || actor.has_role(Role::Inspector))
        }
        (ManageStaff, Target::Agency(a)) => {
            staff
                && (actor.has_role(Role::ProvinceAdmin) || actor.has_role_in(Role::AgencyAdmin, *a))
        }
        (GrantRole(role), Target::Agency(a)) => {
            staff
                && (actor.has_role(Role::ProvinceAdmin)
                    || (!role.is_province_wide() && actor.has_role_in(Role::AgencyAdmin, *a)))
        }
        (ManageDutyRoster, Target::Agency(a)) => {
            staff
                && (actor.has_role(Role::ProvinceAdmin)
                    || actor.has_role_in(Role::AgencyAdmin, *a)
                    || actor.has_role_in(Role::Leader, *a))
        }
        (ViewDossier, Target::Dossier { owner, agencies }) => {
            (!staff && *owner == actor.user_id)
                || (staff
                    && (actor.has_role(Role::Inspector)
                        || agencies.iter().any(|a| {
                            [
                                Role::Reception,
                                Role::Specialist,
                                Role::Leader,
                                Role::Cashier,
                            ]
                            .into_iter()
                            .any(|r| actor.has_role_in(r, *a))
                        })))
        }
        (ManageSectors | ManageNotices | ManageCalendar, _) => {
            staff && actor.has_role(Role::ProvinceAdmin)
        }
        (EditProcedure, Target::None) => staff && actor.has_role(Role::ProvinceAdmin),
        (EditProcedure | ManageService, Target::Agency(a)) => {
            staff
                && (actor.has_role(Role::ProvinceAdmin) || actor.has_role_in(Role::AgencyAdmin, *a))
        }
        (TakePayment, Target::Agency(a)) => staff && actor.has_role_in(Role::Cashier, *a),
        (ApproveRefund, Target::Agency(a)) => staff && actor.has_role_in(Role::Leader, *a),
        (ViewStatement, Target::Agency(a)) => {
            staff
                && (actor.has_role(Role::ProvinceAdmin)
                    || actor.has_role(Role::Inspector)
                    || [Role::Cashier, Role::Leader, Role::AgencyAdmin]
                        .into_iter()
                        .any(|r| actor.has_role_in(r, *a)))
        }
        (ViewStatement, Target::None) => {
            staff && (actor.has_role(Role::ProvinceAdmin) || actor.has_role(Role::Inspector))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Denied(match action {
            ViewOwnAccount | EditOwnAccount => "not the account owner",
            EnterBackOffice | ViewAgencies => "not staff",
            ManageAgencies => "not a province administrator",
            ListStaff | ManageStaff => "not an administrator of the agency",
            GrantRole(_) => "may not grant this role here",
            ManageDutyRoster => "may not manage this desk's roster",
            ViewDossier => "dossier outside the actor's agencies",
            ManageSectors | ManageNotices | ManageCalendar => "not a province administrator",
            EditProcedure | ManageService => "not an administrator of the owning agency",
            TakePayment => "not a cashier of the agency",
            ApproveRefund => "not a leader of the agency",
            ViewStatement => "may not read this statement",
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }
    fn staff(grants: &[(Role, u128)]) -> Actor {
        Actor {
            user_id: u(1000),
            kind: AccountKind::Staff,
            grants: grants
                .iter()
                .map(|(r, a)| Grant {
                    role: *r,
                    agency_id: u(*a),
                    unit_id: None,
                })
                .collect(),
        }
    }
    const X: u128 = 1;
    const Y: u128 = 2;

    #[test]
    fn agency_admin_is_confined_to_own_agency() {
        let a = staff(&[(Role::AgencyAdmin, X)]);
        assert!(authorize(&a, Action::ManageStaff, &Target::Agency(u(X))).is_ok());
        assert!(authorize(&a, Action::ManageStaff, &Target::Agency(u(Y))).is_err());
        assert!(
            authorize(
                &a,
                Action::GrantRole(Role::Reception),
                &Target::Agency(u(X))
            )
            .is_ok()
        );
        assert!(
            authorize(
                &a,
                Action::GrantRole(Role::Reception),
                &Target::Agency(u(Y))
            )
            .is_err()
        );
        assert!(
            authorize(
                &a,
                Action::GrantRole(Role::ProvinceAdmin),
                &Target::Agency(u(X))
            )
            .is_err()
        );
        assert!(
            authorize(
                &a,
                Action::GrantRole(Role::Inspector),
                &Target::Agency(u(X))
            )
            .is_err()
        );
        assert!(authorize(&a, Action::ManageAgencies, &Target::None).is_err());
        assert!(authorize(&a, Action::ListStaff, &Target::None).is_err());
    }

    #[test]
    fn province_admin_everywhere_inspector_reads_only() {
        let p = staff(&[(Role::ProvinceAdmin, X)]);
        assert!(authorize(&p, Action::ManageStaff, &Target::Agency(u(Y))).is_ok());
        assert!(
            authorize(
                &p,
                Action::GrantRole(Role::Inspector),
                &Target::Agency(u(Y))
            )
            .is_ok()
        );
        assert!(authorize(&p, Action::ManageAgencies, &Target::None).is_ok());
        let i = staff(&[(Role::Inspector, X)]);
        assert!(authorize(&i, Action::ListStaff, &Target::Agency(u(Y))).is_ok());
        assert!(authorize(&i, Action::ManageStaff, &Target::Agency(u(Y))).is_err());
        let d = Target::Dossier {
            owner: u(5),
            agencies: vec![u(Y)],
        };
        assert!(authorize(&i, Action::ViewDossier, &d).is_ok());
        assert!(
            authorize(&p, Action::ViewDossier, &d).is_err(),
            "administration is not processing"
        );
    }

    #[test]
    fn dossiers_stay_inside_agencies_and_owners() {
        let d = Target::Dossier {
            owner: u(5),
            agencies: vec![u(Y)],
        };
        let rx = staff(&[(Role::Reception, X)]);
        assert!(authorize(&rx, Action::ViewDossier, &d).is_err());
        let ry = staff(&[(Role::Specialist, Y)]);
        assert!(authorize(&ry, Action::ViewDossier, &d).is_ok());
        let owner = Actor {
            user_id: u(5),
            kind: AccountKind::Citizen,
            grants: vec![],
        };
        assert!(authorize(&owner, Action::ViewDossier, &d).is_ok());
        let other = Actor {
            user_id: u(6),
            kind: AccountKind::Citizen,
            grants: vec![],
        };
        assert!(authorize(&other, Action::ViewDossier, &d).is_err());
    }

    #[test]
    fn catalogue_rights() {
        let a = staff(&[(Role::AgencyAdmin, X)]);
        let p = staff(&[(Role::ProvinceAdmin, Y)]);
        assert!(authorize(&a, Action::ManageService, &Target::Agency(u(X))).is_ok());
        assert!(authorize(&a, Action::ManageService, &Target::Agency(u(Y))).is_err());
        assert!(
            authorize(&a, Action::EditProcedure, &Target::None).is_err(),
            "province procedures"
        );
        assert!(authorize(&a, Action::EditProcedure, &Target::Agency(u(X))).is_ok());
        assert!(authorize(&a, Action::ManageSectors, &Target::None).is_err());
        assert!(authorize(&p, Action::ManageSectors, &Target::None).is_ok());
        assert!(authorize(&p, Action::EditProcedure, &Target::None).is_ok());
        let r = staff(&[(Role::Reception, X)]);
        assert!(authorize(&r, Action::ManageService, &Target::Agency(u(X))).is_err());
        assert!(authorize(&p, Action::ManageCalendar, &Target::None).is_ok());
        assert!(authorize(&a, Action::ManageCalendar, &Target::None).is_err());
    }

    #[test]
    fn staff_with_a_grant_enter_and_see_what_their_roles_give() {
        let r = staff(&[
            (Role::Reception, Y),
            (Role::Leader, X),
            (Role::Reception, X),
        ]);
        assert!(r.is_staff());
        assert!(authorize(&r, Action::EnterBackOffice, &Target::None).is_ok());
        assert!(authorize(&r, Action::ViewAgencies, &Target::None).is_ok());
        assert_eq!(r.agencies_with(&[Role::Reception]), vec![u(X), u(Y)]);
        assert_eq!(
            r.agencies_with(&[Role::Leader, Role::Reception]),
            vec![u(X), u(Y)]
        );
        assert!(r.agencies_with(&[Role::Cashier]).is_empty());
        // The duty roster: the agency's leader or administrator, or the province.
        assert!(authorize(&r, Action::ManageDutyRoster, &Target::Agency(u(X))).is_ok());
        assert!(authorize(&r, Action::ManageDutyRoster, &Target::Agency(u(Y))).is_err());
        let a = staff(&[(Role::AgencyAdmin, Y)]);
        assert!(authorize(&a, Action::ManageDutyRoster, &Target::Agency(u(Y))).is_ok());
        let p = staff(&[(Role::ProvinceAdmin, X)]);
        assert!(authorize(&p, Action::ManageDutyRoster, &Target::Agency(u(Y))).is_ok());
        // Every staff list: the province's administrators and inspectors only.
        assert!(authorize(&p, Action::ListStaff, &Target::None).is_ok());
        let i = staff(&[(Role::Inspector, X)]);
        assert!(authorize(&i, Action::ListStaff, &Target::None).is_ok());
        assert!(authorize(&r, Action::ListStaff, &Target::None).is_err());
        // A citizen account is never staff, whatever it holds.
        let mut c = staff(&[(Role::Reception, X)]);
        c.kind = AccountKind::Citizen;
        assert!(!c.is_staff());
        assert!(authorize(&c, Action::EnterBackOffice, &Target::None).is_err());
        // Not even a citizen account holding every role in every agency.
        c.grants = Role::ALL
            .iter()
            .map(|r| Grant {
                role: *r,
                agency_id: u(X),
                unit_id: None,
            })
            .collect();
        let at = Target::Agency(u(X));
        for (action, target) in [
            (Action::EnterBackOffice, &Target::None),
            (Action::ViewAgencies, &Target::None),
            (Action::ManageAgencies, &Target::None),
            (Action::ListStaff, &at),
            (Action::ListStaff, &Target::None),
            (Action::ManageStaff, &at),
            (Action::GrantRole(Role::Reception), &at),
            (Action::ManageDutyRoster, &at),
            (Action::ManageSectors, &Target::None),
            (Action::ManageNotices, &Target::None),
            (Action::ManageCalendar, &Target::None),
            (Action::EditProcedure, &Target::None),
            (Action::EditProcedure, &at),
            (Action::ManageService, &at),
        ] {
            assert!(authorize(&c, action, target).is_err(), "{action:?}");
        }
        let d = Target::Dossier {
            owner: u(5),
            agencies: vec![u(X)],
        };
        assert!(authorize(&c, Action::ViewDossier, &d).is_err());
    }

    #[test]
    fn citizens_never_enter_the_back_office() {
        let c = Actor {
            user_id: u(5),
            kind: AccountKind::Citizen,
            grants: vec![],
        };
        assert!(authorize(&c, Action::EnterBackOffice, &Target::None).is_err());
        assert!(authorize(&c, Action::ViewOwnAccount, &Target::Account(u(5))).is_ok());
        assert!(authorize(&c, Action::ViewOwnAccount, &Target::Account(u(6))).is_err());
        // A staff account without any grant has no back-office access either.
        let s = staff(&[]);
        assert!(authorize(&s, Action::EnterBackOffice, &Target::None).is_err());
    }

    #[test]
    fn money_is_handled_by_the_agency_cashier_and_leader() {
        let a = Target::Agency(u(1));
        let b = Target::Agency(u(2));
        let cashier = staff(&[(Role::Cashier, 1)]);
        let leader = staff(&[(Role::Leader, 1)]);
        let specialist = staff(&[(Role::Specialist, 1)]);
        assert!(authorize(&cashier, Action::TakePayment, &a).is_ok());
        assert!(authorize(&cashier, Action::TakePayment, &b).is_err());
        assert!(authorize(&leader, Action::TakePayment, &a).is_err());
        assert!(authorize(&specialist, Action::TakePayment, &a).is_err());
        assert!(authorize(&leader, Action::ApproveRefund, &a).is_ok());
        assert!(authorize(&leader, Action::ApproveRefund, &b).is_err());
        assert!(authorize(&cashier, Action::ApproveRefund, &a).is_err());
        for who in [&cashier, &leader, &staff(&[(Role::AgencyAdmin, 1)])] {
            assert!(authorize(who, Action::ViewStatement, &a).is_ok());
            assert!(authorize(who, Action::ViewStatement, &b).is_err());
            assert!(authorize(who, Action::ViewStatement, &Target::None).is_err());
        }
        assert!(authorize(&specialist, Action::ViewStatement, &a).is_err());
        let inspector = staff(&[(Role::Inspector, 9)]);
        assert!(authorize(&inspector, Action::ViewStatement, &Target::None).is_ok());
        assert!(authorize(&inspector, Action::ViewStatement, &b).is_ok());
        assert!(authorize(&inspector, Action::TakePayment, &b).is_err());
    }
}
