"""Kraków's districts are listed once (shared/krakow.py): the incidents service takes the 18
from there, and the event catalogue's list is those 18 and the word for none chosen."""

from __future__ import annotations

import msgspec
import pytest

from services.incidents import domain
from services.incidents.schemas import ReportIn
from shared import krakow
from shared.events import catalogue as ev


def test_the_incidents_districts_are_the_catalogues() -> None:
    assert domain.District is krakow.KrakowNamedDistrict is ev.KrakowNamedDistrict
    assert len(domain.DISTRICTS) == 18 and set(domain.DISTRICTS) == set(domain.DISTRICT_NAMES)
    assert ev.KrakowDistrict.__args__ == (*domain.DISTRICTS, domain.NO_DISTRICT)


@pytest.mark.parametrize("district", ["unknown", "d19_nowhere", ""])
def test_a_report_body_refuses_what_is_not_one_of_the_18(district: str) -> None:
    body = {"what": "x" * 40, "where": "Rynek", "when": "2026-01-02", "district": district}
    with pytest.raises(msgspec.ValidationError, match="district"):
        msgspec.convert(body, ReportIn)
