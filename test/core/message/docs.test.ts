import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { message, parseMessage, serializeMessage, toJson } from '../../../src/core/message/index.js';
import { repoRoot } from '../../helpers/root.js';

const doc = readFileSync(join(repoRoot, 'docs/named-messages.md'), 'utf8');

/** The rows of the table that follows `heading`, as arrays of cells (header and rule rows dropped). */
function table(heading: string): string[][] {
  const at = doc.indexOf(heading);
  assert.ok(at >= 0, `docs/named-messages.md has no "${heading}"`);
  const rows = doc.slice(at).split('\n').slice(1).filter((l) => l.trim() !== '');
  const body = rows.slice(0, rows.findIndex((l) => !l.startsWith('|')));
  return body.slice(2).map((l) => l.slice(1, -1).split(' | ').map((c) => c.trim()));
}

const code = (cell: string) => /^`(.*)`$/s.exec(cell)?.[1] ?? assert.fail(`not a code cell: ${cell}`);

describe('docs/named-messages.md', () => {
  it('has an escaping table that matches what serializeMessage writes', () => {
    const rows = table('### Escaping');
    assert.ok(rows.length >= 10);
    for (const [value, wire] of rows) {
      const v = JSON.parse(code(value!)) as string;
      assert.equal(serializeMessage(message('X', { p: v })), code(wire!), value);
      assert.equal(parseMessage(code(wire!)).get('p'), v, wire);
    }
  });

  it('shows a JSON form that reads back and is written the same way', () => {
    const json = /```json\n(.*)\n```/.exec(doc)?.[1] ?? assert.fail('no json block');
    const m = parseMessage(json);
    assert.equal(toJson(m), json);
    assert.equal(String(m), '<srv1:app srv2:lockd/LOCK key=website;pid=1234;wait=true');
  });

  it('shows the issue examples byte for byte', () => {
    const rows = table("The issue's examples");
    const built = [
      message('FIRE', { name: 'Charles', length: -35 }),
      message('X', { p: 'a;b' }),
      message('UNKNOWN', { command: 'FOO' }),
      message('COMMANDS', { list: 'HELP,READY,STOP' }),
    ];
    assert.equal(rows.length, built.length);
    rows.forEach(([, line], i) => assert.equal(String(built[i]), code(line!)));
  });

  it('shows parse errors as parseMessage words them', () => {
    assert.throws(() => parseMessage('FIRE length'), { message: `at column 12: expected '=' after parameter name "length", got the end of the line` });
    assert.throws(() => parseMessage('fire'), { message: 'at column 1: command "fire" must be made of A-Z, 0-9 and _ only' });
    assert.throws(() => parseMessage('X p="abc'), { message: `at column 9: expected '"' to close the value of "p" opened at column 5, got the end of the line` });
    for (const line of ['FIRE length', 'fire', 'X p="abc']) {
      try {
        parseMessage(line);
      } catch (err) {
        assert.ok(doc.includes((err as Error).message), (err as Error).message);
      }
    }
  });
});
