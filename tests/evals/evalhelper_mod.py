"""A python-check callable for tests/evals/test_checks.py (module:function)."""


def mentions_both(output: str, case: dict) -> tuple[bool, str]:
    ok = "red" in output and "blue" in output
    return ok, "both colours" if ok else "a colour is missing"


def length_score(output: str, case: dict) -> float:
    return min(len(output) / 10, 1.0)
