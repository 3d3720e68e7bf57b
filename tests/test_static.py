"""Static explorers (gradnotes.widgets.static): the pictures, the links, the switch, the state they leave."""

import importlib
import io
import itertools
import math

import ipywidgets
import pytest
from PIL import Image

from gradnotes import ACTIVATIONS
from gradnotes import widgets as gw
from gradnotes.widgets import _grids, static
from gradnotes.widgets._offline import SilentComm, close_tree, offline

SMALL = static.Grid({"spectral_radius": (0.5, 1.0, 2.0), "activation": ("linear", "tanh")})


@pytest.fixture(scope="module")
def live():
    return gw.RNNExplorer(spectral_radius=1.0, activation="tanh", steps=20)


@pytest.fixture(scope="module")
def small(live):
    return static.static_explorer(live, SMALL)


def test_every_grid_point_is_the_explorers_own_render_shrunk(live, small):
    assert list(small.pictures) == list(itertools.product((0.5, 1.0, 2.0), ("linear", "tanh")))
    for (radius, activation), image in small.pictures.items():
        assert image.value == static.shrink_png(live.render(spectral_radius=radius, activation=activation))
    assert len({image.value for image in small.pictures.values()}) == 6  # each setting draws its own


def test_shrunk_pictures_are_palette_pngs_of_the_same_size_smaller_and_faithful():
    live = gw.InitExplorer(depth=10, width=32, batch=16)  # a smooth colour map and a colour bar
    png = live.render(init="he_normal")
    small_png = static.shrink_png(png)
    before, after = Image.open(io.BytesIO(png)), Image.open(io.BytesIO(small_png))
    assert after.mode == "P" and after.size == before.size
    assert len(small_png) < 0.5 * len(png)
    a = before.convert("RGB").tobytes()
    b = after.convert("RGB").tobytes()
    # No pixel moves far (median cut turns the ends of a colour bar grey: errors of 60 and more).
    assert max(abs(x - y) for x, y in zip(a, b)) <= 24


def test_controls_start_at_the_explorers_values_and_links_cover_every_stack(small):
    assert small.values() == {"spectral_radius": 1.0, "activation": "tanh"}
    assert small.image is small.pictures[(1.0, "tanh")]
    radius, activation = small.controls.values()
    assert isinstance(radius, ipywidgets.SelectionSlider) and radius._options_labels == ("0.5", "1", "2")
    assert isinstance(activation, ipywidgets.Dropdown) and activation.label == ACTIVATIONS["tanh"].label
    # One outer stack switched by the first control, one inner stack per radius by the second.
    assert [len(level) for level in small.stacks] == [1, 3]
    pairs = {(link.source[0].description, id(link.target[0])) for link in small.links}
    expected = {(c.description, id(stack)) for c, level in zip(small.controls.values(), small.stacks)
                for stack in level}
    assert pairs == expected
    assert all(link.source[1] == "index" and link.target[1] == "selected_index" for link in small.links)


def test_select_moves_controls_and_stacks_together(live):
    s = static.static_explorer(live, SMALL)
    s.select(spectral_radius=2.0, activation="linear")
    assert s.values() == {"spectral_radius": 2.0, "activation": "linear"}
    assert s.image is s.pictures[(2.0, "linear")]
    assert s.stacks[0][0].selected_index == 2 and all(st.selected_index == 0 for st in s.stacks[1])
    with pytest.raises(ValueError, match="not precomputed"):
        s.select(spectral_radius=1.5)


def test_the_current_value_joins_the_grid_in_order():
    live = gw.RNNExplorer(spectral_radius=0.7, activation="relu", steps=20)
    s = static.static_explorer(live, SMALL)
    assert s.options == {"spectral_radius": [0.5, 0.7, 1.0, 2.0], "activation": ["linear", "tanh", "relu"]}
    assert s.values() == {"spectral_radius": 0.7, "activation": "relu"}


def test_equal_pictures_share_one_image_widget():
    live = gw.ActivationExplorer(activation="elu")
    grid = static.Grid({"activation": ("tanh", "elu"), "parameter": (0.5, 1.0)},
                       settings=static.GRIDS[gw.activation_explorer].settings)
    s = static.static_explorer(live, grid)
    assert s.pictures[("tanh", 0.5)] is s.pictures[("tanh", 1.0)]  # tanh has no parameter
    assert s.pictures[("elu", 0.5)] is not s.pictures[("elu", 1.0)]
    assert s.values() == {"activation": "elu", "parameter": 1.0}


def test_the_note_names_fixed_controls_and_the_download_link(live, monkeypatch):
    monkeypatch.setenv(static.DOWNLOAD_ENV, "../_sources/notebooks/04.ipynb")
    note = static.static_explorer(live, SMALL).note.value
    assert "6 precomputed pictures" in note and "steps T 20" in note
    assert "href='../_sources/notebooks/04.ipynb' download" in note
    monkeypatch.delenv(static.DOWNLOAD_ENV)
    assert "href" not in static.static_explorer(live, SMALL).note.value


@pytest.mark.parametrize("value, expected",
                         [("", False), ("0", False), ("no", False), ("1", True), ("yes", True)])
def test_enabled_reads_the_environment(value, expected, monkeypatch):
    monkeypatch.setenv(static.ENV, value)
    assert static.enabled() is expected


def test_factories_are_live_unless_the_book_build_asks(monkeypatch):
    factory = static.static_in_book(gw.rnn_explorer.__wrapped__, SMALL)
    monkeypatch.delenv(static.ENV, raising=False)
    assert isinstance(factory(steps=20), gw.RNNExplorer)
    monkeypatch.setenv(static.ENV, "1")
    made = factory(spectral_radius=2.0, steps=20)
    assert isinstance(made, gw.StaticExplorer)
    assert made.values() == {"spectral_radius": 2.0, "activation": "tanh"}
    assert factory.__doc__ == gw.rnn_explorer.__wrapped__.__doc__


def test_a_cell_can_keep_other_controls_and_a_live_explorer_ignores_them(monkeypatch):
    factory = static.static_in_book(gw.gradient_explorer.__wrapped__, static.GRIDS[gw.gradient_explorer])
    monkeypatch.setitem(static.VALUES, "residual", (None, "pre"))
    monkeypatch.setitem(static.VALUES, "norm", (None, "batch"))
    monkeypatch.setenv(static.ENV, "1")
    made = factory(depth=3, width=16, batch=8, residual=True, static_controls=("residual", "norm"))
    assert made.options == {"residual": [None, "pre", "post"], "norm": [None, "batch"]}  # True is "post"
    assert made.values() == {"residual": "post", "norm": None}
    assert [c.label for c in made.controls.values()] == ["post-activation", "none"]
    with pytest.raises(ValueError, match="no precomputed values"):
        factory(depth=3, width=16, batch=8, static_controls=("seed",))
    # values given by the cell win over the registries
    chosen = factory(depth=3, width=16, batch=8, gain=4.0, static_controls={"gain": (1.0, 12.0), "norm": None})
    assert chosen.options == {"gain": [1.0, 4.0, 12.0], "norm": [None, "batch"]}
    assert chosen.values() == {"gain": 4.0, "norm": None}
    monkeypatch.delenv(static.ENV)
    assert isinstance(factory(depth=3, width=16, batch=8, static_controls=("norm",)), gw.GradientExplorer)


def test_the_live_explorer_behind_a_static_one_never_reaches_a_front_end():
    with offline():
        live = gw.RNNExplorer(steps=20)
    assert isinstance(live.comm, SilentComm) and isinstance(live.image.comm, SilentComm)
    image_id = live.image.model_id
    assert image_id in ipywidgets.Widget.get_manager_state()["state"]
    close_tree(live)
    assert image_id not in ipywidgets.Widget.get_manager_state()["state"]
    assert live.comm is None and live.image.comm is None
    assert all(c.comm is None and c.layout.comm is None for c in live.controls.values())
    assert not isinstance(ipywidgets.IntSlider().comm, SilentComm)  # the patch is undone


@pytest.mark.parametrize("factory", list(static.GRIDS), ids=lambda f: f.__name__)
def test_every_grid_keeps_two_valid_controls_and_few_distinct_pictures(factory):
    explorer = factory.__wrapped__()
    grid = static.GRIDS[factory]
    assert len(grid.values) >= 2
    for control, values in grid.values.items():
        assert control in explorer.controls and len(values) >= 2
        if isinstance(explorer.controls[control], ipywidgets.Dropdown):
            known = {o[1] if isinstance(o, tuple) else o for o in explorer.controls[control].options}
            assert set(values) <= known
        else:
            assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)
    # Distinct settings, i.e. pictures to store: few, so that a chapter page stays light.
    points = [dict(zip(grid.values, p)) for p in itertools.product(*grid.values.values())]
    settings = {tuple(sorted((grid.settings(p) if grid.settings else p).items())) for p in points}
    assert len(settings) <= 30


# --- registration where the explorer is defined (book_explorer) -------------------------

FACTORIES = {"gradient": "gradient_explorer", "activation": "activation_explorer", "init": "init_explorer",
             "recurrent": "rnn_explorer", "training": "training_explorer", "edge": "edge_explorer"}


@pytest.mark.parametrize("module, name", FACTORIES.items())
def test_both_import_paths_give_the_same_registered_factory(module, name):
    factory = getattr(importlib.import_module(f"gradnotes.widgets.{module}"), name)
    assert getattr(gw, name) is factory
    assert factory in static.GRIDS and factory.__name__ == name
    assert factory.__wrapped__.__module__ == f"gradnotes.widgets.{module}"  # defined, and registered, there
    assert factory.__doc__ == factory.__wrapped__.__doc__  # what help() and the doctests see


def test_grids_holds_exactly_the_exported_factories_and_is_read_only():
    assert set(static.GRIDS) == {getattr(gw, name) for name in FACTORIES.values()}
    assert all(isinstance(grid, static.Grid) for grid in static.GRIDS.values())
    with pytest.raises(TypeError):
        static.GRIDS[gw.rnn_explorer] = SMALL
    with pytest.raises(TypeError):
        del static.GRIDS[gw.rnn_explorer]


def test_book_explorer_registers_the_wrapped_factory_and_makes_it_static_in_the_book(monkeypatch):
    def short_rnn_explorer(spectral_radius: float = 1.0):
        """Twenty steps."""
        return gw.RNNExplorer(spectral_radius=spectral_radius, steps=20)

    decorated = static.book_explorer(SMALL)(short_rnn_explorer)
    try:
        assert static.GRIDS[decorated] is SMALL and decorated.__wrapped__ is short_rnn_explorer
        assert short_rnn_explorer not in static.GRIDS  # the key is the object users call
        assert decorated.__name__ == "short_rnn_explorer" and decorated.__doc__ == "Twenty steps."
        monkeypatch.delenv(static.ENV, raising=False)
        assert isinstance(decorated(), gw.RNNExplorer)
        monkeypatch.setenv(static.ENV, "1")
        made = decorated(spectral_radius=2.0)
        assert isinstance(made, gw.StaticExplorer) and made.options == {
            "spectral_radius": [0.5, 1.0, 2.0], "activation": ["linear", "tanh"]}
    finally:
        del _grids._REGISTERED[decorated]  # leave the registry as the package made it
    with pytest.raises(TypeError, match="must be a Grid"):
        static.book_explorer({"steps": (10, 20)})(short_rnn_explorer)
    assert len(static.GRIDS) == len(FACTORIES)


def test_static_pictures_carry_the_panels_boxes_for_phones():
    """A multi-panel explorer picture records its panels (the book stacks them below 600 px), as chapter figures do."""
    import io
    import json

    from PIL import Image

    from gradnotes.plots.figure import PANELS
    from gradnotes.widgets.gradient import GradientExplorer

    with offline():
        explorer = GradientExplorer(depth=5, width=16, batch=8)
    png = explorer.render(**explorer.values())
    image = Image.open(io.BytesIO(png))
    boxes = json.loads(image.text[PANELS])
    assert len(boxes) >= 3
    for box in boxes:
        x0, y0, x1, y1 = box["box"] if isinstance(box, dict) else box
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
