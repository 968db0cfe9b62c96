"""Quality conditions on a page's figures (analysis.conditions)."""

from reportgen.analysis.conditions import Bounds, Figures, evaluate

FIGURES = Figures(accuracy=0.9849, lowest_recall=0.9722, lowest_recall_class="class 9",
                  ece=0.0056, accuracy_delta=-0.0071, robustness=0.7648)


def test_each_condition_passes_and_fails_at_its_bound():
    passed = evaluate(Bounds(0.98, 0.97, 0.01, 1.0, 0.75), FIGURES)
    assert [o.passed for o in passed] == [True] * 5
    assert [o.name for o in passed] == ["--min-accuracy", "--min-class-recall", "--max-ece",
                                        "--max-accuracy-drop", "--min-robustness"]
    failed = evaluate(Bounds(0.99, 0.98, 0.005, 0.5, 0.8), FIGURES)
    assert [o.passed for o in failed] == [False] * 5
    assert failed[0].line == "test accuracy 0.9849 < 0.9900 (--min-accuracy)"
    assert failed[1].line == "lowest class recall (class 9) 0.9722 < 0.9800 (--min-class-recall)"
    assert failed[3].line == ("accuracy drop from the previous model 0.71 points > 0.50 points "
                              "(--max-accuracy-drop)")
    assert evaluate(Bounds(min_accuracy=0.9849), FIGURES)[0].passed  # the bound itself holds


def test_only_the_conditions_set_are_evaluated_and_a_missing_figure_fails():
    assert evaluate(Bounds(), FIGURES) == [] and not Bounds().any()
    out = evaluate(Bounds(max_ece=0.01, max_accuracy_drop=0.5), Figures(accuracy=0.9))
    assert [(o.name, o.passed, o.value) for o in out] == [("--max-ece", False, None),
                                                          ("--max-accuracy-drop", True, None)]
    assert "no such figure" in out[0].line and "no previous model" in out[1].line
