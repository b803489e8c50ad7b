"""The account and region the local cloud plays: every ARN, queue URL and pseudo parameter."""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
URL_SUFFIX = "amazonaws.com"
