"""Records each uploaded object's key and size under processed/, through plain boto3."""

import json
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 form-encodes keys
        s3.put_object(Bucket=bucket, Key=f"processed/{key.rsplit('/', 1)[-1]}.json",
                      Body=json.dumps({"key": key, "size": record["s3"]["object"]["size"],
                                       "event": record["eventName"]}))
