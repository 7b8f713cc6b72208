import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateAll, ROOT } from '../../scripts/codegen.ts';
import { protocolFor, protocols } from './index.ts';
import { loadModel } from './test-support.ts';

test('committed generated types match the models (run `npm run codegen` if this fails)', () => {
  const files = generateAll();
  assert.ok(files.size >= 4);
  for (const [rel, text] of files) {
    const path = join(ROOT, rel);
    assert.ok(existsSync(path), `${rel} is missing: run npm run codegen`);
    assert.ok(readFileSync(path, 'utf8') === text, `${rel} is out of date: run npm run codegen`);
  }
});

test('trimmed models carry their provenance and the full operation list', () => {
  for (const name of ['ec2', 'sts']) {
    const model = loadModel(name);
    assert.match(model._source ?? '', /^botocore \d/);
    assert.ok(model._allOperations!.length >= Object.keys(model.operations).length);
    for (const op of Object.keys(model.operations)) assert.ok(model._allOperations!.includes(op));
    assert.ok(!JSON.stringify(model).includes('"documentation"'));
  }
  assert.ok(loadModel('ec2')._allOperations!.includes('CreateVpc'), 'the full EC2 list includes operations Nimbus lacks');
});

test('protocolFor picks the model protocol', () => {
  assert.equal(protocolFor(loadModel('ec2')), protocols.ec2);
  assert.equal(protocolFor(loadModel('sts')), protocols.query);
});
