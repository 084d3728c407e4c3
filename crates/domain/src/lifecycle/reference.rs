//! The reference model of the lifecycle, written apart from the table, for the property tests.
use super::*;

/// The reference model, written as plain rules from the requirements (R11, R12) rather than as a
/// table, for the property tests (here, and through the database in the integration tests).
pub fn reference(s: Stage, a: Act, w: Who) -> Option<Stage> {
    use Role::*;
    let staff = |r: Role| w == Who::Staff(r);
    let assignee = w == Who::Assignee;
    let ended = matches!(s, S::Refused | S::Declined | S::Returned | S::Withdrawn);
    let at_desk = matches!(s, S::Submitted | S::Supplemented);
    let proposed = matches!(
        s,
        S::ProposedResolve | S::ProposedSupplement | S::ProposedDecline
    );
    match a {
        A::Submit if s == S::Draft && w == Who::Owner => Some(S::Submitted),
        A::RegisterInPerson | A::RegisterPostal if s == S::Draft && staff(Reception) => {
            Some(S::Submitted)
        }
        A::Accept if at_desk && staff(Reception) => Some(S::Accepted),
        A::RequestSupplement if at_desk && staff(Reception) => Some(S::SupplementRequested),
        A::Refuse if at_desk && staff(Reception) => Some(S::Refused),
        A::Resubmit if s == S::SupplementRequested && w == Who::Owner => Some(S::Supplemented),
        A::Forward if s == S::Accepted && staff(Reception) => Some(S::AwaitingAssignment),
        A::Assign if s == S::AwaitingAssignment && staff(Leader) => Some(S::Examining),
        A::Reassign if matches!(s, S::Examining | S::Consulting) && staff(Leader) => Some(s),
        A::TakeBack if matches!(s, S::Examining | S::Consulting) && staff(Leader) => {
            Some(S::AwaitingAssignment)
        }
        // Only the assigned specialist examines; any other specialist has no step here.
        A::ProposeResolve if s == S::Examining && assignee => Some(S::ProposedResolve),
        A::ProposeSupplement if s == S::Examining && assignee => Some(S::ProposedSupplement),
        A::ProposeDecline if s == S::Examining && assignee => Some(S::ProposedDecline),
        A::Consult if s == S::Examining && assignee => Some(S::Consulting),
        A::ConsultationAnswered if s == S::Consulting && (assignee || w == Who::System) => {
            Some(S::Examining)
        }
        // A consulted agency's answer changes nothing by itself, from acceptance to the end.
        A::AnswerConsultation
            if w == Who::Consulted && !ended && !matches!(s, S::Draft | S::Submitted) =>
        {
            Some(s)
        }
        A::Approve if staff(Leader) => match s {
            S::ProposedResolve => Some(S::Resolved),
            S::ProposedSupplement => Some(S::SupplementApproved),
            S::ProposedDecline => Some(S::DeclineApproved),
            _ => None,
        },
        A::ReturnForRevision if proposed && staff(Leader) => Some(S::Examining),
        A::SendSupplementRequest if s == S::SupplementApproved && staff(Reception) => {
            Some(S::SupplementRequested)
        }
        A::SendDecline if s == S::DeclineApproved && staff(Reception) => Some(S::Declined),
        A::Apologise
            if matches!(s, S::Examining | S::Consulting | S::ProposedResolve) && assignee =>
        {
            Some(s)
        }
        A::ReturnAtOffice | A::ReturnOnline | A::ReturnByPost
            if s == S::Resolved && staff(Reception) =>
        {
            Some(S::Returned)
        }
        // Until the dossier is decided, never as a draft (a draft is deleted instead).
        A::Withdraw
            if w == Who::Owner
                && !matches!(
                    s,
                    S::Draft | S::Refused | S::Resolved | S::Declined | S::Returned | S::Withdrawn
                ) =>
        {
            Some(S::Withdrawn)
        }
        _ => None,
    }
}
