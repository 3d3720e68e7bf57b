"""The declared parameter rules: one bound per concept, the same message everywhere."""

import pytest

from gradnotes import _params
from gradnotes._params import RULES, Integer, OneOf, Real, check


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_names_the_parameter_when_it_refuses(name):
    with pytest.raises((TypeError, ValueError), match=name):
        check(name, object())


def test_bounds_are_inclusive_and_the_message_says_them():
    assert check("depth", 1) == 1 and check("depth", 1000) == 1000
    with pytest.raises(ValueError, match=r"depth=1001 is out of range; allowed: \[1, 1000\]"):
        check("depth", 1001)
    assert check("gain", 0) == 0.0 and isinstance(check("gain", 2), float)
    with pytest.raises(ValueError, match=r"lr=0.0 is out of range; allowed: \(0, inf\]"):
        check("lr", 0.0, Real(0.0, low_open=True))
    with pytest.raises(TypeError, match="integer"):
        check("steps", 2.5, Integer(1, 10))


@pytest.mark.parametrize("name", ["norm", "clip"])
def test_none_has_one_spelling(name):
    assert check(name, None) is None
    assert check(name, "none") is None
    with pytest.raises(ValueError, match=f"{name}='nope'.*or None"):
        check(name, "nope")
    with pytest.raises(TypeError, match=name):
        check(name, 3)


def test_registry_choices_come_from_the_registry():
    from gradnotes import NORMS
    from gradnotes.clipping import CLIPPERS

    assert {check("norm", n) for n in NORMS} == set(NORMS)
    assert check("clip", "norm") == "norm" and "value" in CLIPPERS
    assert check("dtype", "float64") == "float64"
    with pytest.raises(ValueError, match="float32"):
        check("dtype", "float16")
    rule = OneOf(lambda: ("a", "b"))
    assert rule("x", "a") == "a"
    with pytest.raises(ValueError, match=r"x='c' is not known; choose one of \['a', 'b'\]"):
        rule("x", "c")


def test_rules_are_read_only():
    with pytest.raises(TypeError):
        _params.RULES["depth"] = Integer(1, 5)
