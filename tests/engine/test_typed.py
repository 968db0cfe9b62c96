"""Records to and from JSON (engine.typed over records.py): every record round-trips, and
a tampered record (the manifest is a file a pull request may edit) is refused, never
coerced."""

import dataclasses
import json
import typing

import pytest

from reportgen import records
from reportgen.engine.typed import RecordError, dump, parse
from reportgen.report import state
from tests.helpers import fake_meta

META = fake_meta()
REF = records.ModelRef("models/6/mnist-6-98.03.keras", META)
EXAMPLES = [
    records.Sample(12, 0, {"train": {"0": ["00001.png"]}, "test": {"9": []}}),
    META,
    REF,
    records.GalleryResult(files={"3": ["3-0018-8.png"]}, wrong_count=1, per_class=[0] * 10,
                          confusion=[[1, 0], [0, 1]], metrics=[{"digit": 0, "f1": 0.5}],
                          confusion_png="/a/cm.png", confidence={"3": [0.97]},
                          top_confusions=[records.Confusion(3, 8, 1)],
                          train_confusion=[[2]], train_confusion_png="/a/t.png"),
    records.Calibration(0.004, 15, [0.9], [0.91], [10], [13], "/a/r.png"),
    records.SuspectedLabelErrors([5, 7], 1, [3, 4], [8, 9], [0.9, 0.8], [0.01, 0.1],
                                 ["3-0005-8.png"], ""),
    records.ModelChanges("a.keras", "b.keras", 0.9, 0.95, 0.05,
                         [records.Change(1, 2, 3, 2, "2-0001-2.png")], [], {},
                         [records.RobustnessChange("fog", "fog", 0.4, 0.6)]),
    records.Robustness("ab" * 32, 0, 0.98,
                       [records.CorruptionAccuracy("fog", "fog", "haze", 0.4, "fog.png")], 0,
                       "/a/robustness.png", "/a/sheet-0123456789ab.png"),
    records.ModelFigures("/a/c.png", None, "no Graphviz"),
    records.ClassCounts("0" * 64, [1] * 10, [2] * 10, "/a/class-counts.png"),
    records.CustomTestResult("intro", [records.ImageCell("7 predicted 7", "alt", "/a/7.png",
                                                         True)],
                             [records.ImageCell("7.png", "alt", "/a/7-28x28.png")], 1, 1, 1.0),
    state.HistoryRow("mlp", 6, 0, 0.98, 197, None, "mnist-6-98.03.keras", True),
    state.RunOptions("data/datasets/mnist.npz", "/assets/datasets/mnist", "data/models", None,
                       0, 12, "ci/model.keras", "auto", "mlp", ["data/test"], False),
    state.SiteState("Title", None, "Vision", REF, {"ImagesTable.jsx": "ab" * 32},
                      "ci/model.keras", None),
]


def test_every_record_has_an_example():
    defined = {c for module in (records, state) for c in vars(module).values()
               if dataclasses.is_dataclass(c) and c.__module__ == module.__name__}
    assert defined == {type(e) for e in EXAMPLES} | {records.Confusion, records.Change,
                                                       records.ImageCell,
                                                       records.CorruptionAccuracy,
                                                       records.RobustnessChange}


@pytest.mark.parametrize("record", EXAMPLES, ids=lambda r: type(r).__name__)
def test_round_trip_through_json(record):
    text = json.dumps(dump(record))
    assert parse(type(record), json.loads(text)) == record


def test_optional_and_generic_hints():
    assert parse(records.ModelRef | None, None) is None
    assert parse(dict[str, str], {"a": "b"}) == {"a": "b"}
    assert parse(records.ModelChanges | None, dump(EXAMPLES[6])) == EXAMPLES[6]


def test_older_records_parse(tmp_path):
    """Unknown keys (a field that was removed, like Calibration.n) are ignored; missing
    ones with a default take it."""
    old = dump(EXAMPLES[4]) | {"n": 10000}
    del old["reliability_png"]
    cal = parse(records.Calibration, old)
    assert cal.reliability_png is None and cal.ece == 0.004


def _set(data, path, value):
    d = data
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value
    return data


TAMPERED = [
    (records.Sample, ("per_class",), "12"),  # a string for an int
    (records.Sample, ("seed",), True),  # a bool for an int
    (records.Sample, ("files", "train", "0"), "00001.png"),  # a string for a list
    (records.Sample, ("files", "train"), ["0"]),  # a list for an object
    (records.ModelRef, ("meta", "test_accuracy"), "0.99"),
    (records.ModelRef, ("meta", "epochs"), 6.5),  # a float for an int
    (records.ModelRef, ("path",), 5),
    (records.GalleryResult, ("top_confusions", 0, "count"), None),
    (records.Calibration, ("ece",), [0.1]),
    (state.SiteState, ("components",), ["ImagesTable.jsx"]),
    (state.SiteState, ("previous_model", "meta"), "x"),
]


@pytest.mark.parametrize(("hint", "path", "value"), TAMPERED,
                         ids=[f"{h.__name__}.{'.'.join(map(str, p))}" for h, p, _ in TAMPERED])
def test_tampered_records_are_refused(hint, path, value):
    example = next(e for e in EXAMPLES if type(e) is hint)
    data = _set(json.loads(json.dumps(dump(example))), path, value)
    with pytest.raises(RecordError) as err:
        parse(hint, data)
    assert "\n" not in str(err.value) and str(path[-1]) in str(err.value)


@pytest.mark.parametrize("data", [None, 5, "x", [], {"path": "a"}, {"nan": float("nan")}])
def test_not_a_record_at_all(data):
    with pytest.raises(RecordError):
        parse(records.ModelRef, data)


def test_hints_of_every_registered_stage_parse_their_own_dump():
    from reportgen.report.stages import STAGES

    by_type = {type(e): e for e in EXAMPLES} | {str: "Vision", type(None): None}
    for stage in STAGES:
        hint = stage.result
        base = next((a for a in typing.get_args(hint) if a is not type(None)),
                    type(None) if hint is None else hint)
        assert parse(hint, dump(by_type[base])) == by_type[base], stage.name
