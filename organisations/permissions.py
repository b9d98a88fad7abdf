"""Who may do what in an organisation: the one place the role table lives.

Separation of duties is the point: an organisation cannot mark its own accreditation, so
only assessors rate, mark sampled, comment and finalise; only admins and quality leads edit
the evidence and the self-assessment.
"""

from enum import StrEnum

from organisations.models import Membership, Role


class Action(StrEnum):
    VIEW = "view"  # read the standard, assessments, evidence details, the chart
    DOWNLOAD_EVIDENCE = "download_evidence"  # open evidence files
    EDIT_EVIDENCE = "edit_evidence"  # add/edit evidence, self-assessment, actions
    RATE = "rate"  # rate elements, mark sampled, comment, finalise a year
    OPEN_YEAR = "open_year"  # open a new assessment year, change a year's kind and visit date
    DELETE_YEAR = "delete_year"  # delete a year opened by mistake (no assessor marks yet)
    REPORTS = "reports"  # request and download board reports
    MANAGE_MEMBERS = "manage_members"  # invite, remove, change roles
    SUBMIT_YEAR = "submit_year"  # submit the self-assessment for the assessor's review
    REVIEW_YEAR = "review_year"  # start the review, return with changes requested, finalise
    REOPEN_YEAR = "reopen_year"  # reopen a finalised year, with a reason
    VIEW_AUDIT_LOG = "view_audit_log"  # the organisation-wide log of every change
    RAISE_ACTION = "raise_action"  # raise an improvement action on a PC or NC
    EDIT_ACTIONS = "edit_actions"  # change an action's details and evidence, its progress
    VERIFY_ACTION = "verify_action"  # mark an action verified (the assessor, at a visit)
    IMPORT_ANNEX_ONE = "import_annex_one"  # import an Annex One CSV/XLSX from the browser
    EVIDENCE_PACK = "evidence_pack"  # ask for and download a year's evidence pack (a ZIP)


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(
        {
            Action.VIEW,
            Action.DOWNLOAD_EVIDENCE,
            Action.EDIT_EVIDENCE,
            Action.OPEN_YEAR,
            Action.DELETE_YEAR,
            Action.REPORTS,
            Action.MANAGE_MEMBERS,
            Action.SUBMIT_YEAR,
            Action.REOPEN_YEAR,
            Action.VIEW_AUDIT_LOG,
            Action.RAISE_ACTION,
            Action.EDIT_ACTIONS,
            Action.IMPORT_ANNEX_ONE,
            Action.EVIDENCE_PACK,
        }
    ),
    Role.QUALITY_LEAD: frozenset(
        {
            Action.VIEW,
            Action.DOWNLOAD_EVIDENCE,
            Action.EDIT_EVIDENCE,
            Action.OPEN_YEAR,
            Action.REPORTS,
            Action.SUBMIT_YEAR,
            Action.RAISE_ACTION,
            Action.EDIT_ACTIONS,
            Action.IMPORT_ANNEX_ONE,
            Action.EVIDENCE_PACK,
        }
    ),
    Role.ASSESSOR: frozenset(
        {
            Action.VIEW,
            Action.DOWNLOAD_EVIDENCE,
            Action.RATE,
            Action.OPEN_YEAR,
            Action.REPORTS,
            Action.REVIEW_YEAR,
            Action.RAISE_ACTION,
            Action.VERIFY_ACTION,
            Action.EVIDENCE_PACK,
        }
    ),
    Role.GOVERNING_BODY: frozenset({Action.VIEW, Action.REPORTS}),
}


def role_can(role: str, action: Action) -> bool:
    """True if a member with this role may take this action."""
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def can(membership: Membership | None, action: Action) -> bool:
    """True if this membership (None for a non-member) allows the action."""
    return membership is not None and role_can(membership.role, action)
