"""The time manager of a GTP engine: what each colour has left, and how long one move may
think.

GTP's ``time_settings main byo_yomi_time byo_yomi_stones`` (seconds, seconds, stones)
sets Canadian byo-yomi: ``main`` seconds for the game, then ``byo_yomi_stones`` moves in
every period of ``byo_yomi_time`` seconds. ``main > 0`` with ``byo_yomi_time == 0`` is
sudden death; ``byo_yomi_time > 0`` with ``byo_yomi_stones == 0`` means no limit, and so
do the settings never given. ``time_left colour seconds stones`` tells what is left
(``stones == 0`` while in main time).

The budget of a move spreads what is left over the moves still to come, with a safety
share kept back for the controller's overhead:

    in main time     budget = left / (moves_to_go + 1) + byo_yomi_time / byo_yomi_stones / 2
    in byo-yomi      budget = left / stones_left
    then             budget = 0.8 * budget - 0.05,  at least 0.02 s

where ``moves_to_go`` is half the empty points, at least 10 (a game of Go fills about
half of what is empty).
"""

__all__ = ["Clock"]


class Clock:
    """The time settings and both colours' time left; ``budget(colour, empty_points)`` is
    the thinking time of one move in seconds, or None when there is no limit."""

    def __init__(self):
        self.main_time, self.byo_yomi_time, self.byo_yomi_stones = 0.0, 0.0, 0
        self.limited = False
        self.left = {}

    def settings(self, main_time, byo_yomi_time, byo_yomi_stones):
        """GTP ``time_settings``; raises ValueError on negative values."""
        if main_time < 0 or byo_yomi_time < 0 or byo_yomi_stones < 0:
            raise ValueError(f"time settings must not be negative, got {main_time} "
                             f"{byo_yomi_time} {byo_yomi_stones}")
        self.main_time, self.byo_yomi_time = float(main_time), float(byo_yomi_time)
        self.byo_yomi_stones = int(byo_yomi_stones)
        self.limited = not (self.byo_yomi_time > 0 and self.byo_yomi_stones == 0) and (
            self.main_time > 0 or self.byo_yomi_time > 0)
        self.left = {}

    def time_left(self, color, seconds, stones):
        """GTP ``time_left``: ``color`` (+1 / -1) has ``seconds`` left, ``stones`` moves
        to play in them (0 in main time)."""
        if seconds < 0 or stones < 0:
            raise ValueError(f"time left must not be negative, got {seconds} {stones}")
        self.left[color] = (float(seconds), int(stones))

    def used(self, color, seconds):
        """``color`` thought ``seconds`` on a move: count it until the next ``time_left``."""
        if not self.limited:
            return
        left, stones = self.left.get(color, self._start())
        left -= seconds
        if stones:
            stones -= 1
            if stones == 0:  # a new byo-yomi period
                left, stones = self.byo_yomi_time, self.byo_yomi_stones
        elif left <= 0 and self.byo_yomi_stones:
            left, stones = self.byo_yomi_time, self.byo_yomi_stones
        self.left[color] = (max(left, 0.0), stones)

    def budget(self, color, empty_points):
        """Seconds one move of ``color`` may think (see the module docstring), None when
        the game has no time limit."""
        if not self.limited:
            return None
        left, stones = self.left.get(color, self._start())
        if stones > 0:
            budget = left / stones
        else:
            budget = left / (max(10, empty_points // 2) + 1)
            if self.byo_yomi_stones:
                budget += self.byo_yomi_time / self.byo_yomi_stones / 2
        return max(0.02, 0.8 * budget - 0.05)

    def _start(self):
        if self.main_time > 0:
            return self.main_time, 0
        return self.byo_yomi_time, self.byo_yomi_stones
