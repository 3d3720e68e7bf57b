"""Explorers driven headless through update(): pictures change when controls change, stay
identical when they do not, draw exploding and dead networks, and report the Trace's numbers."""

import base64
import inspect
import io

import ipywidgets
import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter
from PIL import Image

from gradnotes import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, simulate
from gradnotes import widgets as gw
from gradnotes.clipping import CLIPPERS
from gradnotes.normalization import NORMS
from gradnotes.plots import COLORS
from gradnotes.plots.figure import shrink_png
from gradnotes.theory import predicted_grad_norms, weight_gradient_profile
from gradnotes.widgets import (
    ActivationExplorer, GradientExplorer, InitExplorer, activation_explorer, gradient_explorer,
    init_explorer,
)
from gradnotes.widgets import _controls
from gradnotes.widgets import edge as ew
from gradnotes.widgets import recurrent as rw
from gradnotes.widgets import training as tw
from gradnotes.widgets._canvas import encode_png

SMALL = dict(depth=12, width=32, batch=16)


def pixels(png: bytes) -> np.ndarray:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def colour_present(png, hex_colour, tol=12):
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return bool(np.any(np.all(np.abs(pixels(png).astype(int) - rgb) <= tol, axis=-1)))


def assert_picture_moves(explorer, **controls):
    """The picture changes with ``controls`` and is byte-identical when they are set again."""
    before = explorer.image.value
    explorer.update(**controls)
    after = explorer.image.value
    assert after != before, f"picture did not change for {controls}"
    explorer.update(**controls)
    assert explorer.image.value == after, f"picture not reproducible for {controls}"
    for name, value in controls.items():
        assert explorer.state[name] == value


# --- the compute behind the explorers (ProbeCache and Trace.summary: test_probe_*.py) --


def test_weight_gradient_prediction_follows_measurement():
    for act, init in (("tanh", "xavier_normal"), ("relu", "he_normal"), ("sigmoid", "xavier_normal")):
        t = simulate(30, 128, act, init, batch=64)
        pred = predicted_grad_norms(t)
        assert pred[-1] == pytest.approx(t.grad_weight_norms[-1])
        ratio = t.grad_weight_norms / pred
        assert np.all((ratio > 0.3) & (ratio < 3)), (act, ratio)
    sigmoid = simulate(30, 128, "sigmoid", batch=64)  # vanishing: the prediction falls 10 decades too
    assert predicted_grad_norms(sigmoid)[0] < 1e-6 * predicted_grad_norms(sigmoid)[-1]
    np.testing.assert_allclose(weight_gradient_profile("linear", 0.7, 0.0, 5), 1.0)
    assert predicted_grad_norms(simulate(5, 16, residual=True, batch=4)) is None


def test_png_encoder_round_trips():
    rgba = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    np.testing.assert_array_equal(pixels(encode_png(rgba)), rgba[..., :3])


# --- the gradient explorer ------------------------------------------------------------------


@pytest.fixture(scope="module")
def grad():
    return gradient_explorer(**SMALL)


def test_gradient_explorer_is_a_widget_with_an_image(grad):
    assert isinstance(grad, GradientExplorer) and isinstance(grad, ipywidgets.VBox)
    assert isinstance(grad.image, ipywidgets.Image) and grad.image.format == "png"
    assert pixels(grad.image.value).shape == (380, 1200, 3)
    names = {"depth", "width", "activation", "init", "gain", "bias_std", "residual", "norm"}
    assert names <= set(grad.controls)
    assert list(grad.controls["activation"].options) == [(a.label, n) for n, a in ACTIVATIONS.items()]
    assert list(grad.controls["init"].options) == list(INITIALIZERS)
    assert (grad.controls["depth"].min, grad.controls["depth"].max) == (1, 100)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_gradient_explorer_every_activation(grad, name):
    grad.update(activation="tanh" if name != "tanh" else "relu")
    assert_picture_moves(grad, activation=name)
    state = grad.state
    assert state["grad_weight_norms"] == grad.trace.grad_weight_norms.tolist()
    assert state["saturation"] == grad.trace.saturation.tolist()
    assert grad.trace.config["activation"] == name


@pytest.mark.parametrize("init", list(INITIALIZERS))
def test_gradient_explorer_every_init(grad, init):
    # (for square layers xavier and lecun coincide: compare with he, or with lecun for he itself)
    grad.update(activation="tanh", init="he_normal" if init != "he_normal" else "lecun_normal")
    assert_picture_moves(grad, init=init)
    assert grad.state["overflow_layer"] == grad.trace.overflow_layer


@pytest.mark.parametrize("controls", [
    dict(depth=40), dict(width=64), dict(gain=2.5), dict(bias_std=0.5), dict(residual="pre"), dict(residual="post"),
    dict(norm="batch"), dict(norm="layer"), dict(seed=3), dict(batch=8),
])
def test_gradient_explorer_every_control(grad, controls):
    grad.update(activation="tanh", init="xavier_normal", residual=False, norm=None, gain=1.0,
                bias_std=0.0, seed=0, **SMALL)
    assert_picture_moves(grad, **controls)
    expected = simulate(**{**dict(activation="tanh", gain=1.0, residual=False, norm=None, seed=0),
                           **SMALL, **controls})
    np.testing.assert_allclose(grad.state["grad_weight_norms"], expected.grad_weight_norms, rtol=1e-4)


def test_gradient_explorer_exploding_network_draws_marked():
    e = gradient_explorer(depth=100, width=64, batch=16, activation="linear", init="xavier_normal", gain=4.0)
    state = e.state
    assert state["overflowed_layers"] and state["overflow_layer"] is not None
    assert colour_present(e.image.value, COLORS["overflow"])
    assert "overflow" in e.caption.value
    e.update(activation="tanh", gain=10.0, depth=50)  # saturated but finite, ~1e20 range
    assert np.all(np.isfinite(e.state["grad_weight_norms"]))
    assert e.state["first_last_ratio"] > 1e10


def test_gradient_explorer_dead_network_draws_marked(grad):
    grad.update(activation="relu", init="zeros", residual=False, norm=None, **SMALL)
    state = grad.state
    assert state["zero_gradient_layers"] == list(range(1, 13))
    assert state["saturation"] == [1.0] * 12
    assert colour_present(grad.image.value, COLORS["zero"])
    grad.update(init="xavier_normal")


def test_a_control_moved_in_the_browser_redraws(grad):
    grad.update(activation="tanh", init="xavier_normal", **SMALL)
    before, count = grad.image.value, grad.redraws
    grad.controls["depth"].value = 20  # what a comm message from the frontend does
    assert grad.redraws == count + 1 and grad.image.value != before
    assert grad.trace.depth == 20 and grad.state["depth"] == 20


def test_requests_during_a_redraw_coalesce(grad, monkeypatch):
    grad.update(activation="tanh", **SMALL)
    drawn = []
    real = grad._draw

    def slow_draw(values):
        drawn.append(values["depth"])
        if len(drawn) == 1:  # two more slider messages arrive while the first redraw runs
            grad.controls["depth"].value = 13
            grad.controls["depth"].value = 14
        return real(values)

    monkeypatch.setattr(grad, "_draw", slow_draw)
    grad.controls["depth"].value = 5
    assert drawn == [5, 14]  # 13 was never drawn: only the latest value
    assert grad.trace.depth == 14


def test_update_refuses_bad_values(grad):
    with pytest.raises(ValueError, match="depth"):
        grad.update(depth=0)
    with pytest.raises(ValueError, match="width"):
        grad.update(width=100)
    with pytest.raises(ValueError, match="activation"):
        grad.update(activation="swish2")
    with pytest.raises(TypeError, match="unknown control"):
        grad.update(learning_rate=0.1)
    with pytest.raises(ValueError, match="depth"):
        gradient_explorer(depth=500)


def test_render_is_pure_and_deterministic(grad):
    grad.update(activation="tanh", init="xavier_normal", **SMALL)
    image, state = grad.image.value, grad.state
    a = grad.render(depth=20, activation="relu")
    b = grad.render(depth=8, gain=3.0, residual=True)
    assert grad.render(depth=20, activation="relu") == a != b
    assert grad.image.value == image and grad.state == state  # the widget is untouched
    # a fresh explorer renders the same bytes: nothing depends on history
    assert gradient_explorer(**SMALL).render(depth=20, activation="relu") == a


def test_blitted_picture_matches_a_full_redraw():
    e = gradient_explorer(depth=30, width=64, batch=16, activation="tanh")
    e.update(depth=100)  # a blitted update with new x limits
    e.update(activation="sigmoid")  # new data and new heat-map limits
    g = e.trace.grad_weight_norms  # sigmoid: the lowest layers' true gradients, below float32's range
    assert 0 < g[0] < 1e-38 and e.trace.float32_underflow[0] and "below float32's range" in e.caption.value
    np.testing.assert_array_equal(e._figure.grads.line.get_ydata(), np.where(g > 0, g, np.nan))
    # Right of the gradient panel (whose log limits keep some history on purpose) the
    # blitted picture is the full redraw, up to the antialiasing of pasted tick labels.
    live = pixels(e.image.value)[:, 400:].astype(int)
    full = pixels(e.render())[:, 400:].astype(int)
    differ = np.any(np.abs(live - full) > 100, axis=-1)
    assert differ.mean() < 0.002, f"{differ.mean():.2%} of the pixels differ"
    assert np.abs(live - full).mean() < 1.0


# --- activation and init explorers ----------------------------------------------------------


@pytest.fixture(scope="module")
def act():
    return activation_explorer("tanh")


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_explorer_every_activation(act, name):
    act.update(activation="linear" if name != "linear" else "tanh")
    assert_picture_moves(act, activation=name)
    a = ACTIVATIONS[name]
    state = act.state
    assert state["max_derivative"] == a.max_derivative and state["saturation_level"] == a.saturation_level
    slider = act.controls["parameter"]
    assert slider.disabled == (not a.params)  # switched off where the activation has no parameter (applies)
    assert state["parameter"] == (next(iter(a.params.values())) if a.params else None)


def test_activation_explorer_parameter_and_range(act):
    assert isinstance(act, ActivationExplorer)
    act.update(activation="elu")
    assert_picture_moves(act, parameter=2.0)
    assert act.state["params"] == {"alpha": 2.0} and act.state["max_derivative"] == pytest.approx(2.0)
    assert_picture_moves(act, x_range=2.5)
    act.update(activation="tanh")
    act.update(activation="elu")
    assert act.state["parameter"] == 2.0  # remembered per activation
    with pytest.raises(ValueError, match="no parameter"):
        act.update(activation="tanh", parameter=0.5)
    with pytest.raises(ValueError, match="out of range"):
        act.update(activation="leaky_relu", parameter=2.0)
    assert act.render(activation="leaky_relu") == act.render(activation="leaky_relu", parameter=0.01)


@pytest.fixture(scope="module")
def init():
    return init_explorer(depth=12, width=32, batch=16)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_init_explorer_every_activation(init, name):
    init.update(activation="linear" if name != "linear" else "tanh")
    assert_picture_moves(init, activation=name)
    state = init.state
    assert state["preactivation_second_moments"] == init.trace.preactivation_second_moments.tolist()
    assert state["predicted_variance"] is not None and len(state["predicted_variance"]) == 12
    assert init._figure.phase.title.get_text().endswith(ACTIVATIONS[name].display_name)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_init_explorer_every_init(init, name):
    init.update(activation="tanh", init="he_normal" if name != "he_normal" else "lecun_normal")
    assert_picture_moves(init, init=name)
    assert isinstance(init, InitExplorer)
    assert init.state["sigma_w"] == pytest.approx(INITIALIZERS[name].sigma_w(32, 32, init.state["gain"]))


def test_init_explorer_gain_moves_the_marker(init):
    init.update(activation="tanh", init="xavier_normal", gain=1.0, bias_std=0.0)
    x0 = init._figure.phase.marker.get_xdata()[0]
    assert_picture_moves(init, gain=2.0)
    assert init._figure.phase.marker.get_xdata()[0] == pytest.approx(2 * x0)
    assert init.state["chi1"] > 1
    assert_picture_moves(init, bias_std=1.0, depth=30)


# --- the plumbing every explorer shares (_base.Explorer, _controls) -----------------------

# Small fixed settings; the controls keep their defaults.
QUICK = {
    GradientExplorer: dict(batch=16),
    InitExplorer: dict(width=32, batch=16),
    ActivationExplorer: dict(),
    rw.RNNExplorer: dict(width=16, batch=8),
    tw.TrainingExplorer: dict(width=16, steps=20, n_per_class=20),
    ew.EdgeExplorer: dict(width=32, seeds=2, batch=8),
}
# Every control's description and range (log sliders: the value range) as the chapters and the book use them.
CONTROLS = {
    GradientExplorer: dict(activation="activation", init="init", norm="norm", residual="residual",
                           depth=("depth", 1, 100, 1), width="width", gain=("gain", 0.1, 25.0),
                           bias_std=("bias std", 0.0, 2.0)),
    InitExplorer: dict(activation="activation", init="init", depth=("depth", 1, 100, 1),
                       gain=("gain", 0.1, 10.0), bias_std=("bias std", 0.0, 2.0)),
    ActivationExplorer: dict(activation="activation", parameter=("parameter", 0.0, 1.0),
                             x_range=("x range ±", 1.0, 20.0, 0.5)),
    rw.RNNExplorer: dict(spectral_radius=("radius ρ", 0.5, 2.0), activation="activation",
                         steps=("steps T", 10, 200, 1), input_std=("input std", 0.0, 2.0)),
    tw.TrainingExplorer: dict(activation="activation", init="init", optimizer="optimizer", clip="clip",
                              depth=("depth", 2, 30, 1), gain=("gain", 0.25, 2.0),
                              lr=("lr", 1e-4, 1.0), weight_decay="w. decay"),
    ew.EdgeExplorer: dict(activation="activation", sigma_w2=("σ_w²", 0.25, 4.0), sigma_b2=("σ_b²", 0.0, 1.0),
                          depth=("depth", 2, 100, 1), c_input=("inputs' c", 0.0, 0.99)),
}


@pytest.fixture(scope="module")
def quick():
    return {cls: cls(**settings) for cls, settings in QUICK.items()}


def _range(control):
    if isinstance(control, _controls.ExactSlider):  # exact values: the first and the last
        return control.values[0], control.values[-1]
    if isinstance(control, ipywidgets.FloatLogSlider):
        return control.base ** control.min, control.base ** control.max, control.step
    return control.min, control.max, control.step


@pytest.mark.parametrize("cls", list(CONTROLS), ids=lambda c: c.__name__)
def test_controls_keep_their_names_descriptions_ranges_and_defaults(quick, cls):
    e = quick[cls]
    assert list(e.controls) == list(CONTROLS[cls])
    defaults = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()}
    for name, expected in CONTROLS[cls].items():
        control = e.controls[name]
        description, *bounds = expected if isinstance(expected, tuple) else (expected,)
        assert control.description == description
        if bounds:
            assert _range(control) == pytest.approx(tuple(bounds), rel=1e-12)
        assert e.values()[name] == defaults[name]
        if not isinstance(control, ipywidgets.Checkbox):  # a checkbox's label sits beside it, unstyled
            assert control.style.description_width == "70px"
    # one Layout per control: hiding one (the activation explorer's parameter) hides no other
    layouts = [c.layout for c in e.controls.values()]
    assert len({id(layout) for layout in layouts}) == len(layouts)


def _values(control):
    return [o[1] if isinstance(o, tuple) else o for o in control.options]


def test_the_shared_controls_take_their_options_from_the_registries(quick):
    every = [(a.label, n) for n, a in ACTIVATIONS.items()]
    for cls in (GradientExplorer, InitExplorer, ActivationExplorer):
        assert list(quick[cls].controls["activation"].options) == every
    for cls in (GradientExplorer, InitExplorer):
        assert list(quick[cls].controls["init"].options) == list(INITIALIZERS)
    norms = [("none", "none")] + [(f"{name} norm", name) for name in NORMS]
    assert list(quick[GradientExplorer].controls["norm"].options) == norms == _controls.norm_options()
    assert _values(quick[GradientExplorer].controls["width"]) == list(gw.gradient.WIDTHS)
    # the explorers that offer a subset: labels still from the registry
    for cls, module in ((rw.RNNExplorer, rw), (tw.TrainingExplorer, tw)):
        choices = list(quick[cls].controls["activation"].options)
        assert choices == [(ACTIVATIONS[n].label, n) for n in module.ACTIVATION_CHOICES]
    training = quick[tw.TrainingExplorer].controls
    assert _values(training["init"]) == list(tw.INIT_CHOICES) and set(tw.INIT_CHOICES) <= set(INITIALIZERS)
    assert _values(training["optimizer"]) == list(OPTIMIZERS)
    assert _values(training["clip"]) == ["none"] + [n for n in CLIPPERS if n != "none"]
    assert _values(training["weight_decay"]) == list(tw.WEIGHT_DECAYS)
    # each call builds new widgets
    assert _controls.activation_dropdown() is not _controls.activation_dropdown()


def test_none_is_the_other_spelling_of_no_norm(grad):
    grad.update(norm="batch", **SMALL)
    grad.update(norm="none")
    assert grad.controls["norm"].value == "none" and grad.controls["norm"].index == 0  # selected, not blank
    assert grad.values()["norm"] is None and grad.trace.config["norm"] is None
    grad.update(norm="batch")
    grad.update(norm=None)  # the package's spelling selects the same option
    assert grad.controls["norm"].label == "none" and grad.state["norm"] is None
    with pytest.raises(ValueError, match="norm"):
        grad.update(norm="group")


def _count_computes(explorer, monkeypatch) -> list:
    calls = []
    if isinstance(explorer, tw.TrainingExplorer):
        real, name = explorer._picture, "_picture"
    else:
        real, name = explorer._compute, "_compute"

    def counted(values):
        calls.append(dict(values))
        return real(values)

    monkeypatch.setattr(explorer, name, counted)
    return calls


MOVES = {  # (update(...), a control moved as the browser moves it)
    GradientExplorer: (dict(depth=7, activation="relu", gain=1.5), ("activation", "elu")),
    InitExplorer: (dict(depth=7, init="he_normal", bias_std=0.5), ("activation", "elu")),
    ActivationExplorer: (dict(activation="elu", parameter=0.5, x_range=3.0), ("activation", "leaky_relu")),
    rw.RNNExplorer: (dict(spectral_radius=1.5, steps=30), ("activation", "relu")),
    tw.TrainingExplorer: (dict(depth=3, optimizer="sgd", lr=0.1), ("activation", "relu")),
    ew.EdgeExplorer: (dict(depth=7, sigma_w2=1.5, c_input=0.3), ("sigma_b2", 0.2)),
}


@pytest.mark.parametrize("cls", list(MOVES), ids=lambda c: c.__name__)
def test_one_compute_and_one_draw_per_change(quick, cls, monkeypatch):
    e = quick[cls]
    calls = _count_computes(e, monkeypatch)
    figure, redraws = e._figure, e.redraws
    controls, (name, value) = MOVES[cls]
    e.update(**controls)  # several controls at once: one picture
    assert (len(calls), e.redraws) == (1, redraws + 1)
    e.controls[name].value = value  # a browser change (for the activation explorer it reconfigures a slider)
    assert (len(calls), e.redraws) == (2, redraws + 2)
    assert e.values()[name] == value
    png, state = e.image.value, repr(e.state)
    e.render(**{name: e.values()[name]})  # render draws elsewhere: no redraw, the same live picture
    assert e.redraws == redraws + 2 and e.image.value == png and repr(e.state) == state
    if e.figure_class is not None:  # the base keeps one live figure and one render figure
        assert e._figure is figure and isinstance(figure, e.figure_class)
        assert isinstance(e._render_figure, e.figure_class) and e._render_figure is not figure
        assert e._figure.canvas.full_draws == 1  # the live figure is blitted, never drawn in full again


def test_the_result_is_what_the_picture_shows(quick):
    g = quick[GradientExplorer]
    assert isinstance(g.result, gw.gradient.Probed) and g.trace is g.result.trace
    np.testing.assert_array_equal(g.prediction, predicted_grad_norms(g.trace))
    i = quick[InitExplorer]
    assert i.trace is i.result.trace and i.predictions["variance"] is i.result.variance
    a = quick[ActivationExplorer]
    assert a.activation is a.result.activation and a.result.x_range == (-a.values()["x_range"], a.values()["x_range"])
    r = quick[rw.RNNExplorer]
    assert r.trace is r.result.trace and r.result.max_steps == r.values()["steps"]


# --- what a learner meets in the browser (issue 19): exact values, "none", phases, layout, fallback ---------

EXACT = {  # explorer -> {control: a value a chapter gives it}
    GradientExplorer: dict(gain=1.5, bias_std=0.05),
    InitExplorer: dict(gain=0.8, bias_std=0.1),
    ActivationExplorer: dict(activation="leaky_relu", parameter=0.01),
    rw.RNNExplorer: dict(spectral_radius=1.1),
    tw.TrainingExplorer: dict(lr=3e-3, gain=1.5),
}


@pytest.mark.parametrize("cls", list(EXACT), ids=lambda c: c.__name__)
def test_sliders_keep_a_chapters_values_exactly(quick, cls):
    e = quick[cls]
    e.update(**EXACT[cls])
    for name, value in EXACT[cls].items():
        control = e.controls[name]
        assert e.values()[name] == value and type(e.values()[name]) is type(value)
        if isinstance(control, _controls.ExactSlider):
            # the browser sends an index: every option it can send is the float of its label
            assert all(v == float(label) for label, v in control.options)
            control.index = control.index + 1  # a step right, as a key press sends it
            control.index = control.index - 1  # and back
            assert e.values()[name] == value


def test_the_chapters_round_numbers_are_on_the_sliders():
    gain = _controls.gain_slider(high=25.0)
    assert {0.5, 0.8, 1.0, 1.25, 1.5, 2.0, 4.0, 10.0, 25.0} <= set(gain.values)
    steps = np.diff(np.log10(gain.values))
    assert steps.max() < 0.1  # about even on a log scale: no jump of more than 26 %
    assert 3e-3 in tw.LEARNING_RATES and 0.05 in tw.LEARNING_RATES and 0.1 in tw.LEARNING_RATES
    elu = activation_explorer("elu")
    assert elu.values()["parameter"] == 1.0 and elu.controls["parameter"].label == "1"
    odd = gradient_explorer(gain=10.15, **SMALL)  # a value between the options is offered too
    assert odd.values()["gain"] == 10.15 and odd.controls["gain"].label == "10.15"
    with pytest.raises(ValueError, match=r"gain=30 is out of range; allowed: \[0.1, 25\]"):
        odd.update(gain=30)


def test_clip_none_stays_selected(quick):
    e = quick[tw.TrainingExplorer]
    for value in (None, "none"):
        e.update(clip=value)
        assert e.controls["clip"].label == "none" and e.values()["clip"] is None


@pytest.mark.parametrize("factory, settings", [
    (gradient_explorer, dict(activation="relu", init="he_normal")),
    (init_explorer, dict(activation="relu", init="he_normal")),
    (gradient_explorer, dict(activation="tanh", init="xavier_normal")),  # tanh's edge: sigma_w = 1
    (init_explorer, dict(activation="linear", init="xavier_normal")),
])
def test_the_phase_at_the_edge_of_chaos_reads_critical(factory, settings):
    e = factory(**settings, **SMALL)
    chi1 = e.state["chi1"]
    assert chi1 == pytest.approx(1.0, rel=1e-12)
    assert "critical" in e.caption.value and "chaotic" not in e.caption.value and "ordered" not in e.caption.value
    e.update(gain=1.1)
    assert "chaotic" in e.caption.value
    e.update(gain=0.9)
    assert "ordered" in e.caption.value


def test_activation_change_draws_once_and_an_echo_draws_nothing(monkeypatch):
    e = activation_explorer("tanh")
    calls = _count_computes(e, monkeypatch)
    for name in ("leaky_relu", "elu", "tanh", "elu"):
        e.controls["activation"].value = name  # as the browser sends it
    assert len(calls) == 4 and [c["activation"] for c in calls] == ["leaky_relu", "elu", "tanh", "elu"]
    assert calls[-1]["parameter"] == 1.0
    # the front end sends back what the kernel set (the slider's options and value followed the activation)
    slider = e.controls["parameter"]
    e._on_control(dict(owner=slider, name="value", old=slider.value, new=slider.value))
    e._on_control(dict(owner=e.controls["activation"], name="value", old="elu", new="elu"))
    assert len(calls) == 4


@pytest.mark.parametrize("cls", list(QUICK), ids=lambda c: c.__name__)
def test_controls_wrap_and_keep_their_width(quick, cls):
    e = quick[cls]
    rows = [c for c in e.children if isinstance(c, ipywidgets.HBox)]
    assert rows and all(r.layout.flex_flow == "row wrap" for r in rows)
    for control in e.controls.values():
        assert control.layout.flex == "0 0 auto"  # never squeezed: the row wraps instead
        if isinstance(control, (ipywidgets.SelectionSlider, ipywidgets.IntSlider, ipywidgets.FloatSlider)):
            assert int(control.layout.width.removesuffix("px")) >= 330  # 70 px label + >= 150 px track + readout


@pytest.mark.parametrize("cls", list(QUICK), ids=lambda c: c.__name__)
def test_a_displayed_explorer_carries_its_picture_as_a_fallback(quick, cls):
    e = quick[cls]
    bundle = e._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == e.model_id
    text = bundle["text/plain"]
    assert text.startswith(f"{cls.__name__}: ") and "run the notebook" in text
    assert all(f"{name}=" in text for name, c in e.controls.items() if not c.disabled)
    fallback = base64.b64decode(bundle["image/png"])
    assert fallback == shrink_png(bytes(e.image.value), description=text)  # the live picture, fewer colours
    assert len(fallback) < len(e.image.value) and pixels(fallback).shape == pixels(e.image.value).shape
    assert Image.open(io.BytesIO(fallback)).text["Description"] == text
    data, _ = DisplayFormatter().format(e)  # IPython passes the bundle on as it is: what a notebook stores
    assert data["image/png"] == bundle["image/png"] and "application/vnd.jupyter.widget-view+json" in data


# --- the heat map's range follows the data (probe.histogram_edges, plots.HeatmapArtists) -----------------

def _plain_forward(trace) -> np.ndarray:
    """The activations of every layer, from the stored weights by a plain float64 pass (depth, batch, width)."""
    act = ACTIVATIONS[trace.config["activation"]]
    h, out = np.asarray(trace.inputs, float), []
    for w, b in zip(trace.weights, trace.biases):
        branch = act(h @ np.asarray(w, float) + np.asarray(b, float))
        h = h + branch if trace.config["residual"] else branch
        out.append(h)
    return np.stack(out)


@pytest.mark.parametrize("settings, inside", [
    (dict(activation="sigmoid", residual=True), False),   # the stream leaves sigmoid's [0, 1]
    (dict(activation="tanh"), True),                      # tanh's [-1, 1] holds every value
    (dict(activation="relu", init="he_normal"), False),   # unbounded above: the data's largest value
    (dict(activation="linear"), False),
])
def test_heat_map_edges_follow_the_data(settings, inside):
    t = simulate(depth=20, width=64, batch=64, seed=0, dtype="float64", **settings)
    sample = _plain_forward(t).reshape(20, -1)  # 64 x 64 = 4096 values per layer: all of them are sampled
    edges = t.histogram_edges
    low, high = ACTIVATIONS[settings["activation"]].output_range
    if inside:
        assert (edges[0], edges[-1]) == (low, high)
    else:
        assert edges[0] <= sample.min() and sample.max() <= edges[-1]  # nothing beyond the edges
        assert edges[-1] < 1.7 * sample.max()  # and not much further: a round number just above
    # the probe's histograms are those of the plain pass with these edges (values beyond: none left)
    expected = np.stack([np.histogram(np.clip(layer, edges[0], edges[-1]), bins=edges)[0] for layer in sample])
    np.testing.assert_allclose(t.activation_histograms, expected / sample.shape[1], atol=1e-12)


def test_heat_map_says_when_the_data_leaves_the_activations_range():
    e = gradient_explorer(depth=30, width=64, batch=64, activation="sigmoid", residual=True)
    assert e._figure.heat.note.get_text().startswith("values beyond Sigmoid's range [0, 1]")
    from gradnotes.plots.gradients import NOTE_HEADROOM

    lo, hi = e._figure.heat.ax.get_ylim()
    first, last = e.trace.histogram_edges[0], e.trace.histogram_edges[-1]
    assert last > 5 and e._figure.heat.image.get_extent()[2:] == [first, last]  # the map: the data's range
    assert lo == first and hi == pytest.approx(last + NOTE_HEADROOM * (last - first))  # and the note's band above
    e.update(residual=False)
    assert e._figure.heat.note.get_text() == "" and e._figure.heat.ax.get_ylim() == (0.0, 1.0)


def test_heat_map_ticks_of_an_exploding_network_need_no_offset_text():
    # linear, gain 2: the activations grow 4x per layer, to ~1e30; the blitted ticks draw no offset text
    e = gradient_explorer(depth=100, width=64, batch=16, activation="linear", gain=2.0)
    edges = e.trace.histogram_edges
    assert np.all(np.isfinite(edges)) and edges[-1] > 1e20
    ax = e._figure.heat.ax
    labels = ax.yaxis.get_major_formatter().format_ticks(ax.get_yticks())
    assert [float(label) for label in labels] == pytest.approx(list(ax.get_yticks()), rel=1e-5, abs=1e-300)


def test_rnn_input_strength_decides_vanishing_or_exploding():
    """Chapter 4's point, through the explorer: at rho = 1.1 a tanh RNN explodes with weak inputs, vanishes with strong."""
    weak = rw.RNNExplorer(spectral_radius=1.1, activation="tanh", steps=100, input_std=0.01, width=32, batch=8)
    strong = rw.RNNExplorer(spectral_radius=1.1, activation="tanh", steps=100, input_std=1.0, width=32, batch=8)
    assert weak.state["first_over_last"] > 10 > 0.1 > strong.state["first_over_last"]
