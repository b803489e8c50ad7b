def handler(event, context):
    return {"numbers": event["numbers"], "sum": sum(event["squares"])}
