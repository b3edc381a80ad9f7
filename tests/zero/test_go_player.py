"""The light play-out Go player: it passes when passing does not change the result, plays
on while a group is unsettled or a dame is left, captures dead stones in cleanup, and
keeps to its time budget."""

import time

import pytest

from shenjing.zero.games.go import Go
from shenjing.zero.go_player import PlayoutGoPlayer
from shenjing.zero.go_scoring import judge

# finished: black owns columns A-D (a dead one-eyed white group inside), white E-J
FINISHED = [".X.XO.O..", "XXXXO.O..", "XOOXO.O..", "XO.XOOOOO", "XOOXO.O..", "XXXXO.O..",
            ".X.XO.O..", "XXXXO.O..", ".X.XO.O.."]
# finished but for one dame, D5
DAME = ["..XXO.O..", "..XXO.O..", "..XXO.O..", "..XXOOOOO", "..X.O....", "..XXOOOOO",
        "..XXO.O..", "..XXO.O..", "..XXO.O.."]
# white B5 C5 is in atari: black D5 takes it, white D5 joins it to the wall
RACE = ["..XXO.O..", "..XXO.O..", "..XXO.O..", ".XXXOOOOO", "XOO.O....", ".XXXOOOOO",
        "..XXO.O..", "..XXO.O..", "..XXO.O.."]


def after_a_pass(rows, to_play, komi=7.5):
    """The position ``rows`` with ``to_play`` to move just after the opponent passed."""
    game = Go(9, komi)
    return game, game.setup(rows, -to_play).play(game.pass_move)


@pytest.mark.parametrize("to_play", [1, -1])
def test_passes_when_passing_changes_nothing(to_play):
    # white wins and passes; black loses by 16.5 whatever it does, and passes too
    game, state = after_a_pass(FINISHED, to_play)
    player = PlayoutGoPlayer(60, seed=0)
    assert player.select(state) == game.pass_move
    assert player.last_judgement.score == 36 - 45 - 7.5


def test_fills_the_dame_before_passing():
    game, state = after_a_pass(DAME, 1)
    assert game.format_move(PlayoutGoPlayer(60, seed=0).select(state)) == "D5"
    game, state = after_a_pass(DAME, -1)
    assert game.format_move(PlayoutGoPlayer(60, seed=0).select(state)) == "D5"


def test_plays_on_while_a_group_is_unsettled():
    # a komi that makes the two stones decide the game: black wins when it takes them,
    # white when it saves them; passing would leave them to the judge
    d5 = Go(9).parse_move("D5")
    komi = (Go(9, 0).setup(RACE).play(d5).score() +
            Go(9, 0).setup(RACE, -1).play(d5).score()) / 2 + 0.5
    game, state = after_a_pass(RACE, -1, komi)
    assert judge(state, 100).estimate.ownership[4, 1:3].max() < 0.9  # not settled
    assert game.format_move(PlayoutGoPlayer(120, seed=0).select(state)) == "D5"
    game, state = after_a_pass(RACE, 1, komi)
    for seed in range(2):
        assert PlayoutGoPlayer(120, seed=seed).select(state) != game.pass_move


def test_cleanup_captures_dead_stones_before_passing():
    game, state = after_a_pass(FINISHED, 1)
    player = PlayoutGoPlayer(60, seed=0)
    player.cleanup = True
    move = player.select(state)
    assert game.format_move(move) == "C6"  # the dead group's last liberty: it is taken
    assert (state.play(move).board[2:5, 1:3] != -1).all()


def test_keeps_to_its_time_budget_and_checks_its_settings():
    game = Go(9, 7.5)
    player = PlayoutGoPlayer(100000, seed=0)
    player.time_budget = 0.3
    start = time.monotonic()
    move = player.select(game.initial_state())
    # 100000 play-outs would take minutes; the slack is for a busy CPU
    assert time.monotonic() - start < 0.3 + 0.5 and move != game.pass_move
    with pytest.raises(ValueError, match="playouts must be at least 6"):
        PlayoutGoPlayer(2)
