"""Why the small grants refuse a request: the wording of every refusal code of the service.

Commands and rules raise `shared.refusals.Refused` (`invalid(field, code, **params)`,
`not_found`, `conflict`, `forbidden`) with these codes. API clients get the same problem details
as ever (shared/http.py: `detail` and `errors[].message` are the code's English API text,
`Wording.api`, plus the `code`); the pages say the code's page text next to its field in the
reader's language (services/grants/page_errors.py, with shared/web/refusals.py).

Every code has a page text (`Wording.page`): an English msgid with named `%(placeholders)s`,
translated in locale/{pl,en,uk}/LC_MESSAGES/messages.po. Codes without API text are said only
by the pages (form input the pages check before a command runs). tests/unit/grants/
test_refusals.py fails while a code lacks a translation or is raised without being listed here.
"""

from __future__ import annotations

from shared.refusals import (
    N_,
    WARSAW,
    Amount,
    Reasons,
    Refusal,
    Status,
    Wording,
    register,
    warsaw_text,
)

__all__ = ["WARSAW", "WORDING", "Amount", "Reasons", "Refusal", "Status", "warsaw_text"]

WORDING = register(
    {
        # --- Organisations ----------------------------------------------------------------
        "organisation.nip_digits": Wording(
            N_("Enter the NIP as 10 digits, for example 526-000-12-46."), "must be 10 digits"
        ),
        "organisation.nip_check_digit": Wording(
            N_("This NIP is not valid: its check digit does not match. Please check the number."),
            "the check digit does not match: please check the number",
        ),
        "organisation.krs_digits": Wording(
            N_("Enter the KRS number as exactly 10 digits, or leave the field empty."),
            "must be exactly 10 digits",
        ),
        "organisation.nip_registered": Wording(
            N_(
                "An organisation with this NIP is already registered. "
                "Ask its representative to add you."
            ),
            "an organisation with this NIP is already registered; ask its representative to add you",
        ),
        "organisation.already_registered": Wording(
            N_("Your sign-in already acts for a registered organisation."),
            "your sign-in already acts for a registered organisation",
        ),
        "organisation.several": Wording(
            N_("You represent several organisations: sign in for one of them."),
            "you represent several organisations: sign in for one of them",
        ),
        "organisation.not_registered": Wording(
            N_("Register your organisation before you apply."),
            "register your organisation first (POST /api/grants/organisations)",
        ),
        # --- People acting for organisations: registration, joining (commands_ngo.py) --
        "people.consent": Wording(
            N_("Agree to the processing of your personal data, or we cannot go on."),
            "consent to the processing of personal data is required",
        ),
        "registration.expired": Wording(
            N_("This registration has expired. Register again to get a new link."),
            "the registration has expired; register again",
        ),
        "join.organisation_missing": Wording(
            N_("Enter the NIP of the organisation or choose it from the search results."),
            "give the organisation's nip or organisation_id",
        ),
        "join.organisation_unknown": Wording(
            N_("No organisation with this NIP is registered. You can register it yourself."),
            "no organisation with this NIP is registered",
        ),
        "join.not_found": Wording(
            N_("This request does not exist."), "no join request %(request_id)s"
        ),
        "join.not_yours": Wording(
            N_("This request was sent by someone else."), "this request is someone else's"
        ),
        "join.expired": Wording(
            N_("This request has expired. Ask to join again to get a new link."),
            "the request has expired; ask again",
        ),
        "join.already_representative": Wording(
            N_("You already act for this organisation."),
            "the person already acts for this organisation",
        ),
        "join.not_confirmed": Wording(
            N_("Its sender has not confirmed this request yet."),
            "the request is not confirmed by its sender yet",
        ),
        "join.already_decided": Wording(
            N_("This request has already been decided."), "the request has already been decided"
        ),
        "join.not_representative": Wording(
            N_("Only a representative of the organisation decides on this request."),
            "only a representative of the organisation decides on this request",
        ),
        # --- Calls ------------------------------------------------------------------------
        "call.not_found": Wording(N_("This call does not exist."), "no call %(call_id)s"),
        "call.maximum_currency": Wording(
            N_("Use the currency of the total budget, %(currency)s."),
            "must be the budget's currency, %(currency)s",
        ),
        "call.budget_not_positive": Wording(
            N_("Enter a total budget of more than zero."), "must be more than zero"
        ),
        "call.maximum_out_of_range": Wording(
            N_("Enter a maximum per grant of more than zero and not over the total budget."),
            "must be more than zero and at most the total budget",
        ),
        "call.closes_before_opening": Wording(
            N_("The call must close after it opens."), "must be after opens_at"
        ),
        "call.closes_in_past": Wording(
            N_("The closing time must be in the future."), "must be in the future"
        ),
        "call.criteria_keys_repeated": Wording(
            N_("Give each criterion a key of its own."), "each criterion needs its own key"
        ),
        "call.objectives_repeated": Wording(
            N_("Choose each objective only once."), "name each objective once"
        ),
        "call.report_due_too_early": Wording(
            N_("The report must be due after the call closes."), "must be after the call closes"
        ),
        # --- Applications -----------------------------------------------------------------
        "application.not_found": Wording(
            N_("This application does not exist."), "no application %(application_id)s"
        ),
        "application.other_organisation": Wording(
            N_("This application belongs to another organisation."),
            "this application belongs to another organisation",
        ),
        "application.not_readable": Wording(
            N_("You may not read this application."), "you may not read this application"
        ),
        "application.currency": Wording(
            N_("Enter the amount in %(currency)s, the currency of the call."),
            "must be the call's currency, %(currency)s",
        ),
        "application.line_not_positive": Wording(
            N_("Enter an amount of more than zero."), "must be more than zero"
        ),
        "application.requested_not_positive": Wording(
            N_("Enter an amount requested of more than zero."), "must be more than zero"
        ),
        "application.requested_over_maximum": Wording(
            N_("The amount requested is %(over)s over the maximum per grant of %(maximum)s."),
            "is %(over)s over the maximum per grant of %(maximum)s",
        ),
        "application.budget_over_requested": Wording(
            N_(
                "The budget lines add up to %(total)s, which is %(difference)s more than "
                "the amount requested (%(requested)s)."
            ),
            "add up to %(total)s, which is %(difference)s more than the requested %(requested)s",
        ),
        "application.budget_under_requested": Wording(
            N_(
                "The budget lines add up to %(total)s, which is %(difference)s less than "
                "the amount requested (%(requested)s)."
            ),
            "add up to %(total)s, which is %(difference)s less than the requested %(requested)s",
        ),
        "application.objectives_outside_call": Wording(
            N_("Choose only objectives this call serves: %(served)s."),
            "this call serves objectives %(served)s, not %(outside)s",
        ),
        "application.call_closed": Wording(
            N_("The call is closed: the deadline was %(deadline)s."),
            "the call is closed: the deadline was %(deadline)s",
        ),
        "application.kind_not_eligible": Wording(
            N_("Organisations of your kind cannot apply in this call."),
            "organisations of kind %(kind)s are not eligible in this call",
        ),
        "application.not_editable": Wording(
            N_("Only a draft can be changed; the status of this application is “%(status)s”."),
            "the application is %(status)s: only drafts can be edited",
        ),
        "application.deadline_passed": Wording(
            N_("The deadline was %(deadline)s."), "the deadline was %(deadline)s"
        ),
        "application.already_sent": Wording(
            N_("This application cannot be submitted: its status is already “%(status)s”."),
            "the application is already %(status)s",
        ),
        "application.call_not_open_yet": Wording(
            N_("The call opens for submissions on %(opens)s."),
            "the call opens for submissions at %(opens)s",
        ),
        "application.submissions_closed": Wording(
            N_("The deadline for submissions was %(deadline)s."),
            "the deadline for submissions was %(deadline)s",
        ),
        "application.not_withdrawable": Wording(
            N_("This application can no longer be withdrawn: its status is “%(status)s”."),
            "the application is %(status)s and can no longer be withdrawn",
        ),
        # --- Formal check and evaluation --------------------------------------------------
        "evaluators.decision_published": Wording(
            N_("The decision of this call is already published."),
            "the decision of this call is published",
        ),
        "evaluators.already_in_pool": Wording(
            N_("This person is already in the call's pool of evaluators."),
            "%(subject)s is already in this call's evaluator pool",
        ),
        "formal_check.reason_required": Wording(
            N_("Give the reason why the application is not eligible."),
            "give the reason an application is not eligible",
        ),
        "formal_check.not_submitted": Wording(
            N_("Only submitted applications are checked; the status of this one is “%(status)s”."),
            "only submitted applications are checked; this one is %(status)s",
        ),
        "evaluation.not_assigned": Wording(
            N_("You are not assigned to evaluate this application."),
            "you are not assigned to evaluate this application",
        ),
        "evaluation.recused": Wording(
            N_(
                "You declared a conflict of interest on this application: its evaluations are not shown to you."
            ),
            "you declared a conflict of interest on this application: its evaluations are not shown",
        ),
        "evaluation.already_submitted": Wording(
            N_("You have already submitted your evaluation of this application."),
            "you have already submitted your evaluation of this application",
        ),
        "evaluation.over": Wording(
            N_("The evaluation of this application is over: its status is “%(status)s”."),
            "the application is %(status)s: evaluation is over",
        ),
        "evaluation.scores_with_conflict": Wording(
            N_("Leave the scores empty when you declare a conflict of interest."),
            "leave scores out when you declare a conflict of interest",
        ),
        "evaluation.scores_missing": Wording(
            N_("Score every criterion, or declare a conflict of interest."),
            "score every criterion, or declare a conflict of interest",
        ),
        "evaluation.unknown_criterion": Wording(
            N_("This is not a criterion of this call."), "is not a criterion of this call"
        ),
        "evaluation.criterion_missing": Wording(
            N_("Enter the points for this criterion."), "is missing: score every criterion"
        ),
        "evaluation.points_out_of_range": Wording(
            N_("Enter a whole number of points from 0 to %(max_points)s."),
            "must be between 0 and %(max_points)s",
        ),
        # --- Ranking and decision ---------------------------------------------------------
        "ranking.call_open": Wording(
            N_("The call closes on %(closes)s."), "the call closes at %(closes)s"
        ),
        "ranking.formal_check_pending": Wording(
            N_("Applications awaiting the formal check: %(count)s."),
            "%(count)s application(s) await the formal check",
        ),
        "ranking.evaluations_missing": Wording(
            N_(
                "Applications without the required number of evaluations (%(per_application)s): "
                "%(count)s."
            ),
            "%(count)s application(s) lack %(per_application)s completed evaluations",
        ),
        "ranking.decision_published": Wording(
            N_("The decision is published."), "the decision is published"
        ),
        "decision.already_published": Wording(
            N_("The decision of this call is already published."),
            "the decision of this call is already published",
        ),
        "decision.not_ready": Wording(
            N_("The decision cannot be published yet."),  # the pages list the reasons after it
            "the decision cannot be published yet: %(reasons)s",
        ),
        "decision.not_published": Wording(
            N_("The decision of this call is not published yet."),
            "the decision of this call is not published yet",
        ),
        "decision.currency": Wording(
            N_("Enter the awards in %(currency)s, the currency of the call."),
            "amounts must be in the call's currency, %(currency)s",
        ),
        "decision.one_currency": Wording(
            N_("Enter every award in the same currency."), "use one currency"
        ),
        "decision.listed_twice": Wording(
            N_("This application is listed more than once."),
            "application %(application_id)s is listed twice",
        ),
        "decision.not_evaluated": Wording(
            N_("This application is not evaluated in this call."),
            "application %(application_id)s is not evaluated in this call",
        ),
        "decision.award_not_positive": Wording(
            N_("Enter an award of more than zero, or leave the field empty."),
            "the amount for %(application_id)s must be more than zero",
        ),
        "decision.award_over_request": Wording(
            N_("The award is more than the amount requested (%(requested)s)."),
            "the amount for %(application_id)s is more than it requested (%(requested)s)",
        ),
        "decision.award_over_maximum": Wording(
            N_("The award is over the maximum per grant (%(maximum)s)."),
            "the amount for %(application_id)s is over the maximum per grant (%(maximum)s)",
        ),
        "decision.over_budget": Wording(
            N_("The awards add up to %(total)s, which is %(over)s over the budget of %(budget)s."),
            "the awards add up to %(total)s, %(over)s over the budget of %(budget)s",
        ),
        # --- Reports ----------------------------------------------------------------------
        "report.not_awarded": Wording(
            N_("Only applications awarded a grant submit a report."),
            "only applications awarded a grant report",
        ),
        "report.currency": Wording(
            N_("Enter the amount in %(currency)s, the currency of the grant."),
            "must be the grant's currency, %(currency)s",
        ),
        "report.already_submitted": Wording(
            N_("The final report of this grant is already submitted."),
            "the final report of this grant is already submitted",
        ),
        # --- Form input the pages check (pages only) --------------------------------------
        "form.refused": Wording(
            N_("The request could not be completed. Check the form and try again.")
        ),
        "form.organisation_name": Wording(
            N_("Enter the name of the organisation: %(min)s to %(max)s characters.")
        ),
        "form.kind": Wording(N_("Choose the kind of organisation.")),
        "form.email": Wording(N_("Enter an e-mail address like name@example.org.")),
        "form.application_title": Wording(
            N_("Enter the title of the project: %(min)s to %(max)s characters.")
        ),
        "form.summary": Wording(
            N_("Enter a summary of the project: %(min)s to %(max)s characters.")
        ),
        "form.objectives": Wording(N_("Choose at least one of the objectives listed.")),
        "form.requested": Wording(
            N_("Enter the amount requested in %(currency)s, for example 2500.00.")
        ),
        "form.budget_empty": Wording(N_("Fill in at least one line of the budget.")),
        "form.line_category": Wording(
            N_("Enter a cost category of %(min)s to %(max)s characters.")
        ),
        "form.line_description": Wording(
            N_("Shorten the description to at most %(max)s characters.")
        ),
        "form.line_amount": Wording(N_("Enter the amount in %(currency)s, for example 500.00.")),
        "form.in_budget_line": Wording(N_("Budget line %(n)s: %(message)s")),
        "form.call_title": Wording(
            N_("Enter the title of the call: %(min)s to %(max)s characters.")
        ),
        "form.call_description": Wording(
            N_("Shorten the description to at most %(max)s characters.")
        ),
        "form.currency": Wording(N_("Choose the currency.")),
        "form.budget_total": Wording(N_("Enter the total budget, for example 100000.00.")),
        "form.max_per_grant": Wording(N_("Enter the maximum per grant, for example 5000.00.")),
        "form.opens_at": Wording(N_("Enter the date and time the call opens.")),
        "form.closes_at": Wording(N_("Enter the date and time the call closes.")),
        "form.evaluators_per_application": Wording(
            N_("Enter a number of evaluators from %(min)s to %(max)s.")
        ),
        "form.criteria_empty": Wording(
            N_("Add at least one criterion: its key, name, weight and maximum points.")
        ),
        "form.criterion_key": Wording(
            N_(
                "Enter a key of small letters (a–z), digits and _, starting with a letter, "
                "for example relevance."
            )
        ),
        "form.criterion_name": Wording(
            N_("Enter the name of the criterion: %(min)s to %(max)s characters.")
        ),
        "form.criterion_weight": Wording(
            N_("Enter a weight of more than 0 and at most %(max)s, for example 2.")
        ),
        "form.criterion_max_points": Wording(
            N_("Enter the maximum points as a whole number from %(min)s to %(max)s.")
        ),
        "form.in_criterion_row": Wording(N_("Criterion %(n)s: %(message)s")),
        "form.in_criterion": Wording(N_("Criterion “%(criterion)s”: %(message)s")),
        "form.comment": Wording(N_("Shorten the comment to at most %(max)s characters.")),
        "form.award": Wording(
            N_("Enter the award in %(currency)s, for example 2500.00, or leave the field empty.")
        ),
        "form.in_application": Wording(N_("Application “%(title)s”: %(message)s")),
        "form.person_name": Wording(N_("Enter your name: %(min)s to %(max)s characters.")),
        "form.activities": Wording(
            N_("Describe the activities carried out: %(min)s to %(max)s characters.")
        ),
        "form.participants": Wording(
            N_("Enter the number of participants reached as a whole number from %(min)s.")
        ),
        "form.spent": Wording(N_("Enter the amount spent in %(currency)s, for example 2450.00.")),
        "form.confirm": Wording(N_("Tick the box to confirm.")),
    }
)
