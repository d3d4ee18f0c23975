"""The seed product's published phone-numbers document, made usable as a test oracle.

Reads it (tests/contract/leadping-phone-numbers-openapi.yml) and writes a copy that
Schemathesis loads: `openapi: 3.2.0` read as 3.1.0 (the document uses nothing newer); its
"object or null" properties as a generated client reads them (tests/seed_document.py:
taken literally, its `organization` refuses null); and, for each operation this API
implements, the statuses the seed page's contract adds (409 number-exists, id-taken,
inventory-exhausted; 412 If-Match; 413, 415, 422...), taken from this API's own schema,
so that only they are allowed beyond the document's own.
Every status the document declares keeps its schema, so its answers are still checked.

    .ci/published_schema.py OUR_OPENAPI_JSON OUTPUT_YAML
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.seed_document import as_clients_read_it  # noqa: E402

PUBLISHED = ROOT / "tests" / "contract" / "leadping-phone-numbers-openapi.yml"
METHODS = ("get", "put", "post", "patch", "delete")


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/"))


def main(ours_path: str, output: str) -> None:
    published = as_clients_read_it(yaml.safe_load(PUBLISHED.read_text()))
    ours = json.loads(Path(ours_path).read_text())
    published["openapi"] = "3.1.0"
    our_operations = {
        (method, shape(path)): operation
        for path, operations in ours["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
    }
    for path, operations in published["paths"].items():
        for method, operation in operations.items():
            mine = our_operations.get((method, shape(path)))
            if method not in METHODS or mine is None:
                continue
            added = sorted(set(mine["responses"]) - set(operation["responses"]))
            for status in added:
                operation["responses"][status] = {
                    "description": "Added from this API's schema (the seed page's contract).",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            if added:
                print(f"{method.upper()} {path}: also allows {', '.join(added)}")
    Path(output).write_text(yaml.safe_dump(published, sort_keys=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
