import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Msg } from './message.ts';
import { ReadyList, TimeHeap } from './structures.ts';

const msg = (mid: number) => new Msg({ mid, queueId: 1, messageId: `m${mid}`, body: 'b', md5Body: '', senderId: 's', sentAt: 0, visibleAt: 0, receiveCount: 0, firstReceiveAt: 0 });

test('TimeHeap pops in time order, skips outdated entries, compacts', () => {
  const h = new TimeHeap();
  const ms = Array.from({ length: 5000 }, (_, i) => msg(i));
  const at = new Map<Msg, number>();
  for (const m of ms) {
    const t = Math.floor(Math.random() * 100_000);
    at.set(m, t);
    h.push(t, m);
  }
  for (const m of ms.filter((_, i) => i % 3 === 0)) m.epoch++; // outdated
  h.compact();
  assert.equal(h.size, ms.filter((_, i) => i % 3 !== 0).length);
  let last = -1;
  let n = 0;
  while (h.size) {
    const t = h.peekAt();
    const m = h.popValid();
    assert.ok(m);
    assert.equal(at.get(m), t);
    assert.ok(t >= last);
    last = t;
    n++;
  }
  assert.equal(n, 3333);
  assert.equal(h.peekAt(), Infinity);
});

test('ReadyList keeps order and skips outdated entries', () => {
  const r = new ReadyList();
  const ms = Array.from({ length: 10 }, (_, i) => msg(i));
  for (const m of ms) r.push(m);
  ms[3]!.epoch++;
  const out: number[] = [];
  for (let m = r.shift(); m; m = r.shift()) out.push(m.mid);
  assert.deepEqual(out, [0, 1, 2, 4, 5, 6, 7, 8, 9]);
});
