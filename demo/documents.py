"""The demo organisation's uploaded files, made by code at setup time (no file is committed).

Each ``DemoFile`` is a small document a CCG would keep as evidence of its 2018 assessment: a
few PDFs (written with WeasyPrint from a few lines of HTML), spreadsheets (openpyxl), CSV
files and a plain-text meeting note, with what the board paper of January 2019 says about
customer insight, complaints, staff and performance. ``versions`` are the file's contents in
the order they were uploaded: an item with two was replaced once (the first is kept as its
earlier version).
"""

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

ORGANISATION = "Scarborough and Ryedale Clinical Commissioning Group"


@dataclass(frozen=True)
class DemoFile:
    title: str
    filename: str
    description: str
    refs: tuple[str, ...]  # the elements of the open year it supports, the first as uploaded
    review_in: int | None  # review-by date, as days from today
    versions: tuple[Callable[[], bytes], ...]


# --- the makers --------------------------------------------------------------------------------


def pdf(title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A one-page A4 PDF: the organisation, a title, paragraphs and an optional table whose
    first row is its heading."""
    rows = ""
    if table:
        head = "".join(f"<th>{escape(cell)}</th>" for cell in table[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in table[1:]
        )
        rows = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    text = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(title)}</title><style>
@page {{ size: A4; margin: 20mm; }}
body {{ font-family: sans-serif; font-size: 10.5pt; line-height: 1.4; color: #222; }}
.org {{ color: #005eb8; font-weight: bold; font-size: 9pt; }}
h1 {{ font-size: 16pt; margin: 4pt 0 12pt; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 10pt; }}
th, td {{ border: 1px solid #999; padding: 3pt 5pt; text-align: left; }}
th {{ background: #e8edee; }}
</style></head><body><div class="org">{escape(ORGANISATION)}</div>
<h1>{escape(title)}</h1>{text}{rows}</body></html>"""
    progress = logging.getLogger("weasyprint.progress")  # a line a step: not for the demo
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        from weasyprint import HTML  # heavy: loaded only when a demo file is made

        return HTML(string=html).write_pdf()
    finally:
        progress.setLevel(level)


def xlsx(sheet: str, rows: list[list[object]]) -> bytes:
    """A workbook of one sheet, its first row the heading."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    worksheet = book.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    worksheet.column_dimensions["A"].width = 34
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- the contents ------------------------------------------------------------------------------

SURVEY_HEADING = ["Customer group", "Responses", "Satisfied (%)", "Target (%)", "2017 (%)"]
SURVEY_SEPTEMBER = [
    ["Patients registered with a GP practice", 412, 86, 85, 84],
    ["Carers", 64, 78, 80, 75],
    ["Travelling community", 18, 72, 80, 61],
    ["Deaf and hard of hearing", 23, 81, 80, 77],
    ["Young people (16-24)", 57, 74, 80, 70],
    ["People aged 75 and over", 138, 89, 85, 88],
]
# The October return: the last week's responses added (the file replaced in the library).
SURVEY_OCTOBER = [
    ["Patients registered with a GP practice", 503, 87, 85, 84],
    ["Carers", 81, 79, 80, 75],
    ["Travelling community", 26, 73, 80, 61],
    ["Deaf and hard of hearing", 29, 83, 80, 77],
    ["Young people (16-24)", 72, 76, 80, 70],
    ["People aged 75 and over", 171, 90, 85, 88],
]

COMPLAINTS_HEADING = ["Month", "Received", "Acknowledged in 3 working days", "Resolved in 25 days",
                      "Upheld", "Main theme"]  # fmt: skip
COMPLAINTS = [
    ["April 2018", 7, 7, 6, 2, "Waiting times for hospital appointments"],
    ["May 2018", 5, 5, 5, 1, "Continuing healthcare assessments"],
    ["June 2018", 9, 8, 7, 3, "Waiting times for hospital appointments"],
    ["July 2018", 4, 4, 4, 0, "Patient transport"],
    ["August 2018", 6, 6, 5, 2, "Mental health referrals"],
    ["September 2018", 8, 8, 7, 2, "Waiting times for hospital appointments"],
]

TARGETS_HEADING = ["National target", "Standard", "Q1 2018/19", "Q2 2018/19", "Met"]
TARGETS_Q1 = [
    ["A&E: seen within four hours", "95%", "89.6%", "", "No"],
    ["Referral to treatment within 18 weeks", "92%", "87.1%", "", "No"],
    ["Cancer: treated within 62 days", "85%", "86.4%", "", "Yes"],
    ["Diagnostic tests within 6 weeks", "99%", "98.2%", "", "No"],
]
TARGETS_Q2 = [
    ["A&E: seen within four hours", "95%", "89.6%", "90.8%", "No"],
    ["Referral to treatment within 18 weeks", "92%", "87.1%", "86.5%", "No"],
    ["Cancer: treated within 62 days", "85%", "86.4%", "87.9%", "Yes"],
    ["Diagnostic tests within 6 weeks", "99%", "98.2%", "99.1%", "Yes"],
]


def complaints_policy() -> bytes:
    return pdf(
        "Complaints policy: summary for the public (2018)",
        [
            "We welcome complaints, comments and compliments: they tell us where the services "
            "we commission for Scarborough and Ryedale can be better.",
            "You can complain by telephone, email, letter or in person, or ask someone to "
            "complain for you. We offer an interpreter, British Sign Language and Easy Read "
            "versions of this summary on request.",
            "We acknowledge every complaint within three working days and agree with you how "
            "it will be investigated. Complaints about a provider are investigated jointly "
            "with that provider, by someone not involved in your care.",
            "We aim to resolve complaints within 25 working days and tell you what we found, "
            "what we will change, and how to go to the Parliamentary and Health Service "
            "Ombudsman if you are not satisfied.",
            "The procedure is reviewed each year with the Patient and Public Engagement "
            "Sub-Committee, taking account of what complainants told us about the process.",
        ],
    )


def insight_survey_summary() -> bytes:
    return pdf(
        "Customer insight survey 2018: summary of findings",
        [
            "Between June and September 2018 we asked 1,130 people how they experience local "
            "health services and what matters most to them, through an online and paper "
            "survey, eight drop-in events and sessions with carers' groups, the travelling "
            "community and the Deaf community.",
            "Being treated with dignity and respect, being involved in decisions about care "
            "and clean, welcoming premises were the three things people valued most, ahead "
            "of waiting times.",
            "Satisfaction was lowest among young people and the travelling community; both "
            "groups asked for information in plain language and by text message.",
            "What we are doing: satisfaction feedback is now required in every new contract "
            "we commission, and the community services contract reports it each quarter.",
        ],
        [["Method", "People reached"],
         ["Online and paper survey", "803"],
         ["Drop-in events (8)", "214"],
         ["Outreach sessions with seldom-heard groups", "113"]],
    )  # fmt: skip


def training_record() -> bytes:
    return pdf(
        "Staff training record: customer care and complaints handling, 2018",
        [
            "Every member of staff completes customer care training at induction and a "
            "refresher every two years. Staff who handle complaints also complete the "
            "complaints investigation module.",
        ],
        [["Course", "Staff due", "Completed", "Completion"],
         ["Customer care at induction", "14", "14", "100%"],
         ["Customer care refresher", "46", "43", "93%"],
         ["Complaints investigation", "9", "9", "100%"],
         ["Information governance and privacy", "71", "70", "99%"]],
    )  # fmt: skip


def privacy_briefing() -> bytes:
    return pdf(
        "Protecting customers' privacy: staff briefing",
        [
            "Personal information is discussed only in private rooms, never at reception or "
            "in open-plan areas. Ask the customer whether they are happy to talk where they "
            "are.",
            "Customer information is sent only by secure NHS mail, and never stored on a "
            "personal device. Paper records are locked away at the end of each day.",
            "Report any loss of personal information to the Information Governance lead the "
            "same day.",
        ],
    )


def survey_workbook(rows: list[list[object]]) -> Callable[[], bytes]:
    return lambda: xlsx("Satisfaction 2018", [SURVEY_HEADING, *rows])


def targets_workbook(rows: list[list[object]]) -> Callable[[], bytes]:
    return lambda: xlsx("National targets", [TARGETS_HEADING, *rows])


def complaints_log() -> bytes:
    return csv_file([COMPLAINTS_HEADING, *COMPLAINTS])


def fairness_by_group() -> bytes:
    return csv_file(
        [["Customer group", "Treated fairly: agree (%)", "Responses"],
         ["Men", 88, 402], ["Women", 86, 468], ["Disabled people", 79, 131],
         ["Black and minority ethnic groups", 77, 44], ["Travelling community", 69, 26],
         ["LGBT+ people", 82, 38]]
    )  # fmt: skip


def engagement_meeting_note() -> bytes:
    return text(
        [
            "Patient and Public Engagement Sub-Committee",
            "Note of the meeting of 12 September 2018",
            "",
            "Present: the Lay Member for Patient and Public Engagement (chair), the Head of "
            "Communications and Engagement, two practice representatives, Healthwatch North "
            "Yorkshire.",
            "",
            "1. You said, we did. The committee reviewed the autumn update: the change to the "
            "patient transport booking line and the new Easy Read leaflets came from the "
            "spring consultation.",
            "2. Customer insight survey. Early results show lower satisfaction among young "
            "people and the travelling community. Agreed: outreach sessions in October and a "
            "text-message option for the survey.",
            "3. Equality questions. Agreed to add the equality questions to the patient "
            "experience survey (improvement action on element 2.1.4).",
            "4. Governing Body. The chair will report the committee's work at the November "
            "meeting in public.",
        ]
    )


def staff_suggestions_note() -> bytes:
    return text(
        [
            "Staff suggestions scheme: changes made in 2018",
            "",
            "- Reception staff suggested a quiet room for conversations about continuing "
            "healthcare: in use since March.",
            "- The complaints team suggested sending acknowledgement letters by email when the "
            "complainant asks: now the default.",
            "- Commissioning managers now read the quarterly customer feedback summary before "
            "each contract review meeting.",
        ]
    )


DEMO_FILES = [
    DemoFile("Complaints policy summary 2018", "complaints-policy-summary-2018.pdf",
             "How to complain, how quickly we answer and who investigates.",
             ("4.3.2", "4.3.5", "4.3.6"), 120, (complaints_policy,)),
    DemoFile("Customer insight survey summary 2018", "customer-insight-survey-2018.pdf",
             "Who was asked, how, what they told us and what we are doing about it.",
             ("1.1.2", "1.3.1", "2.1.2"), 60, (insight_survey_summary,)),
    DemoFile("Staff training record 2018", "staff-training-record-2018.pdf",
             "Completion of customer care, complaints and privacy training.",
             ("2.2.1", "4.3.3"), 25, (training_record,)),
    DemoFile("Privacy briefing for staff", "privacy-briefing.pdf",
             "How staff protect customers' privacy in person and in records.",
             ("2.1.5",), 150, (privacy_briefing,)),
    DemoFile("Satisfaction survey results 2018", "satisfaction-survey-results-2018.xlsx",
             "Satisfaction by customer group against target and last year; replaced by the "
             "October return.",
             ("1.3.2", "1.3.4"), 30, (survey_workbook(SURVEY_SEPTEMBER),
                                      survey_workbook(SURVEY_OCTOBER))),
    DemoFile("Performance against national targets 2018/19", "national-targets-2018-19.xlsx",
             "A&E, referral to treatment, cancer and diagnostics, each quarter.",
             ("4.1.2", "5.3.2", "4.3.1"), 80, (targets_workbook(TARGETS_Q1),
                                               targets_workbook(TARGETS_Q2))),
    DemoFile("Complaints log April to September 2018", "complaints-log-2018-h1.csv",
             "Complaints received, response times, outcomes and themes by month.",
             ("4.3.4", "5.1.1"), 40, (complaints_log,)),
    DemoFile("Fair treatment by customer group 2018", "fair-treatment-by-group-2018.csv",
             "Survey answers to 'I was treated fairly' by customer group.",
             ("2.1.4",), 15, (fairness_by_group,)),
    DemoFile("Engagement sub-committee note, September 2018", "engagement-note-2018-09.txt",
             "The Patient and Public Engagement Sub-Committee's meeting note.",
             ("1.2.2", "2.1.1"), 200, (engagement_meeting_note,)),
    DemoFile("Staff suggestions: changes made in 2018", "staff-suggestions-2018.txt",
             "Changes to processes that came from customer-facing staff.",
             ("2.2.4",), 200, (staff_suggestions_note,)),
]  # fmt: skip
