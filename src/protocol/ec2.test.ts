import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError, InvalidParameterValue, MalformedQueryString, MissingParameter } from '../core/errors.ts';
import { protocols } from './index.ts';
import { bodyText, formRequest, loadModel, request } from './test-support.ts';

const model = loadModel('ec2');
const ec2 = protocols.ec2;
const ctx = { requestId: 'req-1' };

test('operation name comes from Action in the body or the query string', () => {
  assert.equal(ec2.operationName(formRequest({ Action: 'DescribeVpcs', Version: '2016-11-15' }), model), 'DescribeVpcs');
  assert.equal(ec2.operationName(request('GET', '/?Action=DescribeRegions&Version=2016-11-15'), model), 'DescribeRegions');
  assert.equal(ec2.operationName(formRequest({ Version: '2016-11-15' }), model), undefined);
});

test('RunInstances input: flattened lists, nested structures, numbers, booleans', () => {
  const req = formRequest({
    Action: 'RunInstances', Version: '2016-11-15', ImageId: 'ami-1', MinCount: '1', MaxCount: '3', InstanceType: 't3.micro',
    'SecurityGroupId.1': 'sg-1', 'SecurityGroupId.2': 'sg-2', UserData: 'IyEvYmluL3NoCg==', DisableApiTermination: 'true',
    'TagSpecification.1.ResourceType': 'instance', 'TagSpecification.1.Tag.1.Key': 'Name', 'TagSpecification.1.Tag.1.Value': 'web',
    'TagSpecification.1.Tag.2.Key': 'env', 'TagSpecification.1.Tag.2.Value': '',
    'Placement.AvailabilityZone': 'us-east-1a', 'Unknown.Param': 'ignored',
  });
  assert.deepEqual(ec2.parse(req, model, 'RunInstances'), {
    ImageId: 'ami-1', MinCount: 1, MaxCount: 3, InstanceType: 't3.micro', SecurityGroupIds: ['sg-1', 'sg-2'],
    UserData: 'IyEvYmluL3NoCg==', DisableApiTermination: true,
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }, { Key: 'env', Value: '' }] }],
    Placement: { AvailabilityZone: 'us-east-1a' },
  });
});

test('list elements are ordered by index, filters nest values', () => {
  const req = formRequest({
    'InstanceId.2': 'i-b', 'InstanceId.1': 'i-a', 'InstanceId.10': 'i-j',
    'Filter.1.Name': 'instance-state-name', 'Filter.1.Value.1': 'running', 'Filter.1.Value.2': 'pending', MaxResults: '5',
  });
  assert.deepEqual(ec2.parse(req, model, 'DescribeInstances'), {
    InstanceIds: ['i-a', 'i-b', 'i-j'], Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }], MaxResults: 5,
  });
});

test('queryName wins over locationName on the wire', () => {
  const req = formRequest({
    ImageId: 'ami-1', MinCount: '1', MaxCount: '1',
    'NetworkInterface.1.DeviceIndex': '0', 'NetworkInterface.1.PrivateIpAddresses.1.PrivateIpAddress': '10.0.0.5',
  });
  const out = ec2.parse(req, model, 'RunInstances') as { NetworkInterfaces: unknown };
  assert.deepEqual(out.NetworkInterfaces, [{ DeviceIndex: 0, PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5' }] }]);
});

test('bad numbers and booleans are InvalidParameterValue; missing required is MissingParameter', () => {
  assert.throws(() => ec2.parse(formRequest({ MinCount: '1', MaxCount: 'abc' }), model, 'RunInstances'),
    (e: unknown) => e instanceof InvalidParameterValue && e.message === "Invalid value 'abc' for MaxCount");
  assert.throws(() => ec2.parse(formRequest({ MinCount: '1', MaxCount: '99999999999' }), model, 'RunInstances'), InvalidParameterValue);
  assert.throws(() => ec2.parse(formRequest({ InstanceId: 'i-1', Force: 'yes' }), model, 'StopInstances'), InvalidParameterValue);
  assert.throws(() => ec2.parse(formRequest({ MinCount: '1' }), model, 'RunInstances'),
    (e: unknown) => e instanceof MissingParameter && e.message === 'The request must contain the parameter MaxCount');
  assert.throws(() => ec2.parse(formRequest({}), model, 'CreateKeyPair'),
    (e: unknown) => e instanceof MissingParameter && /KeyName/.test(e.message));
});

test('a list element without a numeric index is InvalidParameterValue', () => {
  assert.throws(() => ec2.parse(formRequest({ 'Filter.x.Name': 'a' }), model, 'DescribeInstances'), InvalidParameterValue);
});

test('malformed percent-encoding is a 400 MalformedQueryString, not a crash', () => {
  const req = formRequest('Action=DescribeVpcs&Version=2016-11-15&VpcId.1=%E0%A4%A');
  assert.throws(() => ec2.operationName(req, model), (e: unknown) => e instanceof MalformedQueryString && e.status === 400);
});

test('RunInstances output: camelCase elements, item lists, ISO timestamps, empty wrappers', () => {
  const res = ec2.serialize(model, 'RunInstances', {
    ReservationId: 'r-1', OwnerId: '000000000000', Groups: [],
    Instances: [{
      InstanceId: 'i-1', State: { Code: 0, Name: 'pending' }, LaunchTime: new Date('2026-11-27T12:00:00Z'),
      Tags: [{ Key: 'Name', Value: 'a<b & "c"' }], EbsOptimized: false, KeyName: undefined, SubnetId: null,
      NotInModel: 'dropped',
    }],
  }, ctx);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/xml;charset=UTF-8');
  assert.equal(bodyText(res.body),
    '<?xml version="1.0" encoding="UTF-8"?>\n<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>' +
    '<reservationId>r-1</reservationId><ownerId>000000000000</ownerId><groupSet/>' +
    // Members come out in model order, whatever order the handler built them in.
    '<instancesSet><item><ebsOptimized>false</ebsOptimized><tagSet><item><key>Name</key><value>a&lt;b &amp; &quot;c&quot;</value></item></tagSet>' +
    '<instanceId>i-1</instanceId><instanceState><code>0</code><name>pending</name></instanceState>' +
    '<launchTime>2026-11-27T12:00:00.000Z</launchTime></item></instancesSet>' +
    '</RunInstancesResponse>');
});

test('operations without an output answer <return>true</return>', () => {
  const res = ec2.serialize(model, 'CreateTags', {}, ctx);
  assert.match(bodyText(res.body), /<CreateTagsResponse xmlns="[^"]+"><requestId>req-1<\/requestId><return>true<\/return><\/CreateTagsResponse>$/);
});

test('errors use the EC2 envelope and the error status', () => {
  const res = ec2.serializeError(model, new AwsError('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist"), ctx);
  assert.equal(res.status, 400);
  assert.equal(res.headers['content-type'], 'text/xml;charset=UTF-8');
  assert.equal(bodyText(res.body),
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>' +
    "<Message>The instance ID &apos;i-1&apos; does not exist</Message></Error></Errors><RequestID>req-1</RequestID></Response>");
  assert.equal(ec2.serializeError(undefined, new AwsError('InternalError', 'x', { status: 500 }), ctx).status, 500);
});
