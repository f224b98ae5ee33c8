import json


def handler(event, context):
    # One record per SQS message; returning normally deletes the whole batch.
    for record in event.get("Records", []):
        print("order received:", record["body"])
    return {"processed": len(event.get("Records", []))}
