"""``LBFGS``: limited-memory BFGS, a quasi-Newton method that re-evaluates the loss through
a closure, with an optional strong-Wolfe line search (PyTorch's algorithm, step for step).

Each ``step(closure)`` runs up to ``max_iter`` iterations on all parameters seen as one flat
vector x, with g the flat gradient::

    first iteration:   d = -g,  t = min(1, 1 / |g|_1) * lr
    later:             s = t d (last step),  y = g - g_prev;  if y.s > 1e-10 keep (s, y)
                       (the last ``history_size`` pairs), H0 = y.s / y.y
                       d = -H g by the two-loop recursion:
                           q = -g;  for i newest..oldest:  a_i = rho_i s_i.q,  q -= a_i y_i
                           r = H0 q; for i oldest..newest: b_i = rho_i y_i.r,  r += (a_i - b_i) s_i
                       (rho_i = 1 / y_i.s_i),  t = lr
    x = x + t d        (t from the strong-Wolfe line search when line_search_fn='strong_wolfe')

It stops early when max |g| <= tolerance_grad, when the step or the change of the loss is
below tolerance_change, or after ``max_eval`` evaluations of the closure.
"""

from .. import backend
from ..autograd import grad_mode
from ..autograd.tensor import Tensor
from .optimizer import Optimizer, check_option

__all__ = ["LBFGS"]


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2,
    clipped to ``bounds`` (default: [min(x1, x2), max(x1, x2)]); their midpoint when the
    cubic has no minimum.  (Nocedal & Wright, eq. 3.59.)"""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = d2_square ** 0.5
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


def strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                 max_ls=25):
    """A step length t along d that satisfies the strong Wolfe conditions::

        f(x + t d) <= f(x) + c1 t g.d            (sufficient decrease)
        |g(x + t d).d| <= c2 |g.d|               (curvature)

    found by bracketing, then zooming with cubic interpolation (Nocedal & Wright,
    algorithms 3.5 and 3.6).  ``obj_func(x, t, d)`` returns (loss, flat gradient) at
    x + t d.  Returns (f_new, g_new, t, evaluations).
    """
    xp = backend.array_module(d)
    d_norm = float(xp.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:                             # bracketing phase
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10   # extrapolate
        previous = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                              bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    insufficient_progress = False                       # zoom phase
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                              bracket[1], bracket_f[1], bracket_gtd[1])
        # keep t at least 10% of the bracket away from its ends, unless that stalls
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


def _array(value):
    return value.array if isinstance(value, Tensor) else value


def _tensor(array):
    return None if array is None else Tensor.from_node(array, None, 0)


class LBFGS(Optimizer):
    """L-BFGS (Nocedal, 1980; Liu & Nocedal, 1989), PyTorch's ``torch.optim.LBFGS``.

    ``step(closure)`` needs a closure that zeroes the gradients, computes the loss, calls
    ``backward()`` and returns the loss; it is called up to ``max_eval`` times per step::

        def closure():
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            return loss
        optimizer.step(closure)

    Options: ``lr`` (the step length, scaled by the line search), ``max_iter`` iterations
    per step, ``max_eval`` (default ``max_iter * 5 // 4``), ``tolerance_grad``,
    ``tolerance_change``, ``history_size`` (pairs kept), ``line_search_fn`` (None or
    'strong_wolfe').  One parameter group only.  Runs on NumPy (no compiled kernel).
    """

    _number_state = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        self._check_options(defaults)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): "
                             f"got {len(self.param_groups)} groups")
        self._params = self.param_groups[0]["params"]

    def _check_options(self, group):
        check_option(group["lr"] >= 0, "LBFGS", "learning rate", "lr", group["lr"], ">= 0")
        check_option(group["max_iter"] >= 1, "LBFGS", "max_iter value", "max_iter",
                     group["max_iter"], ">= 1")
        check_option(group["history_size"] >= 1, "LBFGS", "history_size value", "history_size",
                     group["history_size"], ">= 1")
        check_option(group["line_search_fn"] in (None, "strong_wolfe"), "LBFGS",
                     "line search", "line_search_fn", group["line_search_fn"],
                     "None or 'strong_wolfe'")

    def __setstate__(self, state):
        super().__setstate__(state)
        self._params = self.param_groups[0]["params"]

    # ------------------------------------------------------------ the flat vector

    def _flat_grad(self):
        """The gradients of all parameters as one vector (zeros where a grad is None)."""
        xp = backend.array_module(self._params[0].array)
        return xp.concatenate([xp.zeros(p.array.size, p.dtype) if p.grad is None
                               else p.grad.array.reshape(-1) for p in self._params])

    def _add_to_params(self, step_size, update):
        """x = x + step_size * update."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += (step_size * update[offset:offset + n]).reshape(p.shape).astype(p.dtype)
            p._version += 1
            offset += n

    def _directional_evaluate(self, closure, x, t, d):
        """(loss, flat gradient) at x + t d; the parameters go back to x."""
        self._add_to_params(t, d)
        with grad_mode.enable_grad():
            loss = float(closure())
        flat_grad = self._flat_grad()
        for p, saved in zip(self._params, x):
            p.array[...] = saved
            p._version += 1
        return loss, flat_grad

    # ------------------------------------------------------------ the step

    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise RuntimeError("LBFGS.step: a closure that re-evaluates the loss (and calls "
                               "backward) is required: optimizer.step(closure)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with grad_mode.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        xp = backend.array_module(flat_grad)
        if float(xp.abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss

        d, t = _array(state.get("d")), state.get("t")
        old_dirs = [_array(v) for v in state.get("old_dirs", [])]      # the y_i
        old_stps = [_array(v) for v in state.get("old_stps", [])]      # the s_i
        ro, H_diag = list(state.get("ro", [])), state.get("H_diag")
        prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:                          # keep the pair only if curvature > 0
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y @ y)          # H0 = y.s / y.y
                al = [0.0] * len(old_dirs)              # two-loop recursion: d = -H g
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr
            else:
                t = lr
            gtd = float(flat_grad @ d)                  # directional derivative
            if gtd > -tolerance_change:
                break

            ls_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x_init = [p.array.copy() for p in self._params]
                loss, flat_grad, t, ls_evals = strong_wolfe(
                    lambda x, t_, d_: self._directional_evaluate(closure, x, t_, d_),
                    x_init, t, d, loss, flat_grad, gtd)
                self._add_to_params(t, d)
                opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_to_params(t, d)               # a fixed step: x = x + t d
                opt_cond = False
                if n_iter != max_iter:
                    with grad_mode.enable_grad():
                        loss = float(closure())
                    flat_grad = self._flat_grad()
                    opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or evals >= max_eval or opt_cond:
                break
            if float(xp.abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"], state["t"] = _tensor(d), t
        state["old_dirs"] = [_tensor(v) for v in old_dirs]
        state["old_stps"] = [_tensor(v) for v in old_stps]
        state["ro"], state["H_diag"] = ro, H_diag
        state["prev_flat_grad"], state["prev_loss"] = _tensor(prev_flat_grad), prev_loss
        return orig_loss
