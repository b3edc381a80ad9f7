"""The GTP time manager: settings, time left, and the budget of one move."""

import pytest

from shenjing.zero.time_control import Clock


def test_no_settings_and_no_limit():
    clock = Clock()
    assert clock.budget(1, 81) is None
    clock.settings(0, 10, 0)  # byo-yomi time with no stones: no limit, says GTP
    assert clock.budget(1, 81) is None
    clock.used(1, 5.0)
    assert clock.budget(-1, 81) is None


def test_main_time_is_spread_over_the_moves_to_come():
    clock = Clock()
    clock.settings(60, 0, 0)  # sudden death: 60 s for the game
    # 81 empty points: about 40 moves to go
    assert clock.budget(1, 81) == pytest.approx(0.8 * 60 / 41 - 0.05)
    clock.time_left(1, 12, 0)
    assert clock.budget(1, 81) == pytest.approx(0.8 * 12 / 41 - 0.05)
    assert clock.budget(1, 4) == pytest.approx(0.8 * 12 / 11 - 0.05)  # at least 10 to go
    clock.time_left(-1, 0, 0)
    assert clock.budget(-1, 81) == 0.02  # never below a floor
    clock.used(1, 2.0)
    assert clock.left[1] == (10.0, 0)


def test_byo_yomi_periods():
    clock = Clock()
    clock.settings(0, 30, 5)  # no main time: 5 moves in every 30 s
    assert clock.budget(1, 81) == pytest.approx(0.8 * 30 / 5 - 0.05)
    clock.time_left(1, 9, 3)
    assert clock.budget(1, 81) == pytest.approx(0.8 * 3 - 0.05)
    clock.used(1, 1.0)
    assert clock.left[1] == (8.0, 2)
    clock.used(1, 1.0)
    clock.used(1, 1.0)  # the period's last move: a new period starts
    assert clock.left[1] == (30.0, 5)
    clock.settings(10, 30, 5)  # main time, then byo-yomi: some of a period's share
    assert clock.budget(1, 81) == pytest.approx(0.8 * (10 / 41 + 30 / 5 / 2) - 0.05)
    clock.used(1, 12.0)  # main time ran out: into byo-yomi
    assert clock.left[1] == (30.0, 5)


def test_bad_values_are_refused():
    clock = Clock()
    with pytest.raises(ValueError, match="negative"):
        clock.settings(-1, 0, 0)
    with pytest.raises(ValueError, match="negative"):
        clock.time_left(1, -3, 0)
