"""Nested stacks (`AWS::Serverless::Application` with a local template) are flattened into the
root's translated document: parameters become the parent's expressions, outputs their values,
code paths relative to the root, and the local cloud serves the whole tree as one stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localcloud.template import reading
from localcloud.template.loading import load_stack
from localcloud.template.reading import local_path, read_template, stack_sources

ROOT = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function: {Runtime: python3.12}
Resources:
  ItemsFunction:
    Type: AWS::Serverless::Function
    DependsOn: [Workers, Jobs]
    Properties:
      Handler: items.handler
      CodeUri: functions/items/
      Environment:
        Variables:
          WORKER_NAME: !GetAtt Workers.Outputs.WorkerName
          WORKER_URL: !Sub "https://example.com/${Workers.Outputs.WorkerName}/${AWS::Region}"
      Events:
        Items:
          Type: HttpApi
          Properties: {Method: GET, Path: /items}
  Jobs:
    Type: AWS::SQS::Queue
  Workers:
    Type: AWS::Serverless::Application
    Properties:
      Location: stacks/workers.yaml
      Parameters:
        JobsArn: !GetAtt Jobs.Arn
        Stage: !Ref Stage
"""

WORKERS = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  JobsArn: {Type: String}
  Stage: {Type: String}
  BatchSize: {Type: Number, Default: 7}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: worker.handler
      Runtime: python3.12
      CodeUri: ../functions/worker/
      Environment:
        Variables:
          STAGE: !Ref Stage
          LABEL: !Sub "${Stage}/${AWS::Region}/${!Literal}"
          PROD: !If [IsProd, "yes", "no"]
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: !Ref JobsArn, BatchSize: !Ref BatchSize}
Outputs:
  WorkerName:
    Value: !Sub "${WorkerFunction}-${Stage}"
"""


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(reading, "CACHE_DIR", tmp_path / "cache")
    return tmp_path / "cache"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root / "template.yaml"


def test_a_nested_stack_is_served_as_part_of_the_root_stack(tmp_path: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT, "stacks/workers.yaml": WORKERS})
    stack = load_stack(template, stack_name="t", parameter_overrides={"Stage": "prod"})

    worker = stack.functions["WorkerFunction"]
    assert worker.code_dir == (tmp_path / "functions" / "worker").resolve()
    assert worker.environment == {"STAGE": "prod", "LABEL": "prod/us-east-1/${Literal}",
                                  "PROD": "yes"}
    [source] = stack.sqs_sources
    assert (source.function, source.queue, source.batch_size) == ("WorkerFunction", "Jobs", 7)
    items = stack.functions["ItemsFunction"]
    assert items.code_dir == (tmp_path / "functions" / "items").resolve()
    assert items.environment == {"WORKER_NAME": "t-WorkerFunction-prod",
                                 "WORKER_URL": "https://example.com/t-WorkerFunction-prod/us-east-1"}
    assert [route.path for route in stack.http_apis["ServerlessHttpApi"].routes] == ["/items"]


def test_child_parameters_become_the_parents_expressions(tmp_path: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT, "stacks/workers.yaml": WORKERS})
    resources = read_template(template, {}).document["Resources"]
    variables = resources["WorkerFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["STAGE"] == {"Ref": "Stage"}  # the root's parameter now
    assert variables["LABEL"] == {"Fn::Sub": ["${Stage}/${AWS::Region}/${!Literal}",
                                              {"Stage": {"Ref": "Stage"}}]}
    [mapping] = [resource["Properties"] for resource in resources.values()
                 if resource["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["Jobs", "Arn"]}
    assert local_path(resources["WorkerFunction"]["Properties"]["Code"]) == "functions/worker/"


def test_outputs_are_inlined_and_the_nested_stack_itself_is_gone(tmp_path: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT, "stacks/workers.yaml": WORKERS})
    read = read_template(template, {})
    resources = read.document["Resources"]
    assert "Workers" not in resources
    assert not any(r["Type"] == "AWS::CloudFormation::Stack" for r in resources.values())
    items = resources["ItemsFunction"]
    assert items["DependsOn"] == ["Jobs"]
    variables = items["Properties"]["Environment"]["Variables"]
    output = {"Fn::Sub": ["${WorkerFunction}-${Stage}", {"Stage": {"Ref": "Stage"}}]}
    assert variables["WORKER_NAME"] == output
    assert variables["WORKER_URL"] == {"Fn::Sub": [
        "https://example.com/${WorkersOutputsWorkerName}/${AWS::Region}",
        {"WorkersOutputsWorkerName": output}]}
    assert read.events["WorkerFunctionJobs"] == ("WorkerFunction", "Jobs")
    assert "Outputs" not in read.document
    assert read.document["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}


def test_stacks_nest_recursively_with_paths_relative_to_each_template(tmp_path: Path) -> None:
    middle = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Prefix: {Type: String, Default: mid}
Resources:
  Inner:
    Type: AWS::Serverless::Application
    Properties:
      Location: deeper/inner.yaml
      Parameters: {Name: !Sub "${Prefix}-inner"}
Outputs:
  InnerName: {Value: !GetAtt Inner.Outputs.Name}
"""
    inner = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Name: {Type: String}
Resources:
  InnerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: inner.handler
      Runtime: python3.12
      CodeUri: ../../functions/inner/
      FunctionName: !Ref Name
Outputs:
  Name: {Value: !Ref InnerFunction}
"""
    root = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Middle:
    Type: AWS::Serverless::Application
    Properties:
      Location: stacks/middle.yaml
      Parameters: {Prefix: top}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !GetAtt Middle.Outputs.InnerName}
"""
    template = write(tmp_path, {"template.yaml": root, "stacks/middle.yaml": middle,
                                "stacks/deeper/inner.yaml": inner})
    stack = load_stack(template, stack_name="t")
    function = stack.functions["InnerFunction"]
    assert (function.name, function.code_dir) == ("top-inner",
                                                  (tmp_path / "functions/inner").resolve())
    assert stack.queues["Queue"].name == "top-inner"
    assert set(stack_sources(template)) == {"template.yaml", "stacks/middle.yaml",
                                            "stacks/deeper/inner.yaml"}


def test_stack_sources_are_the_templates_as_written(tmp_path: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT, "stacks/workers.yaml": WORKERS})
    sources = stack_sources(template)
    assert list(sources) == ["template.yaml", "stacks/workers.yaml"]
    assert sources["template.yaml"]["Resources"]["Workers"]["Type"] == (
        "AWS::Serverless::Application")
    worker = sources["stacks/workers.yaml"]["Resources"]["WorkerFunction"]
    assert worker["Properties"]["CodeUri"] == "../functions/worker/"


def test_a_logical_id_in_both_stacks_is_an_error_naming_it(tmp_path: Path) -> None:
    child = WORKERS.replace("WorkerFunction", "ItemsFunction")
    template = write(tmp_path, {"template.yaml": ROOT.replace("WorkerFunction", "ItemsFunction"),
                                "stacks/workers.yaml": child})
    with pytest.raises(reading.TemplateError, match="ItemsFunction is declared by both"):
        read_template(template, {})


def test_a_missing_output_is_an_error(tmp_path: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT.replace("Outputs.WorkerName",
                                                              "Outputs.Nothing"),
                                "stacks/workers.yaml": WORKERS})
    with pytest.raises(reading.TemplateError, match="Workers has no output Nothing"):
        read_template(template, {})


def test_a_parameter_without_value_or_default_is_an_error(tmp_path: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT.replace("        Stage: !Ref Stage\n", ""),
                                "stacks/workers.yaml": WORKERS})
    with pytest.raises(reading.TemplateError, match="no value for Stage"):
        read_template(template, {})


def test_a_template_nesting_itself_is_an_error(tmp_path: Path) -> None:
    loop = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Again:\n"
            "    Type: AWS::Serverless::Application\n    Properties: {Location: template.yaml}\n")
    template = write(tmp_path, {"template.yaml": loop})
    with pytest.raises(reading.TemplateError, match="nests itself"):
        read_template(template, {})


def test_a_conditional_stacks_resources_exist_only_under_its_condition(tmp_path: Path) -> None:
    root = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  HasWorkers: !Equals [!Ref Stage, prod]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Workers:
    Type: AWS::Serverless::Application
    Condition: HasWorkers
    Properties:
      Location: stacks/workers.yaml
      Parameters: {JobsArn: !GetAtt Jobs.Arn, Stage: !Ref Stage}
"""
    template = write(tmp_path, {"template.yaml": root, "stacks/workers.yaml": WORKERS})
    production = load_stack(template, parameter_overrides={"Stage": "prod"})
    assert "WorkerFunction" in production.functions
    assert len(production.sqs_sources) == 1
    development = load_stack(template)
    assert "WorkerFunction" not in development.functions
    assert development.sqs_sources == []


def test_an_edited_nested_template_is_translated_again(tmp_path: Path, cache_dir: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT, "stacks/workers.yaml": WORKERS})
    assert load_stack(template).functions["WorkerFunction"].handler == "worker.handler"
    [entry] = cache_dir.glob("*.json")
    assert list(json.loads(entry.read_text())["sources"]) == ["stacks/workers.yaml"]

    (tmp_path / "stacks/workers.yaml").write_text(WORKERS.replace("worker.handler", "new.handler"))
    assert load_stack(template).functions["WorkerFunction"].handler == "new.handler"


def test_the_root_template_as_written_keeps_its_nested_stack(tmp_path: Path) -> None:
    template = write(tmp_path, {"template.yaml": ROOT, "stacks/workers.yaml": WORKERS})
    written = reading.load_yaml(template)
    assert written["Resources"]["Workers"]["Properties"]["Location"] == "stacks/workers.yaml"
    assert "WorkerFunction" not in written["Resources"]


SIBLING = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Origins: {Type: CommaDelimitedList}
  WorkerName: {Type: String}
Resources:
  ReportFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: report.handler
      Runtime: python3.12
      CodeUri: ../functions/report/
      Environment:
        Variables:
          ORIGINS: !Join [";", !Ref Origins]
          WORKER: !Ref WorkerName
"""


@pytest.mark.parametrize("order", [("Workers", "Reports"), ("Reports", "Workers")])
def test_a_stack_reads_a_siblings_outputs_and_lists_through_its_parent(
        tmp_path: Path, order: tuple[str, str]) -> None:
    reports = """
  Reports:
    Type: AWS::Serverless::Application
    Properties:
      Location: stacks/reports.yaml
      Parameters:
        Origins: !Join [",", !Ref Origins]
        WorkerName: !GetAtt Workers.Outputs.WorkerName
"""
    root = ROOT.replace("  Stage: {Type: String, Default: dev}\n",
                        "  Stage: {Type: String, Default: dev}\n"
                        "  Origins: {Type: CommaDelimitedList, Default: 'a.example,b.example'}\n")
    workers_at = root.index("  Workers:\n")
    root = (root[:workers_at] + reports + root[workers_at:] if order[0] == "Reports"
            else root + reports)
    template = write(tmp_path, {"template.yaml": root, "stacks/workers.yaml": WORKERS,
                                "stacks/reports.yaml": SIBLING})
    stack = load_stack(template, stack_name="t")
    assert stack.functions["ReportFunction"].environment == {
        "ORIGINS": "a.example;b.example", "WORKER": "t-WorkerFunction-dev"}


def test_a_condition_restated_by_a_child_is_shared_and_a_different_one_refused(
        tmp_path: Path) -> None:
    root = ROOT.replace("Resources:\n", "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n"
                        "Resources:\n", 1)
    template = write(tmp_path, {"template.yaml": root, "stacks/workers.yaml": WORKERS})
    assert read_template(template, {}).document["Conditions"] == {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}}

    (tmp_path / "template.yaml").write_text(root.replace("Stage, prod]", "Stage, staging]"))
    with pytest.raises(reading.TemplateError, match="IsProd is declared by both"):
        read_template(template, {})
