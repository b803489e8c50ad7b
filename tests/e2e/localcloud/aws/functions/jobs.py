"""Consumes jobs; a job whose body is "fail" fails alone (ReportBatchItemFailures)."""


def handler(event, context):
    failures = [{"itemIdentifier": record["messageId"]}
                for record in event["Records"] if record["body"] == "fail"]
    return {"batchItemFailures": failures}
