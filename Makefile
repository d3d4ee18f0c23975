# Thin wrappers: dev.py does the work so that a machine without make can run it too.
.PHONY: run test lint ci
run:
	python3 dev.py run
test:
	python3 dev.py test
lint:
	python3 dev.py lint
ci:
	bash .ci/run
