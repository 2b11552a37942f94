"""Corrections: nearest by BM25 as few-shot examples, and rules from consistent corrections."""

from __future__ import annotations

import json

import pytest

from ingle.core.frontends.cli import main
from ingle.core.memories.corrections import CorrectionsService


@pytest.fixture
def corrections(workbench) -> CorrectionsService:
    return CorrectionsService(workbench.store)


def test_nearest_three_by_bm25_within_the_domain(corrections):
    corrections.record("expenses", "UBER *TRIP 8842 AMSTERDAM", "Food", "Transport",
                       source="re-categorised expense")
    corrections.record("expenses", "ALBERT HEIJN 1123 AMSTERDAM", "Transport", "Groceries")
    corrections.record("expenses", "NS GROEP TICKET UTRECHT", "Other", "Transport")
    corrections.record("expenses", "SPOTIFY PREMIUM", "Other", "Subscriptions")
    corrections.record("chat", "uber trip to the airport", "x", "y", source="edited answer")
    near = corrections.nearest("expenses", "Uber trip 1193 Amsterdam", k=3)
    assert near[0].input == "UBER *TRIP 8842 AMSTERDAM"
    assert len(near) == 2 and {c.domain for c in near} == {"expenses"}  # only word matches
    assert corrections.few_shot("expenses", "uber trip") == [("UBER *TRIP 8842 AMSTERDAM", "Transport")]
    assert corrections.nearest("expenses", "", k=3) == []


def test_consistent_corrections_are_offered_as_a_rule(corrections):
    corrections.record("expenses", "UBER *TRIP 8842", "Food", "Transport")
    assert corrections.rule_candidates("expenses") == []  # one is not a pattern yet
    corrections.record("expenses", "Uber trip 1193", "Other", "Transport")
    (candidate,) = corrections.rule_candidates("expenses")
    assert (candidate.pattern, candidate.output, candidate.support) == ("uber trip", "Transport", 2)
    assert corrections.rule_for("expenses", "UBER TRIP 5") is None  # offered, not yet accepted
    rule = corrections.accept_rule("expenses", candidate.pattern, candidate.output)
    assert rule.support == 2
    assert corrections.rule_for("expenses", "uber  TRIP 777").output == "Transport"
    assert corrections.rule_candidates("expenses") == []  # accepted: no longer offered
    assert corrections.drop_rule("expenses", "uber trip")
    assert corrections.rule_for("expenses", "uber trip 1") is None


def test_inconsistent_corrections_are_not_a_rule(corrections):
    corrections.record("expenses", "AMAZON MKTPLACE 1", "Other", "Books")
    corrections.record("expenses", "amazon mktplace 2", "Other", "Electronics")
    assert corrections.rule_candidates("expenses") == []


def test_a_given_pattern_groups_corrections(corrections):
    corrections.record("expenses", "Payment to J. Smith", "Other", "Rent", pattern="landlord")
    corrections.record("expenses", "J SMITH RENT MARCH", "Other", "Rent", pattern="landlord")
    (candidate,) = corrections.rule_candidates("expenses")
    assert candidate.pattern == "landlord" and candidate.examples == [
        "Payment to J. Smith", "J SMITH RENT MARCH"]
    assert corrections.rule_for("expenses", "anything", pattern="landlord") is None


def test_bad_corrections_are_refused(corrections):
    with pytest.raises(ValueError, match="needs a domain"):
        corrections.record(" ", "in", "out", "fixed")
    with pytest.raises(ValueError, match="needs the input"):
        corrections.record("chat", "", "out", "fixed")


def test_cli_lists_corrections_and_offered_rules(corrections, capsys):
    corrections.record("expenses", "UBER *TRIP 8842", "Food", "Transport", note="always")
    corrections.record("expenses", "UBER TRIP 99", "Food", "Transport")
    assert main(["memory", "corrections", "--domain", "expenses", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["corrections"]) == 2
    assert report["rule_candidates"][0]["output"] == "Transport"
    assert main(["memory", "corrections"]) == 0
    out = capsys.readouterr().out
    assert "rule offered (2 consistent corrections): [expenses] 'uber trip' -> 'Transport'" in out
