"""Returns the response shape named in the path, to check how the gateway maps each one."""

import base64


def handler(event, context):
    shape = event["pathParameters"]["shape"]
    if shape == "full":
        return {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Request-Count": "7"},
            "cookies": ["session=abc; HttpOnly; Path=/", "theme=dark; Path=/"],
            "body": "created",
        }
    if shape == "binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"},
                "isBase64Encoded": True, "body": base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\xff").decode()}
    if shape == "bare":
        # Not a response object: API Gateway serialises it as a 200 JSON body.
        return {"hello": "world"}
    return {"statusCode": 500, "body": "unknown shape"}
