"""The template reader's view of AWS event wiring the local cloud provisions: EventBridge rules
(SAM's EventBridgeRule and raw AWS::Events::Rule), SNS subscriptions, schedules, queues with
their DLQs."""

from __future__ import annotations

from pathlib import Path

from localcloud.template.loading import load_stack

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: plaza-events}
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDlq.Arn, maxReceiveCount: 3}
  JobsDlq:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: worker.handler
      Runtime: python3.12
      CodeUri: functions/
      Events:
        Signup:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: {source: [plaza.users]}
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
        Alerts:
          Type: SNS
          Properties: {Topic: !Ref AlertsTopic, FilterPolicy: {severity: [high]}}
  AlertsTopic:
    Type: AWS::SNS::Topic
  PostedRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !GetAtt Bus.Arn
      EventPattern: {detail-type: [PostCreated]}
      Targets:
        - {Id: worker, Arn: !GetAtt Worker.Arn, Input: '{"fixed": true}'}
        - {Id: queue, Arn: !GetAtt Jobs.Arn}
"""


def test_rules_schedules_and_redrive_are_read_from_the_template(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    stack = load_stack(tmp_path / "template.yaml", stack_name="t")
    rules = {rule.name: rule for rule in stack.event_rules}
    assert set(rules) == {"Worker-Signup", "PostedRule"}  # the queue target is not ours
    assert (rules["Worker-Signup"].bus, rules["Worker-Signup"].function) == ("plaza-events",
                                                                             "Worker")
    assert rules["Worker-Signup"].pattern == {"source": ["plaza.users"]}
    assert rules["PostedRule"].bus == "plaza-events"
    assert rules["PostedRule"].input == '{"fixed": true}'
    assert [(s.function, s.expression) for s in stack.schedules] == [("Worker", "rate(1 day)")]
    assert stack.event_buses == {"Bus": "plaza-events"}
    [alerts] = stack.sns_sources
    assert (alerts.function, alerts.topic_arn) == (
        "Worker", "arn:aws:sns:us-east-1:123456789012:t-AlertsTopic")
    assert alerts.filter_policy == {"severity": ["high"]}
    jobs = stack.queues["Jobs"]
    assert (jobs.dead_letter_queue, jobs.max_receive_count) == ("JobsDlq", 3)
