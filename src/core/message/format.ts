/**
 * Reading and writing eventdispatcher named messages, one message per line (streams) or per
 * datagram. Two forms; a reader tells them apart by the first character after trimming:
 *
 *     line form   ['<' from_server ':' from_service ' '] [[server ':'] service '/'] COMMAND [' ' name '=' value (';' name '=' value)* [';']]
 *                 FIRE length=-35;name=Charles
 *                 <srv1:lockd snapcommunicator/LOCKED key=website;timeout_date=1715440881.543723981
 *
 *     JSON form   {"sent-from-server":"srv1","sent-from-service":"lockd","service":"snapcommunicator",
 *                  "command":"LOCKED","parameters":{"key":"website","timeout_date":"1715440881.543723981"}}
 *
 * Values in the line form (eventdispatcher's `message::from_string()`):
 *
 *     unquoted    runs to the next ';' or the end of the line
 *     quoted      starts with '"', runs to the next unescaped '"', which only ';' or the end may follow
 *     escapes     decoded in one left-to-right pass: \\ -> \   \n -> LF   \r -> CR   and, inside
 *                 quotes, \" -> "   Any other backslash pair is kept as it is (\t stays two characters).
 *
 * Parsing is sans-I/O and strict: any deviation is a `MessageParseError` whose message says
 * where (`at column 12: expected '=' after parameter name "name", got ';'`).
 */
import { ErrorCode, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { MessageParseError } from './errors.js';
import { Message } from './message.js';
import { commandProblem, isParameterChar, parameterNameProblem, peerNameProblem, show } from './names.js';
import { utf8Length } from '../utf8-length.js';

export { serializeMessage, toJson, jsonObject, type MessageJsonObject, type MessageParts } from './serialize.js';

export interface ParseOptions {
  /**
   * Longest input accepted, in UTF-8 bytes (the whole string, blanks included). A security
   * limit: it bounds the work and memory one message can cost.
   * @default Limits.namedMessageMaxLine (64 KiB)
   */
  maxLength?: number;
}

/** The blanks a reader trims from both ends of a line: C's `isspace` (space, \t, \n, \v, \f, \r). */
const isBlank = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

const BAD_CHAR = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Reads one message: the line form, or the JSON form when the trimmed line starts with `{`.
 * Blanks around the message are trimmed (so `\r\n` line ends work). Errors:
 *
 * - `MESSAGE_LINE_TOO_LONG`: more than `maxLength` UTF-8 bytes;
 * - `MESSAGE_SYNTAX`: not the grammar (an empty line included), with the column;
 * - `MESSAGE_INVALID_NAME`: a command, server, service or parameter name breaks its rule.
 */
export function parseMessage(line: string, options: ParseOptions = {}): Message {
  if (typeof line !== 'string') throw syntax(0, `expected a string, got a ${typeof line}`);
  const max = options.maxLength ?? Limits.namedMessageMaxLine;
  if (line.length > max / 3) {
    const size = utf8Length(line);
    if (size > max) {
      throw new MessageParseError(ErrorCode.MESSAGE_LINE_TOO_LONG, `message is ${bytes(size)}, expected no more than ${max}`, undefined, {
        details: { size, max },
      });
    }
  }
  let start = 0;
  let end = line.length;
  while (start < end && isBlank(line.charCodeAt(start))) start++;
  while (end > start && isBlank(line.charCodeAt(end - 1))) end--;
  if (start === end) throw syntax(start, 'expected a message, got an empty line');
  const bad = BAD_CHAR.exec(line);
  if (bad) {
    throw syntax(bad.index, bad[0] === '\0' ? 'NUL (U+0000) is not allowed in a message' : 'a lone surrogate is not allowed in a message (it has no UTF-8 form)');
  }
  const r = new Reader(line, start, end);
  return line.charCodeAt(start) === 0x7b ? readJsonForm(r) : readLineForm(r);
}


function syntax(pos: number, why: string): MessageParseError {
  return new MessageParseError(ErrorCode.MESSAGE_SYNTAX, why, pos + 1);
}

function invalidName(pos: number, why: string): MessageParseError {
  return new MessageParseError(ErrorCode.MESSAGE_INVALID_NAME, why, pos + 1);
}

/** A cursor over `s[pos..end)`, the trimmed message. */
class Reader {
  constructor(
    readonly s: string,
    public pos: number,
    readonly end: number,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The character at `pos` ('' at the end). */
  peek(): string {
    return this.pos < this.end ? this.s[this.pos]! : '';
  }

  /** What is at `at`, for "got ..." in error messages. */
  describe(at = this.pos): string {
    if (at >= this.end) return 'the end of the line';
    const cp = this.s.codePointAt(at)!;
    if (cp < 0x20 || cp === 0x7f) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${String.fromCodePoint(cp)}'`;
  }
}

// ---------------------------------------------------------------------------------------------
// The line form

function checkPeer(what: string, name: string, at: number): void {
  const p = peerNameProblem(what, name);
  if (p !== undefined) throw invalidName(at, p);
}

function readLineForm(r: Reader): Message {
  const s = r.s;
  let sentFromServer = '';
  let sentFromService = '';
  // '<' sent_from_server ':' sent_from_service ' '
  if (r.peek() === '<') {
    r.pos++;
    const a = r.pos;
    while (!r.atEnd && s[r.pos] !== ':' && s[r.pos] !== ' ') r.pos++;
    if (r.peek() !== ':') throw syntax(r.pos, `expected ':' after the sent-from server name, got ${r.describe()}`);
    sentFromServer = s.slice(a, r.pos);
    checkPeer('sent-from server', sentFromServer, a);
    r.pos++;
    const b = r.pos;
    while (!r.atEnd && s[r.pos] !== ' ') r.pos++;
    sentFromService = s.slice(b, r.pos);
    checkPeer('sent-from service', sentFromService, b);
    if (r.atEnd) throw syntax(r.pos, `expected ' ' and a command after the sent-from service name, got the end of the line`);
    r.pos++;
  }

  // [[server ':'] service '/'] COMMAND
  let server: string | undefined;
  let service: string | undefined;
  let serverAt = r.pos;
  let partStart = r.pos;
  while (!r.atEnd && s[r.pos] !== ' ') {
    const c = s[r.pos];
    if (c === ':') {
      if (server !== undefined || service !== undefined) {
        throw syntax(r.pos, `expected at most one ':', before the service: [[server:]service/]COMMAND, got a second ':'`);
      }
      if (r.pos === partStart) throw syntax(r.pos, `expected a server name before ':'`);
      server = s.slice(partStart, r.pos);
      checkPeer('server', server, partStart);
      serverAt = partStart;
      partStart = r.pos + 1;
    } else if (c === '/') {
      if (service !== undefined) throw syntax(r.pos, `expected at most one '/': [[server:]service/]COMMAND, got a second '/'`);
      if (r.pos === partStart) throw syntax(r.pos, `expected a service name before '/'`);
      service = s.slice(partStart, r.pos);
      checkPeer('service', service, partStart);
      partStart = r.pos + 1;
    }
    r.pos++;
  }
  const command = s.slice(partStart, r.pos);
  if (command === '') throw syntax(partStart, `expected a command, got ${r.describe(partStart)}`);
  const problem = commandProblem(command);
  if (problem !== undefined) throw invalidName(partStart, problem);
  if (server !== undefined && service === undefined) {
    throw invalidName(serverAt, `server ${show(server)} is given without a service: expected server:service/COMMAND`);
  }

  // ' ' name '=' value (';' name '=' value)* [';']
  const params = new Map<string, string>();
  if (!r.atEnd) {
    r.pos++; // the ' '
    while (!r.atEnd) {
      const nameAt = r.pos;
      while (!r.atEnd && isParameterChar(s.charCodeAt(r.pos))) r.pos++;
      const name = s.slice(nameAt, r.pos);
      if (name === '') throw syntax(r.pos, `expected a parameter name, got ${r.describe()}`);
      if (r.peek() !== '=') throw syntax(r.pos, `expected '=' after parameter name ${show(name)}, got ${r.describe()}`);
      const p = parameterNameProblem(name);
      if (p !== undefined) throw invalidName(nameAt, p);
      r.pos++; // the '='
      params.set(name, r.peek() === '"' ? readQuoted(r, name) : readUnquoted(r));
      if (!r.atEnd) r.pos++; // the ';' (a trailing one is allowed)
    }
  }
  return new Message({
    command,
    server: server ?? '',
    service: service ?? '',
    sentFromServer,
    sentFromService,
    parameters: params,
  });
}

/** A quoted value, from its opening '"' to the ';' or end that must follow the closing one. */
function readQuoted(r: Reader, name: string): string {
  const s = r.s;
  const open = r.pos++;
  let out = '';
  let run = r.pos;
  for (;;) {
    if (r.atEnd) {
      throw syntax(r.pos, `expected '"' to close the value of ${show(name)} opened at column ${open + 1}, got the end of the line`);
    }
    const c = s[r.pos];
    if (c === '"') break;
    if (c === '\\' && r.pos + 1 < r.end) {
      out += s.slice(run, r.pos) + unescape(s[r.pos + 1]!, true);
      r.pos += 2;
      run = r.pos;
      continue;
    }
    r.pos++;
  }
  out += s.slice(run, r.pos);
  r.pos++; // the closing '"'
  if (!r.atEnd && s[r.pos] !== ';') {
    throw syntax(r.pos, `expected ';' or the end of the line after the closing '"' of ${show(name)}, got ${r.describe()}`);
  }
  return out;
}

/** An unquoted value: up to the next ';' or the end. */
function readUnquoted(r: Reader): string {
  let j = r.s.indexOf(';', r.pos);
  if (j < 0 || j > r.end) j = r.end;
  const raw = r.s.slice(r.pos, j);
  r.pos = j;
  if (!raw.includes('\\')) return raw;
  let out = '';
  let run = 0;
  for (let i = 0; i < raw.length - 1; i++) {
    if (raw[i] !== '\\') continue;
    out += raw.slice(run, i) + unescape(raw[i + 1]!, false);
    i++;
    run = i + 1;
  }
  return out + raw.slice(run);
}

/** The character(s) a backslash pair stands for. Unknown pairs are kept as they are. */
function unescape(c: string, quoted: boolean): string {
  switch (c) {
    case '\\':
      return '\\';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case '"':
      return quoted ? '"' : '\\"';
    default:
      return `\\${c}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The JSON form

/** Unknown fields are skipped whatever their value, down to this depth. */
const MAX_JSON_DEPTH = 32;

/** What follows the service's value in eventdispatcher's JSON, where `,"command"` should be. */
const DAEMON_SERVICE_BUG = 'command"';

type Field = 'command' | 'server' | 'service' | 'sent-from-server' | 'sent-from-service';
const FIELDS: readonly string[] = ['command', 'server', 'service', 'sent-from-server', 'sent-from-service'];

function skipJsonBlanks(r: Reader): void {
  // RFC 8259 2: ws = space, tab, LF, CR.
  while (!r.atEnd) {
    const c = r.s.charCodeAt(r.pos);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
    r.pos++;
  }
}

function expectJson(r: Reader, ch: string, where: string): void {
  if (r.peek() !== ch) throw syntax(r.pos, `expected '${ch}' ${where}, got ${r.describe()}`);
  r.pos++;
}

/**
 * The JSON form: one object with the string fields `sent-from-server`, `sent-from-service`,
 * `server`, `service`, `command` (required) and the object `parameters`, whose values may be
 * strings, numbers (kept as written: `1.50` stays `1.50`), `true`, `false` or `null` (an empty
 * value). Other fields are skipped (forward compatibility, as eventdispatcher does); a name
 * given twice keeps its last value.
 */
function readJsonForm(r: Reader): Message {
  const found: Partial<Record<Field, { value: string; at: number }>> = {};
  const params = new Map<string, string>();
  expectJson(r, '{', 'to start the JSON form');
  skipJsonBlanks(r);
  if (r.peek() === '}') r.pos++;
  else {
    let key = '';
    for (;;) {
      if (key === 'service' && r.s.startsWith(DAEMON_SERVICE_BUG, r.pos)) {
        // eventdispatcher's to_json() writes `"service":"name"command":"X"`: no comma, and the
        // quote meant to close the service opens "command" instead. Read it as the
        // `"service":"name","command":"X"` it means, so its JSON can be read at all.
        r.pos += DAEMON_SERVICE_BUG.length;
        key = 'command';
      } else {
        if (r.peek() !== '"') throw syntax(r.pos, `expected a field name in double quotes, got ${r.describe()}`);
        key = readJsonString(r);
      }
      skipJsonBlanks(r);
      expectJson(r, ':', `after the field name ${show(key)}`);
      skipJsonBlanks(r);
      const at = r.pos;
      if (key === 'parameters') {
        if (r.peek() !== '{') throw syntax(r.pos, `expected an object for "parameters", got ${r.describe()}`);
        readJsonParameters(r, params);
      } else if (FIELDS.includes(key)) {
        if (r.peek() !== '"') throw syntax(r.pos, `expected a string for ${show(key)}, got ${r.describe()}`);
        found[key as Field] = { value: readJsonString(r), at };
      } else {
        skipJsonValue(r, 1);
      }
      skipJsonBlanks(r);
      if (r.peek() === ',') {
        r.pos++;
        skipJsonBlanks(r);
        key = '';
        continue;
      }
      if (key === 'service' && r.s.startsWith(DAEMON_SERVICE_BUG, r.pos)) continue;
      expectJson(r, '}', `or ',' after the value of ${show(key)}`);
      break;
    }
  }
  skipJsonBlanks(r);
  if (!r.atEnd) throw syntax(r.pos, `expected the end of the line after the closing '}', got ${r.describe()}`);

  const command = found.command;
  if (command === undefined) throw syntax(r.end - 1, 'expected a "command" field in the JSON form, found none');
  const problem = commandProblem(command.value);
  if (problem !== undefined) throw invalidName(command.at, problem);
  const names: Record<Exclude<Field, 'command'>, string> = {
    server: 'server',
    service: 'service',
    'sent-from-server': 'sent-from server',
    'sent-from-service': 'sent-from service',
  };
  for (const [field, what] of Object.entries(names)) {
    const f = found[field as Field];
    if (f !== undefined) checkPeer(what, f.value, f.at);
  }
  const server = found.server?.value ?? '';
  const service = found.service?.value ?? '';
  if (server !== '' && service === '') {
    throw invalidName(found.server!.at, `"server" ${show(server)} is given without a "service"`);
  }
  return new Message({
    command: command.value,
    server,
    service,
    sentFromServer: found['sent-from-server']?.value ?? '',
    sentFromService: found['sent-from-service']?.value ?? '',
    parameters: params,
  });
}

function readJsonParameters(r: Reader, params: Map<string, string>): void {
  r.pos++; // '{'
  skipJsonBlanks(r);
  if (r.peek() === '}') {
    r.pos++;
    return;
  }
  for (;;) {
    if (r.peek() !== '"') throw syntax(r.pos, `expected a parameter name in double quotes, got ${r.describe()}`);
    const nameAt = r.pos;
    const name = readJsonString(r);
    const p = parameterNameProblem(name);
    if (p !== undefined) throw invalidName(nameAt, p);
    skipJsonBlanks(r);
    expectJson(r, ':', `after parameter name ${show(name)}`);
    skipJsonBlanks(r);
    const c = r.peek();
    let value: string;
    if (c === '"') value = readJsonString(r);
    else if (c === '-' || (c >= '0' && c <= '9')) value = readJsonNumber(r);
    else if (r.s.startsWith('true', r.pos) && r.pos + 4 <= r.end) {
      value = 'true';
      r.pos += 4;
    } else if (r.s.startsWith('false', r.pos) && r.pos + 5 <= r.end) {
      value = 'false';
      r.pos += 5;
    } else if (r.s.startsWith('null', r.pos) && r.pos + 4 <= r.end) {
      value = ''; // as eventdispatcher reads it
      r.pos += 4;
    } else {
      const got = c === '{' ? 'an object' : c === '[' ? 'an array' : r.describe();
      throw syntax(r.pos, `expected a string, number, true, false or null for parameter ${show(name)}, got ${got}`);
    }
    params.set(name, value);
    skipJsonBlanks(r);
    if (r.peek() === ',') {
      r.pos++;
      skipJsonBlanks(r);
      continue;
    }
    expectJson(r, '}', `or ',' after the value of parameter ${show(name)}`);
    return;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A JSON string (RFC 8259 7), at its opening '"'. Raw control characters are accepted:
 * eventdispatcher writes a tab in a value as it is.
 */
function readJsonString(r: Reader): string {
  const s = r.s;
  const open = r.pos++;
  let out = '';
  let run = r.pos;
  for (;;) {
    if (r.atEnd) throw syntax(r.pos, `expected '"' to close the string opened at column ${open + 1}, got the end of the line`);
    const c = s[r.pos];
    if (c === '"') break;
    if (c !== '\\') {
      r.pos++;
      continue;
    }
    out += s.slice(run, r.pos);
    const e = r.pos + 1 < r.end ? s[r.pos + 1] : '';
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        const hex = s.slice(r.pos + 2, Math.min(r.pos + 6, r.end));
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw syntax(r.pos, `expected 4 hex digits after '\\u', got ${show(hex)}`);
        out += String.fromCharCode(parseInt(hex, 16));
        r.pos += 4;
        break;
      }
      default:
        throw syntax(r.pos, `expected one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX in a JSON string, got ${e === '' ? 'a lone \\' : `\\${e}`}`);
    }
    r.pos += 2;
    run = r.pos;
  }
  out += s.slice(run, r.pos);
  r.pos++; // the closing '"'
  if (LONE_SURROGATE.test(out)) throw syntax(open, 'the JSON string holds a lone surrogate (\\uD800-\\uDFFF without its pair)');
  if (out.includes('\0')) throw syntax(open, 'the JSON string holds NUL (\\u0000), which is not allowed in a message');
  return out;
}

const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** A JSON number (RFC 8259 6), returned as written. */
function readJsonNumber(r: Reader): string {
  JSON_NUMBER.lastIndex = r.pos;
  const m = JSON_NUMBER.exec(r.s);
  if (!m || r.pos + m[0].length > r.end) throw syntax(r.pos, `expected a JSON number, got ${r.describe()}`);
  r.pos += m[0].length;
  return m[0];
}

/** Skips any JSON value (for fields this reader does not know). */
function skipJsonValue(r: Reader, depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw syntax(r.pos, `expected values nested at most ${MAX_JSON_DEPTH} deep`);
  const c = r.peek();
  if (c === '"') {
    readJsonString(r);
    return;
  }
  if (c === '-' || (c >= '0' && c <= '9')) {
    readJsonNumber(r);
    return;
  }
  for (const word of ['true', 'false', 'null']) {
    if (r.s.startsWith(word, r.pos) && r.pos + word.length <= r.end) {
      r.pos += word.length;
      return;
    }
  }
  if (c !== '{' && c !== '[') throw syntax(r.pos, `expected a JSON value, got ${r.describe()}`);
  const close = c === '{' ? '}' : ']';
  r.pos++;
  skipJsonBlanks(r);
  if (r.peek() === close) {
    r.pos++;
    return;
  }
  for (;;) {
    if (c === '{') {
      if (r.peek() !== '"') throw syntax(r.pos, `expected a field name in double quotes, got ${r.describe()}`);
      readJsonString(r);
      skipJsonBlanks(r);
      expectJson(r, ':', 'after a field name');
      skipJsonBlanks(r);
    }
    skipJsonValue(r, depth + 1);
    skipJsonBlanks(r);
    if (r.peek() === ',') {
      r.pos++;
      skipJsonBlanks(r);
      continue;
    }
    expectJson(r, close, `or ','`);
    return;
  }
}
