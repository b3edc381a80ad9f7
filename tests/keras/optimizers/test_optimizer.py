"""The base optimizer: clipping, weight decay, the learning rate (float, schedule, set
mid-way), iterations, skipped gradients, apply(), lookup and config."""

import warnings

import numpy as np
import pytest

import shenjing as sj
from shenjing.keras import optimizers
from shenjing.keras.optimizers import schedules
from shenjing.nn import Parameter


def params(*arrays):
    return [Parameter(np.array(a, dtype=np.float64)) for a in arrays]


# ------------------------------------------------------------------ clipping


def test_clipnorm_clips_each_gradient():
    a, b = params([0.0, 0.0], [0.0])
    g_a, g_b = np.array([3.0, 4.0]), np.array([0.5])          # norms 5 and 0.5
    optimizers.SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients([(g_a, a), (g_b, b)])
    np.testing.assert_allclose(a.numpy(), -g_a / 5.0)
    np.testing.assert_allclose(b.numpy(), -g_b)                # within the norm: unchanged


def test_global_clipnorm_clips_all_together():
    a, b = params([0.0, 0.0], [0.0])
    g_a, g_b = np.array([3.0, 0.0]), np.array([4.0])           # joint norm 5
    optimizers.SGD(learning_rate=1.0, global_clipnorm=2.0).apply_gradients([(g_a, a), (g_b, b)])
    np.testing.assert_allclose(a.numpy(), -g_a * 2.0 / 5.0)
    np.testing.assert_allclose(b.numpy(), -g_b * 2.0 / 5.0)


def test_clipvalue_clips_each_element_and_leaves_the_gradient_alone():
    (a,) = params([0.0, 0.0, 0.0])
    a.grad = sj.tensor([-3.0, 0.2, 7.0], dtype=sj.float64)
    optimizers.SGD(learning_rate=1.0, clipvalue=0.5).apply_gradients([(a.grad, a)])
    np.testing.assert_allclose(a.numpy(), [0.5, -0.2, -0.5])
    np.testing.assert_allclose(a.grad.numpy(), [-3.0, 0.2, 7.0])


def test_only_one_clipping():
    with pytest.raises(ValueError, match="only one of clipnorm, clipvalue and global_clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


# ------------------------------------------------------------------ weight decay


def test_weight_decay_is_decoupled_and_can_exclude_variables():
    w, b = params([2.0, -4.0], [1.0])
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[b])
    g = np.array([1.0, 1.0])
    opt.apply_gradients([(g, w), (np.array([1.0]), b)])
    np.testing.assert_allclose(w.numpy(), np.array([2.0, -4.0]) * (1 - 0.1 * 0.5) - 0.1 * g)
    np.testing.assert_allclose(b.numpy(), [1.0 - 0.1])


# ------------------------------------------------------------------ the learning rate


def test_schedule_is_evaluated_at_iterations():
    schedule = schedules.PiecewiseConstantDecay([1], [1.0, 0.1])   # steps 0, 1: 1.0; then 0.1
    (w,) = params([0.0])
    opt = optimizers.SGD(learning_rate=schedule)
    seen = []
    for _ in range(4):
        seen.append(opt.learning_rate)
        opt.apply_gradients([(np.array([1.0]), w)])
    assert seen == [1.0, 1.0, 0.1, 0.1]
    assert opt.iterations == 4
    np.testing.assert_allclose(w.numpy(), [-2.2])


def test_learning_rate_set_to_a_float_mid_way():
    (w,) = params([0.0])
    opt = optimizers.SGD(learning_rate=0.5)
    opt.apply_gradients([(np.array([1.0]), w)])
    opt.learning_rate = 0.25                     # as LearningRateScheduler / ReduceLROnPlateau
    assert opt.learning_rate == 0.25
    opt.apply_gradients([(np.array([1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.75])
    opt.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert opt.learning_rate == pytest.approx(0.25)             # at iterations = 2
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.learning_rate = 0.1                  # Keras: a schedule's rate is not settable
    opt.learning_rate = lambda: 0.125            # a callable of no arguments
    assert opt.learning_rate == 0.125


def test_adam_bias_correction_counts_iterations_with_a_schedule():
    # Adam's t is iterations + 1, independent of what the schedule does
    (w,) = params([0.0])
    opt = optimizers.Adam(learning_rate=schedules.InverseTimeDecay(0.1, 1, 1.0))
    for _ in range(3):
        opt.apply_gradients([(np.array([2.0]), w)])
    lrs = [0.1 / (1 + t) for t in range(3)]
    want = -sum(lrs)                 # a constant gradient: each step is lr * 1 (up to epsilon)
    assert float(w.item()) == pytest.approx(want, rel=1e-5)


# ------------------------------------------------------------------ steps and variables


def test_none_gradients_are_skipped_with_a_warning():
    a, b = params([1.0], [1.0])
    opt = optimizers.Adam()
    with pytest.warns(UserWarning, match="gradients do not exist for 1 of 2 variables"):
        opt.apply_gradients([(None, a), (np.array([1.0]), b)])
    assert float(a.item()) == 1.0 and float(b.item()) < 1.0
    assert opt.iterations == 1
    with pytest.raises(ValueError, match="no gradients provided for any variable"):
        opt.apply_gradients([(None, a)])


def test_apply_keras3_form_and_build():
    a, b = params([1.0, 2.0], [3.0])
    opt = optimizers.RMSprop()
    opt.build([a, b])
    assert set(opt.slots(a)) == {"velocity"}
    opt.apply([np.array([1.0, 1.0]), np.array([1.0])])
    assert opt.iterations == 1 and float(b.item()) < 3.0
    with pytest.raises(ValueError, match="got 1 gradients for 2 variables"):
        opt.apply([np.array([1.0, 1.0])])


def test_gradient_shape_is_checked():
    (a,) = params([1.0, 2.0])
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\).*variable of shape \(2,\)"):
        optimizers.SGD().apply_gradients([(np.ones(3), a)])


def test_update_marks_a_new_version():
    x = Parameter(np.array([1.0, 2.0]))
    y = (x * x).sum()
    before = x._version
    optimizers.SGD().apply_gradients([(np.ones(2), x)])
    assert x._version == before + 1
    with pytest.raises(RuntimeError):
        y.backward()                             # x*x saved the old x: the graph is stale


def test_float32_parameters_stay_float32():
    w = Parameter(np.ones(3, dtype=np.float32))
    for cls in (optimizers.SGD, optimizers.Adam, optimizers.RMSprop, optimizers.Adagrad,
                optimizers.Nadam):
        cls(learning_rate=0.1).apply_gradients([(np.ones(3), w)])
    assert w.dtype == np.float32


def test_loss_scale_factor_unscales_gradients():
    (w,) = params([0.0])
    optimizers.SGD(learning_rate=1.0, loss_scale_factor=8.0).apply_gradients(
        [(np.array([8.0]), w)])
    np.testing.assert_allclose(w.numpy(), [-1.0])


# ------------------------------------------------------------------ lookup and config


@pytest.mark.parametrize("name, cls, lr", [("sgd", optimizers.SGD, 0.01),
                                           ("adam", optimizers.Adam, 0.001),
                                           ("AdamW", optimizers.AdamW, 0.001),
                                           ("rmsprop", optimizers.RMSprop, 0.001),
                                           ("adagrad", optimizers.Adagrad, 0.001),
                                           ("nadam", optimizers.Nadam, 0.001)])
def test_get_by_name_gives_keras_defaults(name, cls, lr):
    opt = optimizers.get(name)
    assert type(opt) is cls and opt.learning_rate == lr
    assert opt.iterations == 0


def test_config_round_trip_with_a_schedule():
    opt = optimizers.RMSprop(learning_rate=schedules.CosineDecay(0.1, 100), rho=0.8,
                             centered=True, clipnorm=2.0)
    config = optimizers.serialize(opt)
    assert config["config"]["learning_rate"]["class_name"] == "CosineDecay"
    rebuilt = optimizers.get(config)
    assert type(rebuilt) is optimizers.RMSprop
    assert rebuilt.get_config() == opt.get_config()
    assert rebuilt.learning_rate == pytest.approx(0.1)
    assert optimizers.get(opt) is opt


def test_errors_name_what_was_expected():
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; known: adagrad, adam"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match=r"argument\(s\) not recognized: \['lr_decay'\]"):
        optimizers.Adam(lr_decay=0.1)
    with pytest.raises(ValueError, match="learning_rate must be a number"):
        optimizers.SGD(learning_rate="fast")
    torch_opt = sj.optim.SGD([Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(TypeError, match="keras.optimizers.SGD"):
        optimizers.get(torch_opt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD()                         # no warning for the plain constructor
