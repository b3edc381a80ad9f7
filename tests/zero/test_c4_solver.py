"""The perfect Connect Four solver (``c4_solver``) that judges the shipped network.

Checked three ways: published scores of Pascal Pons' end-game test set (Test_L3_R1, in
his score convention); a plain negamax over ``shenjing.zero``'s own rules (no pruning,
no table, no bitboards) on late positions of random games; and, on positions a dozen
discs in, the negamax identity score(p) = max over moves of the move's score, with
every move solved separately.
"""

import numpy
import pytest

from shenjing.zero.games import make_game

from .c4_solver import ILLEGAL, Position, Solver, minimax_score

# Pons' Test_L3_R1 (end-easy), first lines: moves as 1-based columns, then the score
PONS_END_EASY = """\
2252576253462244111563365343671351441 -1
7422341735647741166133573473242566 1
23163416124767223154467471272416755633 0
71255763773133525731261364622167124446454 0
65214673556155731566316327373221417 -1
52677675164321472411331752454 0
3135151421347443544172316522225776773566 0
562154564361751726662253737734213275114 0
233377345754465174223731671122611552 1
6763525635134453444361412671365712 -1
211376455663355325112113664364524722 0
3146762114467714356347741621375222 -1
67152117737262713366376314254 6
2762751722231276466633475674533 5
3642756176227637211322113551637574556 2
22647455554314246733661634615122372377511 0
427566236745127177115664464254 2
7172212567451542223676134464437761515 0
641154574541323641152467137655232232366 0
5775265212657176476365522624313714333 2
3575316255751336464276636772271112 -3"""


@pytest.fixture(scope="module")
def solver():
    return Solver()


def random_state(rng, discs):
    """A non-terminal position after ``discs`` random moves (drawn again until one is)."""
    game = make_game("connect4")
    while True:
        state = game.initial_state()
        for _ in range(discs):
            if state.is_terminal():
                break
            state = state.play(int(rng.choice(state.legal_moves())))
        if not state.is_terminal():
            return state


@pytest.mark.parametrize("line", PONS_END_EASY.splitlines())
def test_pons_end_game_scores(solver, line):
    moves, score = line.split()
    assert solver.solve_moves(moves) == int(score)


def test_immediate_win_and_forced_loss(solver):
    # X has three in column 4 (.. 4 1 4 1 4 1): X to move wins with its 4th disc
    assert solver.solve_moves("414141") == (42 + 1 - 6) // 2
    # O to move after X's open three on the bottom row (4, 5, 6 with O on top of 4, 5):
    # O blocks one end, X wins at the other with its 4th disc
    assert solver.solve_moves("44556") == -((42 - 5) // 2)


def test_agrees_with_plain_minimax_on_late_positions(solver):
    rng = numpy.random.default_rng(3)
    checked = 0
    for _ in range(30):
        state = random_state(rng, 33)
        expected = minimax_score(state)
        assert solver.solve(Position.from_state(state)) == expected, state.render()
        checked += 1
    assert checked == 30


def test_move_scores_agree_with_the_solved_position(solver):
    rng = numpy.random.default_rng(5)
    results = set()
    for _ in range(6):
        state = random_state(rng, 14)
        pos = Position.from_state(state)
        scores = solver.move_scores(pos)
        legal = state.legal_mask()
        assert numpy.array_equal(scores != ILLEGAL, legal)
        assert solver.solve(pos) == scores[legal].max()
        results.add(int(numpy.sign(scores[legal].max())))
    assert len(results) >= 2     # the sample is not all one result


def test_from_moves_refuses_bad_sequences():
    with pytest.raises(ValueError, match="not playable"):
        Position.from_moves("1111111")       # a 7th disc in column 1
    with pytest.raises(ValueError, match="game is over"):
        Position.from_moves("41414141")      # a move after X's four in column 4
    with pytest.raises(ValueError, match="not playable"):
        Position.from_moves("8")
