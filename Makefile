PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install bytecode demo test clean docs bench

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# pip compiles bytecode when it installs a package; an editable install never does, and with
# PYTHONDONTWRITEBYTECODE set (as on our machines) every `provision` run would recompile all of
# its modules (~100 ms). Cheap when nothing changed.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q provisioner

demo: bytecode
	$(BIN)/python examples/demo.py

test: bytecode
	$(BIN)/python -m pytest -q

bench: bytecode
	$(BIN)/python -m bench

docs: $(STAMP)
	$(BIN)/python docs/gen_reference.py

clean:
	rm -rf $(VENV) .provision examples/.provision
