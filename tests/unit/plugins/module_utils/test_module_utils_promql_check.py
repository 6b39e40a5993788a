# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""promql_check: the metric names an expression selects, a page's families, promtool's verdicts and the messages.

The syntax tests run the real promtool (Debian package prometheus), as the module does.
"""
from __future__ import annotations

import shutil

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.promql import promtool as promtool_utils
from ansible_collections.launchkit.paas.plugins.module_utils.promql.check import (
    ARGUMENT_SPEC, CHECKS, parse_expressions, run_promql_check)
from ansible_collections.launchkit.paas.plugins.module_utils.promql.exposition import parse_exposition, series_names
from ansible_collections.launchkit.paas.plugins.module_utils.promql.names import selected_names, tokenize
from ansible_collections.launchkit.paas.plugins.modules.promql_check import MODULE
from launchkit_fakes import FakeSession, reply

APP = "http://app.test"
SYNCKAIROS_PAGE = """\
# HELP synckairos_switch_cycle_duration_ms Time of one switch cycle.
# TYPE synckairos_switch_cycle_duration_ms histogram
synckairos_switch_cycle_duration_ms_bucket{le="50"} 3
synckairos_switch_cycle_duration_ms_bucket{le="+Inf"} 4
synckairos_switch_cycle_duration_ms_sum 120
synckairos_switch_cycle_duration_ms_count 4
# HELP synckairos_http_requests_total Requests served.
# TYPE synckairos_http_requests_total counter
synckairos_http_requests_total{status_code="200"} 10
# TYPE synckairos_db_write_queue_size gauge
synckairos_db_write_queue_size 0
"""
SYNCKAIROS = [
    {"name": "alert high_latency",
     "expr": "histogram_quantile(0.95, sum by (le) (rate(synckairos_switch_cycle_duration_ms_bucket[5m]))) > 50"},
    {"name": "alert error_rate",
     "expr": 'sum(rate(synckairos_http_requests_total{status_code=~"5.."}[5m])) '
             "/ sum(rate(synckairos_http_requests_total[5m]))"},
    {"name": "alert queue_backup", "expr": "synckairos_db_write_queue_size > 1000"},
]


@pytest.fixture(scope="module", name="promtool")
def fixture_promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is not installed: apt-get install prometheus (scripts/install-system-deps.sh)")
    return found


def params(**overrides):
    validated = ArgumentSpecValidator(ARGUMENT_SPEC, **CHECKS).validate(overrides)
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def check(**overrides):
    return run_promql_check(params(**overrides), False, Secrets(), clock=Clock(sleep=lambda seconds: None))


def failure(**overrides) -> ResourceError:
    with pytest.raises(ResourceError) as caught:
        check(**overrides)
    return caught.value


# ------------------------------------------------------------------------------------ selected names
@pytest.mark.parametrize("expr, metrics", [
    (SYNCKAIROS[0]["expr"], ["synckairos_switch_cycle_duration_ms_bucket"]),
    (SYNCKAIROS[1]["expr"], ["synckairos_http_requests_total"]),
    (SYNCKAIROS[2]["expr"], ["synckairos_db_write_queue_size"]),
    ("sum(x) by (le)", ["x"]),
    ("sum without (instance, job) (y)", ["y"]),
    ("count by (le, path) (z) / on(path) group_left sum(w)", ["z", "w"]),
    ("a * on(instance) group_left(job) b", ["a", "b"]),
    ("a * ignoring(code) group_right(instance, job) b", ["a", "b"]),
    ("a * on(instance) group_left b", ["a", "b"]),
    ('label_replace(up{job="api"}, "host", "$1", "instance", "(.*):.*")', ["up"]),
    ('label_join(x, "dst", ",", "a", "b")', ["x"]),
    ('{__name__="x", job="y"}', ["x"]),
    ("{__name__='single'}", ["single"]),
    ("x offset 1h", ["x"]),
    ("rate(x[5m] offset -1d2h)", ["x"]),
    ("x @ end() offset 5m + y @ start() - z @ 1609746000", ["x", "y", "z"]),
    ("max_over_time(deriv(rate(distance_covered_total[5s])[30s:5s])[10m:])", ["distance_covered_total"]),
    ("topk(5, x) + Inf - NaN * 1e3 + 0x1f + .5 + 1.5e-3 - inf", ["x"]),
    ("a > bool 1 and b or c unless d", ["a", "b", "c", "d"]),
    ("a atan2 b", ["a", "b"]),
    ('count_values("version", build_info)', ["build_info"]),
    ("quantile(0.9, x) + stddev(y) + stdvar(z) + bottomk(3, w) + group(v)", ["x", "y", "z", "w", "v"]),
    ("time() - process_start_time_seconds", ["process_start_time_seconds"]),
    ("job:http_requests:rate5m > 3", ["job:http_requests:rate5m"]),
    ("x # a comment naming not_a_metric\n+ y", ["x", "y"]),
    ("vector(1) + scalar(sum(x))", ["x"]),
    ('absent(nonexistent{job="myjob"})', ["nonexistent"]),
    ('x{path="sum(y)", method=~"GET|by"}', ["x"]),
    ("-x + x", ["x"]),
    # keywords where an operand stands are metric names, as Prometheus reads them
    ("offset", ["offset"]),
    ('sum{job="a"}', ["sum"]),
    ("end", ["end"]),
    ("SUM BY (le) (x)", ["x"]),
])
def test_selected_names(expr, metrics):
    assert selected_names(expr).metrics == metrics


@pytest.mark.parametrize("expr, unchecked", [
    ('{__name__=~"http_.*"}', ['__name__=~"http_.*"']),
    ('sum(rate({__name__=~"x_.*", job="a"}[5m])) + {__name__!="y"}', ['__name__=~"x_.*"', '__name__!="y"']),
])
def test_a_name_by_pattern_cannot_be_checked(expr, unchecked):
    selection = selected_names(expr)
    assert selection.metrics == [] and selection.unchecked == unchecked


def test_the_lexer_reads_numbers_durations_strings():
    kinds = [(token.kind, token.text) for token in tokenize('1e3 0x1f 5m 1h30m "a\\"b" `raw` x:y')]
    assert kinds == [("number", "1e3"), ("number", "0x1f"), ("duration", "5m"), ("duration", "1h30m"),
                     ("string", '"a\\"b"'), ("string", "`raw`"), ("word", "x:y")]


def test_an_unterminated_string_does_not_stop_the_lexer():
    assert selected_names('x{job="a').metrics == ["x"]


# ------------------------------------------------------------------------------------------ families
@pytest.mark.parametrize("family, kind, names", [
    ("x", "histogram", {"x_bucket", "x_sum", "x_count"}),
    ("x", "summary", {"x", "x_sum", "x_count"}),
    ("x_total", "counter", {"x_total"}),
    ("x", "counter", {"x", "x_total"}),
    ("x", "gauge", {"x"}),
    ("x", "untyped", {"x"}),
    ("x", "info", {"x_info"}),
])
def test_series_names_of_a_family(family, kind, names):
    assert series_names(family, kind) == names


def test_a_page_gives_its_families_and_series():
    page = SYNCKAIROS_PAGE + "# TYPE jobs_done counter\nplain_sample{a=\"b\"} 1 1700000000\n\n"
    exposition = parse_exposition(page)
    assert exposition.families == {
        "synckairos_switch_cycle_duration_ms": "histogram", "synckairos_http_requests_total": "counter",
        "synckairos_db_write_queue_size": "gauge", "jobs_done": "counter", "plain_sample": "untyped"}
    assert exposition.series == {
        "synckairos_switch_cycle_duration_ms_bucket", "synckairos_switch_cycle_duration_ms_sum",
        "synckairos_switch_cycle_duration_ms_count", "synckairos_http_requests_total",
        "synckairos_db_write_queue_size", "jobs_done", "jobs_done_total", "plain_sample"}


# ---------------------------------------------------------------------------------------- promtool
def test_promtool_names_each_bad_expression_by_its_index(promtool):
    errors = promtool_utils.syntax_errors(promtool, ["sum(rate(x[5m]))", "sum(rate(x[5m])", "up", "x +",
                                                     "rate(x)", "nosuchfunc(x)", 'x{a="b"} y'])
    assert errors == {
        1: "1:16: parse error: unclosed left parenthesis",
        3: "1:4: parse error: unexpected end of input",
        4: '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
        5: '1:1: parse error: unknown function with name "nosuchfunc"',
        6: '1:10: parse error: unexpected identifier "y"',
    }


def test_promtool_accepts_the_synckairos_alerts(promtool):
    assert promtool_utils.syntax_errors(promtool, [item["expr"] for item in SYNCKAIROS]) == {}


def test_promtool_version(promtool):
    assert promtool_utils.promtool_version(promtool)[0].isdigit()


def test_rule_errors_map_records_and_join_continued_lines():
    output = ('Checking rules.yml\n  FAILED:\n'
              'rules.yml: 7:15: group "promql_check", rule 2, "promql_check:expression_1": could not parse '
              'expression: 1:16: parse error: unclosed left parenthesis\n  more about it\n'
              'rules.yml: 9:15: group "promql_check", rule 3, "renamed": field \'expr\' must be set in rule\n')
    assert promtool_utils.rule_errors(output, 3) == {
        1: "1:16: parse error: unclosed left parenthesis more about it",
        2: "field 'expr' must be set in rule"}


def test_a_missing_promtool_says_what_to_install(tmp_path):
    with pytest.raises(ResourceError, match="install the Debian/Ubuntu package prometheus"):
        promtool_utils.find_promtool(str(tmp_path / "promtool"))


def test_a_promtool_that_fails_otherwise_shows_its_output(tmp_path):
    fake = tmp_path / "promtool"
    fake.write_text("#!/bin/sh\necho 'yaml: line 1: mapping values are not allowed' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(ResourceError, match="promtool check rules failed .exit code 1.: yaml: line 1"):
        promtool_utils.syntax_errors(str(fake), ["up"])


# ------------------------------------------------------------------------------------------- module
@pytest.mark.usefixtures("promtool")
def test_the_synckairos_plan_passes_and_changes_nothing():
    result = check(metrics_text=SYNCKAIROS_PAGE, expressions=SYNCKAIROS)
    assert result["changed"] is False
    assert result["metrics"] == ["synckairos_db_write_queue_size", "synckairos_http_requests_total",
                                 "synckairos_switch_cycle_duration_ms"]
    assert result["expressions"]["alert queue_backup"] == {
        "expr": "synckairos_db_write_queue_size > 1000", "metrics": ["synckairos_db_write_queue_size"],
        "unchecked": [], "ok": True}
    assert all(entry["ok"] for entry in result["expressions"].values())
    assert result["promtool_version"][0].isdigit() and "warnings" not in result


@pytest.mark.usefixtures("promtool")
def test_every_bad_expression_is_named_with_promtools_message_and_the_closest_names():
    error = failure(metrics_text=SYNCKAIROS_PAGE, expressions=[
        *SYNCKAIROS,
        {"name": "dashboard Latency / panel p95", "expr": "histogram_quantile(0.95, sum by (le) (rate(x[5m]))"},
        {"name": "alert errors", "expr": "sum(rate(synckairos_http_request_total[5m])) > up + nothing_like_it"},
    ])
    assert str(error) == (
        "1 expression is not valid PromQL (promtool): dashboard Latency / panel p95: 1:51: parse error: "
        "unclosed left parenthesis. 1 expression names metrics metrics_text does not expose: alert errors: "
        "synckairos_http_request_total (closest exposed: synckairos_http_requests_total), "
        "nothing_like_it (no exposed name is close)")
    report = error.details["expressions"]
    assert report["alert errors"]["unknown"] == ["synckairos_http_request_total", "nothing_like_it"]
    assert report["alert errors"]["closest"] == {"synckairos_http_request_total": ["synckairos_http_requests_total"],
                                                 "nothing_like_it": []}
    assert report["dashboard Latency / panel p95"]["ok"] is False and "error" in report["dashboard Latency / panel p95"]
    assert report["alert queue_backup"]["ok"] is True


@pytest.mark.usefixtures("promtool")
def test_allow_metrics_and_a_name_by_pattern():
    exprs = [{"name": "alert targets down", "expr": 'up{job="api"} == 0 or ALERTS{alertname="x"}'},
             {"name": "dashboard all http", "expr": 'sum(rate({__name__=~"synckairos_http_.*"}[5m]))'}]
    assert "ALERTS" in str(failure(metrics_text=SYNCKAIROS_PAGE, expressions=exprs))
    result = check(metrics_text=SYNCKAIROS_PAGE, expressions=exprs, allow_metrics=["up", "ALERTS"])
    assert result["expressions"]["dashboard all http"]["unchecked"] == ['__name__=~"synckairos_http_.*"']
    assert result["warnings"] == ['dashboard all http: __name__=~"synckairos_http_.*" selects metrics by a pattern; '
                                  "their names are not checked"]


@pytest.mark.usefixtures("promtool")
def test_the_page_is_fetched_as_http_check_fetches_it():
    session = FakeSession(APP).on("GET", "/metrics", reply(503, {}), reply(200, text=SYNCKAIROS_PAGE))
    result = run_promql_check(params(metrics_url=f"{APP}/metrics", expressions=SYNCKAIROS, retries=1, delay=0,
                                     headers={"Authorization": "Bearer tk-9"}),
                              False, Secrets(), session=session, clock=Clock(sleep=lambda seconds: None))
    assert len(session.calls) == 2 and session.calls[-1].headers == {"Authorization": "Bearer tk-9"}
    assert result["metrics"][0] == "synckairos_db_write_queue_size"


@pytest.mark.usefixtures("promtool")
def test_a_page_that_does_not_answer_fails_naming_its_safe_url():
    session = FakeSession(APP).on("GET", "/metrics", reply(404, {}))
    with pytest.raises(ResourceError, match=r"^GET http://app.test/metrics\?token=\*+ failed: expected status 200"):
        run_promql_check(params(metrics_url=f"{APP}/metrics?token=tk-1", expressions=SYNCKAIROS), False, Secrets(),
                         session=session)


@pytest.mark.parametrize("expressions, message", [
    ([], "expressions is empty"),
    ([{"name": "a", "expr": "up"}, {"name": "a", "expr": "up"}], "expressions[1].name 'a' is used twice"),
    ([{"name": "a", "expr": "  "}], "expressions[0] (a): expr is empty"),
    ([{"name": "", "expr": "up"}], "expressions[0].name must say what the expression is"),
])
def test_expressions_are_checked_before_anything_runs(expressions, message):
    with pytest.raises(ValueError) as caught:
        parse_expressions(expressions)
    assert str(caught.value).startswith(message)


def test_header_values_never_show(promtool):
    result = MODULE.run_in_process("launchkit.paas.promql_check", {
        "metrics_text": SYNCKAIROS_PAGE, "expressions": SYNCKAIROS, "promtool": promtool,
        "headers": {"Authorization": "Bearer tk-secret-77"}}, False, False)
    assert not result.get("failed"), result
    assert "tk-secret-77" not in str(result)


def test_metrics_url_and_metrics_text_exclude_each_other():
    result = MODULE.run_in_process("launchkit.paas.promql_check", {
        "metrics_text": "", "metrics_url": f"{APP}/metrics", "expressions": SYNCKAIROS}, False, False)
    assert result["failed"] and "mutually exclusive" in result["msg"]


@pytest.mark.usefixtures("promtool")
def test_two_expressions_with_unknown_metrics_and_two_bad_ones_are_all_named():
    error = failure(metrics_text=SYNCKAIROS_PAGE, expressions=[
        {"name": "a", "expr": "sum("}, {"name": "b", "expr": "x +"},
        {"name": "c", "expr": "synckairos_db_write_queue_sizes"}, {"name": "d", "expr": "app_up"}])
    assert str(error).startswith("2 expressions are not valid PromQL (promtool): a: ")
    assert "; b: 1:4: parse error: unexpected end of input. 2 expressions name metrics metrics_text" in str(error)
    assert str(error).endswith("c: synckairos_db_write_queue_sizes (closest exposed: synckairos_db_write_queue_size); "
                               "d: app_up (no exposed name is close)")
