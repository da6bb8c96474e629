"""Stratum keys shown in words on the Samples screens."""

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
