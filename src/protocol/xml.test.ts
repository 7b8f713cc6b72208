import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeXml, XmlWriter } from './xml.ts';

test('escapeXml escapes markup, quotes, CR and control characters', () => {
  assert.equal(escapeXml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f');
  assert.equal(escapeXml('line1\r\nline2\ttab'), 'line1&#xD;\nline2\ttab');
  assert.equal(escapeXml('\u0001'), '&#x1;');
  assert.equal(escapeXml('héllo ☃'), 'héllo ☃');
});

test('XmlWriter builds nested elements with a namespace and declaration', () => {
  const w = new XmlWriter(true).open('R', 'urn:x&y').text('a', '1').empty('b').close('R');
  assert.equal(w.toString(), '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="urn:x&amp;y"><a>1</a><b/></R>');
});
