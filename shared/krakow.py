"""Kraków's 18 districts (dzielnice) by number: the one list of their keys.

The event catalogue's `KrakowDistrict` is these and "unknown" (a report with no district
chosen); the incidents service's form, API and filters take these 18 only (services/incidents/
domain.py). Standard library only, so domain modules may import it (tests/unit/kit/
test_import_graph.py)."""

from __future__ import annotations

from typing import Literal

KrakowNamedDistrict = Literal[
    "d01_stare_miasto",
    "d02_grzegorzki",
    "d03_pradnik_czerwony",
    "d04_pradnik_bialy",
    "d05_krowodrza",
    "d06_bronowice",
    "d07_zwierzyniec",
    "d08_debniki",
    "d09_lagiewniki_borek_falecki",
    "d10_swoszowice",
    "d11_podgorze_duchackie",
    "d12_biezanow_prokocim",
    "d13_podgorze",
    "d14_czyzyny",
    "d15_mistrzejowice",
    "d16_bienczyce",
    "d17_wzgorza_krzeslawickie",
    "d18_nowa_huta",
]
