# The two commands: `make run` brings the product up locally, `make test` runs the whole suite.
.PHONY: run test mutation bench lighthouse simulate setup clean

setup:
	@scripts/bootstrap.sh

run: setup
	@.venv/bin/python -m devstack.run

test:
	@scripts/bootstrap.sh --browser
	scripts/test.sh

mutation: setup
	.venv/bin/python scripts/mutation.py

bench: setup
	@scripts/bootstrap.sh --bench
	.venv/bin/python -m bench.run

lighthouse: setup
	@scripts/bootstrap.sh --lighthouse
	.venv/bin/python -m bench.lighthouse

simulate: setup
	.venv/bin/python -m bench.simulate

clean:
	rm -rf .venv .cache test-artifacts mutants
