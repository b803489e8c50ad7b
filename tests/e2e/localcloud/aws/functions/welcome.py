"""Welcomes a user who signed up (an EventBridge event) with an email through SES."""

import os

import boto3

ses = boto3.client("ses")


def handler(event, context):
    ses.send_email(
        Source=os.environ["SENDER_EMAIL"],
        Destination={"ToAddresses": [event["detail"]["email"]]},
        Message={"Subject": {"Data": f"Welcome, {event['detail']['username']}"},
                 "Body": {"Text": {"Data": f"Event {event['id']} from {event['source']}"}}})
