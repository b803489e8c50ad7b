"""Keeps each alert it is notified of (SNS) as alerts/<message id>.json, through plain boto3."""

import json
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        notification = record["Sns"]
        s3.put_object(Bucket=os.environ["ALERTS_BUCKET"],
                      Key=f"alerts/{notification['MessageId']}.json",
                      Body=json.dumps(notification))
