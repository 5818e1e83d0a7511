#!/usr/bin/env bash
# `make test`: the whole suite in two pytest-xdist workers, then the IAM check over the whole run.
#
# --dist loadfile hands out whole test files, so a module's fixtures (the mutation run, a browser
# server) stay in one worker. Each worker records only its own AWS calls; the controller merges
# them into test-artifacts/aws-calls-run.json, and tests/test_zz_iam_policy.py compares that file
# with docs/iam/ once every test has run. The exit status is the suite's when it failed (5 when no
# test ran), else the IAM check's. Extra arguments go to the suite's pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
RECORD=test-artifacts/aws-calls-run.json

rm -f "$RECORD"
.venv/bin/python -m pytest -n 2 --dist loadfile --ignore=tests/test_zz_iam_policy.py "$@"
suite=$?
.venv/bin/python -m pytest tests/test_zz_iam_policy.py --aws-calls-from="$RECORD"
iam=$?
exit $(( suite != 0 ? suite : iam ))
