import json
import logging

from bcfplans.logs import JsonFormatter


def test_json_logs_are_one_object_per_line():
    record = logging.LogRecord(
        "plans", logging.WARNING, __file__, 1, "Upload %s refused", ("UP-000007",), None
    )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["message"] == "Upload UP-000007 refused"
    assert "\n" not in line
