"""Games between two players, and matches of many games with colours alternating."""

from dataclasses import dataclass, field
from typing import NamedTuple


class GameResult(NamedTuple):
    """One finished game: ``result`` +1 / 0 / -1 from player 0's view, ``moves`` the
    actions in order, ``first`` the index of the player who moved first (as +1),
    ``states`` every position from the start to the end when recorded, else None."""

    result: int
    moves: list
    first: int
    states: list = None


def play_game(game, players, first=0, record=False):
    """Play one game of ``game`` between ``players`` (a pair); ``players[first]`` moves
    first, as +1. Both players are reset at the start and told every move. Returns a
    ``GameResult`` (with the positions in ``states`` when ``record``)."""
    if first not in (0, 1):
        raise ValueError(f"play_game: first must be 0 or 1, got {first!r}")
    for player in players:
        player.reset()
    state = game.initial_state()
    colour = {1: players[first], -1: players[1 - first]}
    moves, states = [], [state] if record else None
    while not state.is_terminal():
        action = int(colour[state.to_play].select(state))
        state = state.play(action)
        moves.append(action)
        if record:
            states.append(state)
        for player in players:
            player.observe(action)
    player0_colour = 1 if first == 0 else -1
    return GameResult(int(state.winner()) * player0_colour, moves, first, states)


@dataclass
class MatchResult:
    """The tally of a match for player A: ``wins``, ``losses``, ``draws``, ``games``, and
    ``results``, the ``GameResult`` of each game."""

    wins: int = 0
    losses: int = 0
    draws: int = 0
    results: list = field(default_factory=list)

    @property
    def games(self):
        """Games played."""
        return self.wins + self.losses + self.draws

    @property
    def score(self):
        """(wins + draws / 2) / games: 1 all won, 0.5 even, 0 all lost."""
        return (self.wins + self.draws / 2) / self.games if self.games else 0.0

    def __str__(self):
        return (f"+{self.wins} ={self.draws} -{self.losses} "
                f"(score {self.score:.3f} over {self.games} games)")


def match(game, player_a, player_b, games, swap=True, progress=None):
    """Play ``games`` games of ``game`` between A and B; with ``swap`` A moves first in
    the even-numbered games and B in the odd ones, else A always moves first.
    ``progress(index, game_result, match_result)``, if given, is called after each game.
    Returns the ``MatchResult`` for A."""
    out = MatchResult()
    for i in range(games):
        first = i % 2 if swap else 0
        result = play_game(game, (player_a, player_b), first=first)
        if result.result > 0:
            out.wins += 1
        elif result.result < 0:
            out.losses += 1
        else:
            out.draws += 1
        out.results.append(result)
        if progress is not None:
            progress(i, result, out)
    return out
