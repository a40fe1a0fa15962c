"""Checks FHIR R4 JSON against the structure definitions, with PyPI fhir.resources (R4B models,
which R4 resources such as ours fit): unknown fields, wrong cardinality, malformed dates and
missing required elements are refused. Usage: python validate.py FILE_OR_DIR...
Prints one line per resource that fails and exits 1 when any did."""
import json
import pathlib
import sys

from fhir.resources.R4B import get_fhir_model_class


def files(args):
    for arg in args:
        path = pathlib.Path(arg)
        yield from sorted(path.glob("*.json")) if path.is_dir() else [path]


def main(args):
    failed = 0
    checked = 0
    for path in files(args):
        data = json.loads(path.read_text(encoding="utf-8"))
        resources = data if isinstance(data, list) else [data]
        for resource in resources:
            checked += 1
            try:
                get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            except Exception as error:  # the model's own error names field and reason
                failed += 1
                reason = " ".join(str(error).split())
                print(f"{path.name}: {resource.get('resourceType')}: {reason[:500]}")
    print(f"{checked} checked, {failed} invalid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
