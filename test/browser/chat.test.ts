/**
 * `switchboard demo chat` in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core): the server is the real command in a child process; two pages join one room,
 * exchange messages, the server is SIGKILLed (the pages show "reconnecting…" and keep what is
 * typed in their outbox), restarted on the same port, and the pages exchange more. Screenshots are
 * taken at each stage, saved as PNG under a temp dir, and the text of each page is checked.
 * SWITCHBOARD_KEEP_SCREENSHOTS=1 keeps them (the path is printed as a diagnostic).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { waitFor, within } from '../helpers/net.js';
import { proxy, type Proxy } from '../helpers/proxy.js';
import { repoRoot } from '../helpers/root.js';
import { spawnLines, type ChildProcessLines } from '../interop/helpers.js';

const STEP_MS = 60_000;
const CHROMIUM = process.env['SWITCHBOARD_CHROMIUM'] ?? '/usr/bin/chromium';
const required = process.env['SWITCHBOARD_REQUIRE_INTEROP'] === '1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'];
const BIN = join(repoRoot, 'build', 'src', 'cli', 'bin.js');

const missing = spawnSync(CHROMIUM, ['--version'], { timeout: 20_000 }).status === 0 ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing && required) {
  it('Chromium is available, as SWITCHBOARD_REQUIRE_INTEROP=1 requires', () => assert.fail(`${missing}; SWITCHBOARD_REQUIRE_INTEROP=1 requires Chromium`));
}

/** Starts `switchboard demo chat --port <port>` and resolves with its port once it listens. */
async function startServer(port: number, children: ChildProcessLines[], extra: string[] = []): Promise<{ child: ChildProcessLines; port: number }> {
  const child = spawnLines(process.execPath, [BIN, 'demo', 'chat', '--port', String(port), ...extra]);
  children.push(child);
  const e = await child.waitEvent((x) => typeof x['line'] === 'string' && /^listening http:\/\//.test(x['line']), STEP_MS, 'the chat server to listen');
  return { child, port: Number(/:(\d+)\//.exec(e['line'] as string)![1]) };
}

describe('switchboard demo chat in headless Chromium', { skip: missing }, () => {
  let ctx: BrowserContext;
  let dir: string;
  const children: ChildProcessLines[] = [];
  const pageErrors: string[] = [];
  let shots = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-chat-'));
    ctx = await within(
      chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: STEP_MS, viewport: { width: 900, height: 600 } }),
      STEP_MS + 5000,
      'Chromium to start',
    );
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    for (const c of children) await c.kill();
    if (dir && process.env['SWITCHBOARD_KEEP_SCREENSHOTS'] !== '1') rmSync(dir, { recursive: true, force: true });
  });

  const open = async (url: string): Promise<Page> => {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url, { timeout: STEP_MS });
    return page;
  };
  const text = (page: Page): Promise<string> => page.innerText('body');
  const waitText = async (page: Page, want: string | RegExp, what: string): Promise<void> => {
    try {
      await page.waitForFunction(
        ([w, isRe]) => (isRe ? new RegExp(w as string).test((globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText) : (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes(w as string)),
        [typeof want === 'string' ? want : want.source, typeof want !== 'string'] as const,
        { timeout: STEP_MS },
      );
    } catch (e) {
      throw new Error(`waiting for ${what} (${String(want)}); the page shows:\n${await text(page).catch(() => '?')}`, { cause: e });
    }
  };
  /** A screenshot saved as PNG; returns the page text at that moment. */
  const shot = async (page: Page, name: string): Promise<string> => {
    const file = join(dir, `${String(++shots).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, timeout: STEP_MS });
    const png = readFileSync(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is a PNG`);
    assert.ok(png.length > 2000, `${file} has content (${png.length} bytes)`);
    return text(page);
  };
  const join_ = async (page: Page, name: string, room: string): Promise<void> => {
    await page.waitForFunction(() => ((globalThis as unknown as { document: { getElementById(id: string): unknown } }).document.getElementById('room') as { options: { length: number } } | null)?.options.length! > 0, undefined, { timeout: STEP_MS });
    await page.fill('#name', name);
    await page.selectOption('#room', room);
    await page.click('#join');
    await waitText(page, `you are ${name}`, `${name} to join`);
  };
  const say = async (page: Page, line: string): Promise<void> => {
    await page.fill('#text', line);
    await page.press('#text', 'Enter');
  };

  it('two pages chat in one room, survive a SIGKILLed and restarted server, and chat on', async (t) => {
    const first = await startServer(0, children);
    const url = `http://127.0.0.1:${first.port}/`;
    const alice = await open(url);
    const bob = await open(url);
    await waitText(alice, 'online', 'alice online');
    await waitText(bob, 'online', 'bob online');
    await join_(alice, 'alice', 'lobby');
    await join_(bob, 'bob', 'lobby');
    // Who is here: both names on both pages.
    await waitText(alice, /Here \(2\)[\s\S]*alice[\s\S]*bob/, 'alice to see bob join');
    await waitText(bob, /Here \(2\)[\s\S]*alice[\s\S]*bob/, 'bob to see both');

    await say(alice, 'hello from alice');
    await waitText(bob, 'alice: hello from alice', 'bob to get alice\'s message');
    await say(bob, 'hi alice \u2713');
    await waitText(alice, 'bob: hi alice \u2713', 'alice to get bob\'s message');
    const a1 = await shot(alice, 'alice-chatting');
    const b1 = await shot(bob, 'bob-chatting');
    for (const s of [a1, b1]) {
      assert.match(s, /online/);
      assert.match(s, /Room lobby/);
      assert.match(s, /alice: hello from alice[\s\S]*bob: hi alice \u2713/, 'both messages, in order');
    }

    // The server dies: both pages say so, and what alice types waits in her outbox.
    first.child.child.kill('SIGKILL');
    await first.child.exited;
    await waitText(alice, 'reconnecting\u2026', 'alice to notice');
    await waitText(bob, 'reconnecting\u2026', 'bob to notice');
    await say(alice, 'sent while the server was down');
    await waitText(alice, '1 waiting to be sent', 'the message in alice\'s outbox');
    const a2 = await shot(alice, 'alice-reconnecting');
    assert.match(a2, /reconnecting\u2026/);
    assert.doesNotMatch(a2, /sent while the server was down/, 'not shown before the server has it');
    assert.match(await shot(bob, 'bob-reconnecting'), /reconnecting\u2026[\s\S]*alice: hello from alice/, 'bob keeps what he saw');

    // The server comes back on the same port: the pages rejoin, the outbox is flushed.
    await startServer(first.port, children);
    await waitText(alice, 'online', 'alice back online');
    await waitText(bob, 'online', 'bob back online');
    await waitText(bob, 'alice: sent while the server was down', 'bob to get the message alice typed while the server was down');
    await waitText(alice, 'alice: sent while the server was down', 'alice to see her message delivered');
    await waitText(alice, /Here \(2\)/, 'both back in the room');
    await say(bob, 'welcome back');
    await waitText(alice, 'bob: welcome back', 'alice to get bob\'s message after the restart');
    const a3 = await shot(alice, 'alice-after-restart');
    const b3 = await shot(bob, 'bob-after-restart');
    for (const s of [a3, b3]) {
      assert.match(s, /online/);
      assert.doesNotMatch(s, /waiting to be sent/);
      assert.match(s, /alice: hello from alice[\s\S]*bob: hi alice \u2713[\s\S]*alice: sent while the server was down[\s\S]*bob: welcome back/, 'everything, once, in order');
      assert.equal(s.split('alice: sent while the server was down').length, 2, 'the outboxed message shows once');
    }
    assert.deepEqual(pageErrors, [], 'errors in the pages');
    t.diagnostic(`screenshots: ${shots} PNG files in ${dir}`);
  });

  it('with --sessions: a page cut off for a while resumes with nothing lost, without joining again', async () => {
    const server = await startServer(0, children, ['--sessions']);
    const proxies: Proxy[] = [await proxy(server.port), await proxy(server.port)];
    try {
      // Each page reaches the server through its own proxy, so one page's network can be cut.
      const alice = await open(`http://127.0.0.1:${proxies[0]!.port}/`);
      const bob = await open(`http://127.0.0.1:${proxies[1]!.port}/`);
      await waitText(alice, 'online', 'alice online');
      await waitText(bob, 'online', 'bob online');
      await join_(alice, 'alice', 'random');
      await join_(bob, 'bob', 'random');
      await waitText(alice, /Here \(2\)/, 'both in the room');
      await say(alice, 'before the cut');
      await waitText(bob, 'alice: before the cut', 'the first message');

      // Bob's network goes away for a while; alice talks meanwhile.
      proxies[1]!.cut(2500);
      await waitText(bob, 'reconnecting\u2026', 'bob to notice');
      await say(alice, 'while bob was away 1');
      await say(alice, 'while bob was away 2');
      await waitText(bob, 'online', 'bob back');
      await waitText(bob, /alice: while bob was away 1[\s\S]*alice: while bob was away 2/, 'bob to get what he missed, in order');
      // Alice's network goes away; what she types is kept by her session and sent on resume.
      proxies[0]!.cut(2500);
      await waitText(alice, 'reconnecting\u2026', 'alice to notice');
      await say(alice, 'typed while offline');
      await waitText(alice, '1 waiting to be sent', 'the message kept by alice\'s session');
      assert.match(await shot(alice, 'sessions-alice-offline'), /reconnecting\u2026[\s\S]*1 waiting to be sent/);
      await waitText(alice, 'online', 'alice back');
      await waitText(bob, 'alice: typed while offline', 'bob to get it');
      const b = await shot(bob, 'sessions-bob');
      assert.match(b, /alice: before the cut[\s\S]*alice: while bob was away 1[\s\S]*alice: while bob was away 2[\s\S]*alice: typed while offline/);
      for (const line of ['while bob was away 1', 'typed while offline']) assert.equal(b.split(line).length, 2, `${line} shows once`);
      // Resumed, not rejoined: each page joined once, and the server saw each session resume.
      const log = server.child.events.map((e) => String(e['line'] ?? ''));
      assert.equal(log.filter((l) => l === 'join bob random').length, 1, log.join('\n'));
      assert.equal(log.filter((l) => l === 'join alice random').length, 1, log.join('\n'));
      await waitFor(() => server.child.events.filter((e) => / resumed$/.test(String(e['line']))).length >= 2, STEP_MS, 'both sessions resumed on the server');
      assert.deepEqual(pageErrors, [], 'errors in the pages');
      await Promise.all([alice.close(), bob.close()]);
    } finally {
      for (const px of proxies) await px.close();
    }
  });

  it('shows typed errors for bad input: a name too long, an unknown room', async () => {
    const { port } = await startServer(0, children);
    const page = await open(`http://127.0.0.1:${port}/`);
    await waitText(page, 'online', 'online');
    await page.waitForFunction(() => ((globalThis as unknown as { document: { getElementById(id: string): unknown } }).document.getElementById('room') as { options: { length: number } } | null)?.options.length! > 0, undefined, { timeout: STEP_MS });
    // The input's maxlength stops a person; a script can still send anything.
    const send = (m: unknown): Promise<string> => page.evaluate((x) => (globalThis as unknown as { chat: { client: { send(m: unknown): string } } }).chat.client.send(x), m);
    await send({ type: 'join', name: 'x'.repeat(1000), room: 'lobby' });
    await waitText(page, 'NAME_INVALID: name must be 1 to 24 characters, got 1000', 'the name error');
    // Over the server's 4 KiB message limit: the server closes with 1009, the page says so and reconnects.
    await send({ type: 'join', name: 'x'.repeat(10_000), room: 'lobby' });
    await waitText(page, 'closed by the server: 1009', 'the close for an oversize message');
    await waitText(page, 'online', 'online again');
    await send({ type: 'join', name: 'carol', room: 'nope' });
    await waitText(page, 'ROOM_UNKNOWN', 'the room error');
    assert.match(await shot(page, 'typed-errors'), /ROOM_UNKNOWN: no room "nope", expected one of lobby, dev, random/);
    await join_(page, 'carol', 'dev');
    assert.deepEqual(pageErrors, []);
  });
});
