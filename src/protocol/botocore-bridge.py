# Test helper for botocore.test.ts: serializes requests and parses responses with the real botocore
# (what the AWS CLI and boto3 use). Reads one JSON job from stdin, prints one JSON result.
import base64, datetime, json, sys
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer


def plain(v):
    if isinstance(v, datetime.datetime):
        return {'$date': v.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'}
    if isinstance(v, (bytes, bytearray)):
        return {'$bytes': base64.b64encode(v).decode()}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items() if k != 'ResponseMetadata'}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def unplain(v):
    if isinstance(v, dict):
        if '$bytes' in v:
            return base64.b64decode(v['$bytes'])
        if '$date' in v:
            return datetime.datetime.fromisoformat(v['$date'].replace('Z', '+00:00'))
        return {k: unplain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unplain(x) for x in v]
    return v


job = json.load(sys.stdin)
model = ServiceModel(job['model'])
out = []
for case in job['cases']:
    op = model.operation_model(case['op'])
    if case['kind'] == 'serialize':
        req = create_serializer(model.metadata['protocol'], include_validation=False).serialize_to_request(unplain(case['params']), op)
        body = req['body']
        if isinstance(body, dict):
            from urllib.parse import urlencode
            body = urlencode(body)
        out.append({'body': body if isinstance(body, str) else body.decode()})
    else:
        parser = create_parser(model.metadata['protocol'])
        resp = {'body': case['body'].encode(), 'headers': case['headers'], 'status_code': case['status']}
        out.append(plain(parser.parse(resp, op.output_shape)))
print(json.dumps(out))
