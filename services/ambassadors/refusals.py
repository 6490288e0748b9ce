"""Why the competition refuses a request: the service's refusal codes (shared/refusals.py).

Each code has the English text of the API's problem details (as the API has always said it)
and a page text, a msgid translated in this service's catalogs (pl/en/uk).
"""

from __future__ import annotations

from shared.refusals import N_, Wording, register

WORDING = register(
    {
        # --- editions --------------------------------------------------------------------
        "ambassadors.edition.not_found": Wording(
            N_("This edition of the competition does not exist."), "no edition %(edition_id)s"
        ),
        "ambassadors.edition.criteria_keys": Wording(
            N_("Give each criterion its own key."), "each criterion needs its own key"
        ),
        "ambassadors.edition.jury_deadline_early": Wording(
            N_("The jury deadline must not be before nominations close."),
            "must not be before nominations_close_at",
        ),
        "ambassadors.edition.published": Wording(
            N_("The results of this edition are published: nothing can change now."),
            "the results of this edition are published",
        ),
        "ambassadors.edition.year_fixed": Wording(
            N_("The year of an edition cannot change: it is %(year)s."),
            "the year of an edition cannot change: it is %(year)s",
        ),
        "ambassadors.edition.criteria_scored": Wording(
            N_("Jurors have already scored against these criteria: they cannot change now."),
            "jurors have already scored against these criteria: they cannot change now",
        ),
        "ambassadors.edition.nominations_not_open": Wording(
            N_("Nominations are not open: %(reason)s."),
            "nominations are not open: %(reason)s",
        ),
        "ambassadors.edition.close_in_past": Wording(
            N_("Choose a closing time in the future."), "must be in the future"
        ),
        "ambassadors.edition.close_after_jury": Wording(
            N_("Nominations must close by the jury deadline, %(deadline)s."),
            "must not be after the jury deadline, %(deadline)s",
        ),
        # --- why an edition's step is closed (the `reason` of the refusals below) ----------
        "ambassadors.reason.published": Wording(
            N_("the results of this edition are published"),
            "the results of this edition are published",
        ),
        "ambassadors.reason.nominations_closed": Wording(
            N_("nominations closed on %(closed_at)s"), "nominations closed at %(closed_at)s"
        ),
        "ambassadors.reason.nominations_open": Wording(
            N_("nominations are open until %(close_at)s; publish the results after they close"),
            "nominations are open until %(close_at)s; publish the results after they close",
        ),
        "ambassadors.reason.already_published": Wording(
            N_("the results were already published on %(published_at)s"),
            "the results were already published at %(published_at)s",
        ),
        "ambassadors.reason.jury_deadline_passed": Wording(
            N_("the jury deadline passed on %(deadline)s"),
            "the jury deadline passed at %(deadline)s",
        ),
        # --- nominations -----------------------------------------------------------------
        "ambassadors.nomination.not_found": Wording(
            N_("This nomination does not exist."), "no nomination %(nomination_id)s"
        ),
        "ambassadors.nomination.consent": Wording(
            N_("Tick the box to agree: we cannot run the competition without your data"),
            "must be true: we store the names and e-mail addresses to run the competition",
        ),
        "ambassadors.nomination.justification_short": Wording(
            N_("Write a justification of 20 to 5,000 characters"),
            "write at least 20 characters",
        ),
        "ambassadors.nomination.closed": Wording(
            N_("This edition takes no more nominations: %(reason)s."),
            "this edition takes no more nominations: %(reason)s",
        ),
        "ambassadors.nomination.wrong_acceptance_token": Wording(
            N_("This link does not accept this nomination. Use the link from your e-mail."),
            "this token does not accept this nomination",
        ),
        "ambassadors.nomination.not_acceptable": Wording(
            N_("This nomination can no longer be accepted."),
            "the nomination is %(status)s and can no longer be accepted",
        ),
        "ambassadors.nomination.acceptance_closed": Wording(
            N_("It is too late to accept: %(reason)s."),
            "too late to accept: %(reason)s",
        ),
        "ambassadors.nomination.token_missing": Wording(
            N_("Use the link from your e-mail to withdraw."),
            "send the token from your e-mail (or sign in as the coordinator)",
        ),
        "ambassadors.nomination.wrong_withdrawal_token": Wording(
            N_("This link does not withdraw this nomination. Use the link from your e-mail."),
            "this token does not withdraw this nomination",
        ),
        "ambassadors.nomination.already_withdrawn": Wording(
            N_("This nomination is already withdrawn."), "the nomination is already withdrawn"
        ),
        "ambassadors.nomination.supported_by_others": Wording(
            N_(
                "Other nominators support this candidacy: ask the programme coordinator "
                "to withdraw it."
            ),
            "other nominators support this candidacy: ask the programme coordinator to withdraw it",
        ),
        # --- jury ------------------------------------------------------------------------
        "ambassadors.jury.not_member": Wording(
            N_("You are not on the jury of this edition."),
            "you are not on the jury of this edition",
        ),
        "ambassadors.jury.linked": Wording(
            N_("You declared a link to this candidate: it is not shown to you."),
            "you declared a link to this candidate: it is not shown to you",
        ),
        "ambassadors.jury.linked_unknown": Wording(
            N_("List only nominations of this edition as linked."),
            "%(nomination_id)s is not a nomination of this edition",
        ),
        "ambassadors.jury.already_member": Wording(
            N_("This person is already on the jury of this edition."),
            "%(subject)s is already on the jury of this edition",
        ),
        "ambassadors.jury.address_taken": Wording(
            N_("Someone with this e-mail address is already on the jury of this edition."),
            "this e-mail address is already on the jury of this edition",
        ),
        "ambassadors.jury.juror_not_found": Wording(
            N_("This juror is not on the jury of this edition."),
            "no juror %(juror_id)s on the jury of this edition",
        ),
        "ambassadors.jury.has_decided": Wording(
            N_(
                "%(name)s has already scored or declared a conflict of interest: "
                "the ranking rests on it, so they stay on the jury."
            ),
            "%(name)s has already decided on a candidacy and stays on the jury",
        ),
        "ambassadors.scores.invalid": Wording(
            N_("Give every criterion a whole number of points from 0 to 10."), "%(problem)s"
        ),
        "ambassadors.scores.not_accepted_yet": Wording(
            N_("This candidacy can no longer be scored. Nothing was stored."),
            "this nomination is not scored: the candidate has not accepted the nomination yet",
        ),
        "ambassadors.scores.merged": Wording(
            N_("This candidacy can no longer be scored. Nothing was stored."),
            "this nomination is not scored: it was merged into %(merged_into)s: "
            "score that nomination",
        ),
        "ambassadors.scores.withdrawn": Wording(
            N_("This candidacy can no longer be scored. Nothing was stored."),
            "this nomination is not scored: the nomination was withdrawn",
        ),
        "ambassadors.scores.closed": Wording(
            N_("Scoring is closed: %(reason)s. Nothing was stored."),
            "scoring is closed: %(reason)s",
        ),
        "ambassadors.scores.final": Wording(
            N_(
                "You have already submitted your decision on this candidacy; it is final. "
                "Nothing was changed."
            ),
            "you have already submitted your decision on this nomination; it is final",
        ),
        "ambassadors.scores.own_first": Wording(
            N_("Submit your own scores first: the jury scores blind."),
            "submit your own scores first: the jury scores blind",
        ),
        "ambassadors.scores.recused": Wording(
            N_("You declared a conflict of interest on this nomination."),
            "you declared a conflict of interest on this nomination",
        ),
        # --- results and meetings with the Mayor ------------------------------------------
        "ambassadors.results.laureate_twice": Wording(
            N_("Name each laureate once."), "each laureate once"
        ),
        "ambassadors.results.cannot_publish": Wording(
            N_("The results cannot be published now: %(reason)s."), "%(reason)s"
        ),
        "ambassadors.results.too_many": Wording(
            N_("This edition awards at most %(titles)s titles."),
            "this edition awards at most %(titles)s titles",
        ),
        "ambassadors.results.strangers": Wording(
            N_("Choose laureates among the accepted nominations of this edition."),
            "not accepted nominations of this edition: %(nominations)s",
        ),
        "ambassadors.results.not_published": Wording(
            N_("The results of this edition are not published yet."),
            "the results of this edition are not published yet",
        ),
        "ambassadors.meeting.before_results": Wording(
            N_("Publish the results first: only ambassadors meet the Mayor."),
            "publish the results first: only ambassadors meet the Mayor",
        ),
        "ambassadors.meeting.not_laureates": Wording(
            N_("List only laureates of this edition."), "list only laureates of this edition"
        ),
        # --- what a laureate agreed to publish --------------------------------------------
        "ambassadors.laureate.not_found": Wording(
            N_("This person is not a laureate of the competition."),
            "nomination %(nomination_id)s is no laureate",
        ),
        "ambassadors.laureate.wrong_token": Wording(
            N_("This link is not valid. Use the link from your e-mail."),
            "the token does not match",
        ),
        "ambassadors.laureate.name": Wording(
            N_("Write your name as it should appear, 2 to 200 characters."),
            "the name to publish has 2 to 200 characters",
        ),
        "ambassadors.laureate.justification": Wording(
            N_("Write the public justification in 20 to 500 characters."),
            "the public justification has 20 to 500 characters",
        ),
        "ambassadors.laureate.translation": Wording(
            N_("A translation can have at most %(limit)s characters"),
            "a translation has at most %(limit)s characters",
        ),
    }
)
