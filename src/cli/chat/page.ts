/**
 * The chat demo's page: plain HTML and one inline module script, no framework. The script loads
 * `switchboard/browser` as native ES modules served by the demo server under /sb/ (the compiled
 * files of this package, see server.ts), so the page needs no bundler at run time.
 *
 * Everything a peer sent is put in the page with `textContent`, never as HTML.
 */

export interface PageOptions {
  /** Use sessions (the server runs them): resume with nothing lost after a dropped connection. */
  sessions: boolean;
}

const STYLE = `
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  header { display: flex; gap: 1em; align-items: center; padding: .6em 1em; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; }
  #status { padding: .1em .6em; border-radius: 1em; background: #666; font-size: .9em; }
  #status.online { background: #1f8a4c; } #status.reconnecting { background: #b5681b; }
  main { display: grid; grid-template-columns: 12em 1fr; gap: 1em; padding: 1em; max-width: 60em; }
  section { background: #fff; border-radius: 6px; padding: .8em; box-shadow: 0 1px 2px #0002; }
  #messages { list-style: none; margin: 0; padding: 0; min-height: 12em; max-height: 24em; overflow-y: auto; }
  #messages li { padding: .15em 0; } #messages .from { font-weight: 600; }
  #members { margin: 0; padding-left: 1.2em; }
  #error { color: #b00020; min-height: 1.4em; margin: 0 1em; }
  form { display: flex; gap: .5em; margin-top: .6em; } input[type=text] { flex: 1; }
  [hidden] { display: none !important; }
`;

const SCRIPT = `
import { permanentClient, sessionClient, jsonCodec, exponentialBackoff } from '/sb/browser/index.js';

const $ = (id) => document.getElementById(id);
const state = { joined: null, seen: new Set(), epoch: '', shown: 0, sessions: document.body.dataset.sessions === '1' };
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';

function setStatus(text, cls) {
  $('status').textContent = text;
  $('status').className = cls;
}

function showPending() {
  // Without sessions: the outbox. With sessions: what the server has not acknowledged while away.
  const n = state.sessions ? (client.connected ? 0 : client.unacked) : client.queued;
  $('pending').textContent = n > 0 ? n + ' waiting to be sent' : '';
}

function show(m) {
  const key = m.epoch + ':' + m.seq;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const li = document.createElement('li');
  const from = document.createElement('span');
  from.className = 'from';
  from.textContent = m.from;
  li.append(from, ': ' + m.text);
  $('messages').append(li);
  $('messages').scrollTop = $('messages').scrollHeight;
  state.shown++;
}

function members(list) {
  $('members').replaceChildren(...list.map((n) => Object.assign(document.createElement('li'), { textContent: n })));
  $('count').textContent = String(list.length);
}

function receive(m) {
  switch (m && m.type) {
    case 'hello':
      state.epoch = m.epoch;
      if ($('room').options.length === 0) {
        for (const r of m.rooms) $('room').append(Object.assign(document.createElement('option'), { value: r, textContent: r }));
      }
      $('name').maxLength = m.limits.nameMax;
      $('text').maxLength = m.limits.textMax;
      break;
    case 'joined':
      $('error').textContent = '';
      $('where').textContent = m.room;
      $('you').textContent = m.name;
      $('join-form').hidden = true;
      $('chat').hidden = false;
      members(m.members);
      for (const h of m.history) show(h);
      break;
    case 'presence':
      if (state.joined && m.room === state.joined.room) members(m.members);
      break;
    case 'message':
      show(m);
      break;
    case 'error':
      $('error').textContent = m.code + ': ' + m.message;
      if ((m.code === 'NAME_INVALID' || m.code === 'ROOM_UNKNOWN' || m.code === 'ROOM_FULL') && $('chat').hidden) state.joined = null;
      break;
  }
}

const common = {
  name: 'chat',
  backoff: exponentialBackoff({ initial: 200, max: 2000 }),
  onStatus: (s) => {
    if (s.type === 'disconnected' && s.info.code !== undefined && s.info.initiator === 'peer') {
      // The server closed on purpose (1009: a message over its limit, 1008: a flood); say why.
      $('error').textContent = 'closed by the server: ' + s.info.code + (s.info.reason ? ' ' + s.info.reason : '');
    }
    if (s.type === 'connected') setStatus('online', 'online');
    else if (s.type === 'disconnected' || s.type === 'failed') setStatus('reconnecting\u2026', 'reconnecting');
    else if (s.type === 'connecting' && s.attempt === 1 && $('status').className === '') setStatus('connecting\u2026', '');
    showPending();
  },
};
const rejoin = (conn) => {
  if (state.joined) conn.send({ type: 'join', name: state.joined.name, room: state.joined.room });
};

const client = state.sessions
  ? sessionClient(url, {
      ...common,
      codec: jsonCodec(),
      session: {
        // The session's PING every 5 s, answered by the server; 15 s of silence is a dead link.
        heartbeat: { interval: 5000, timeout: 15000 },
        // A resumed session lost nothing: the server still has us in the room. A new one after a
        // server restart: join again, and say what could not be kept.
        onOpen: (c, info) => {
          if (!info.resumed) rejoin(c);
          if (info.lost) $('error').textContent = 'the server restarted (' + info.lost.code + '): messages sent to you while you were away are lost';
        },
        onMessage: (_c, m) => receive(m),
      },
    })
  : permanentClient(url, {
      ...common,
      protocol: {
        codec: jsonCodec(),
        // The server answers { type: 'ping' } with { type: 'pong' }; silence for 15 s means the link is dead.
        heartbeat: { interval: 5000, message: { type: 'ping' }, timeout: 15000, isHeartbeat: (m) => m && m.type === 'pong' },
      },
      outbox: { maxMessages: 200 },
      // After every (re)connect, before the outbox is flushed: join the room again.
      onConnected: rejoin,
      callbacks: { onReceive: (_conn, m) => receive(m) },
    });

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.joined = { name: $('name').value, room: $('room').value };
  client.send({ type: 'join', name: state.joined.name, room: state.joined.room });
});

$('say-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (text.trim() === '') return;
  // \`as\`: a server that does not know us (it restarted) joins us before taking the message.
  const status = client.send({ type: 'say', text, as: state.joined });
  if (status === 'dropped') $('error').textContent = 'not sent: too many messages waiting';
  else $('text').value = '';
  showPending();
});

globalThis.chat = { client, state };
`;

const BODY = `
<header><h1>Switchboard chat</h1><span id="status" class="">connecting\u2026</span><span id="pending"></span></header>
<p id="error" role="alert"></p>
<main>
  <section id="join-section">
    <form id="join-form">
      <input id="name" type="text" placeholder="your name" autocomplete="off" required>
      <select id="room" aria-label="room"></select>
      <button id="join" type="submit">Join</button>
    </form>
    <div id="who"><h2>Here (<span id="count">0</span>)</h2><ul id="members"></ul></div>
  </section>
  <section id="chat" hidden>
    <div>Room <b id="where"></b>, you are <b id="you"></b></div>
    <ul id="messages" aria-live="polite"></ul>
    <form id="say-form">
      <input id="text" type="text" placeholder="message" autocomplete="off">
      <button id="send" type="submit">Send</button>
    </form>
  </section>
</main>`;

/** The whole page. */
export function chatPage(options: PageOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard chat</title><style>${STYLE}</style></head>
<body data-sessions="${options.sessions ? '1' : '0'}">${BODY}
<script type="module">${SCRIPT}</script>
</body></html>
`;
}
