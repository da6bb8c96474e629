"""Stratum keys shown in words on the Samples screens."""

from rcrp_tui.domain.enums import Category, Outcome
from rcrp_tui.domain.stratum_labels import stratum_label


def test_stratum_keys_read_as_words() -> None:
    assert stratum_label("category=walk_out|shift=late") == "Walk-out from healthcare · late shift"
    assert (
        stratum_label("category=medical|shift=-|team=3|group=not_deployed+partner")
        == "Medical incident · no shift · team 3 · not deployed, partner caller"
    )
    assert stratum_label("officer=12|month=2026-11") == "officer 12 · 2026-11"
    assert stratum_label("category=made_up") == "made_up"
    assert stratum_label("all") == stratum_label("") == "whole population"


def test_a_stored_value_reads_as_its_label_or_as_stored_when_unknown() -> None:
    assert Category.label_of("walk_out") == "Walk-out from healthcare"
    assert Outcome.label_of("signposted") == Outcome.SIGNPOSTED.label
    assert Category.label_of("from_a_newer_version") == "from_a_newer_version"
