"""The nightly digest: emails it through SES and publishes an alert through SNS."""

import os

import boto3

ses = boto3.client("ses")
sns = boto3.client("sns")


def handler(event, context):
    sent = ses.send_email(
        Source=os.environ["SENDER_EMAIL"],
        Destination={"ToAddresses": ["ada@example.com"]},
        Message={"Subject": {"Data": "Your digest"},
                 "Body": {"Text": {"Data": f"Scheduled at {event['time']}"}}})
    sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Subject="digest", Message="digest sent")
    return {"message_id": sent["MessageId"], "source": event["source"]}
