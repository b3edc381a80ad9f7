"""The network's Go player passes by the dead-stone judgement, not by the search's
Tromp-Taylor count: it passes on a won, finished board, and plays on where the search would
pass with a group unsettled."""

import numpy

from shenjing.zero.games.go import Go
from shenjing.zero.go_network_player import GoNetworkPlayer
from shenjing.zero.players import Player
from tests.zero.test_go_player import FINISHED, RACE


class WantsToPass(Player):
    """A search that always wants to pass; its visit counts favour ``favourite`` next."""

    def __init__(self, game, favourite):
        self.calls, self.game, self.favourite = 0, game, favourite

    def select(self, state):
        self.calls += 1
        self.last_counts = numpy.zeros(self.game.action_size)
        self.last_counts[self.game.pass_move] = 10
        self.last_counts[self.favourite] = 5
        self.last_counts[0] = 3
        return self.game.pass_move


def test_passes_after_the_opponent_when_the_judged_count_is_won():
    game = Go(9)
    state = game.setup(FINISHED, 1).play(game.pass_move)     # white to move, white wins
    search = WantsToPass(game, 0)
    assert GoNetworkPlayer(search, judge_playouts=60).select(state) == game.pass_move
    assert search.calls == 0                                  # no search was needed


def test_passes_with_the_search_on_a_settled_board():
    game = Go(9)
    state = game.setup(FINISHED, 1)                           # black, losing, nothing to gain
    assert GoNetworkPlayer(WantsToPass(game, 0), judge_playouts=60).select(state) == \
        game.pass_move


def test_plays_the_next_most_visited_move_while_a_group_is_unsettled():
    # the komi of test_go_player's race: the two white stones in atari decide the game
    d5 = Go(9).parse_move("D5")
    komi = (Go(9, 0).setup(RACE).play(d5).score() +
            Go(9, 0).setup(RACE, -1).play(d5).score()) / 2 + 0.5
    game = Go(9, komi)
    state = game.setup(RACE, -1)
    player = GoNetworkPlayer(WantsToPass(game, d5), judge_playouts=60)
    assert player.select(state) == d5


def test_an_open_board_is_not_decided_but_a_finished_one_is():
    from shenjing.zero.go_network_player import decided
    from shenjing.zero.go_scoring import judge
    game = Go(9)
    assert not decided(judge(game.initial_state().play(40), 60, 0))
    assert decided(judge(game.setup(FINISHED, 1), 60, 0))
