import { ConfigError, ErrorCode } from './errors.js';

/** Schemes Switchboard understands. Stream schemes carry framed messages over a byte stream. */
export const Scheme = {
  tcp: 'tcp',
  tls: 'tls',
  unix: 'unix',
} as const;
export type Scheme = (typeof Scheme)[keyof typeof Scheme];

export type Address =
  | { readonly scheme: 'tcp' | 'tls'; readonly host: string; readonly port: number }
  | { readonly scheme: 'unix'; readonly path: string };

/**
 * Parses `tcp://host:port`, `tls://host:port`, `tcp://[::1]:port` or `unix:///absolute/path`.
 * Port 0 asks the system for a free port (servers only).
 */
export function parseAddress(url: string): Address {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!m) throw bad(url, 'expected scheme://..., for example tcp://127.0.0.1:4000 or unix:///tmp/app.sock');
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === 'unix') {
    if (!rest.startsWith('/') || rest.length < 2) throw bad(url, 'expected unix:///absolute/path');
    let path: string;
    try {
      path = decodeURIComponent(rest);
    } catch {
      throw bad(url, 'the path has a malformed %-escape');
    }
    return { scheme, path };
  }
  if (scheme !== 'tcp' && scheme !== 'tls') throw bad(url, `unknown scheme "${scheme}", expected tcp, tls or unix`);
  // The URL parser silently strips tabs and newlines and ignores an empty "?" or "#": refuse them here.
  if (/[\x00-\x20\x7f?#@\\]/.test(rest)) throw bad(url, 'expected only host:port after the scheme');
  let u: URL;
  try {
    u = new URL(`http://${rest}`);
  } catch {
    throw bad(url, 'expected host:port');
  }
  if (u.pathname !== '/' || u.search || u.hash || u.username || u.password) throw bad(url, 'expected only host:port after the scheme');
  // Read the port from the text: the URL parser drops a port equal to http's default (80).
  const portText = /:(\d+)\/?$/.exec(rest)?.[1];
  if (portText === undefined) throw bad(url, 'a port is required');
  const port = Number(portText);
  let host = u.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') throw bad(url, 'a host is required');
  return { scheme, host, port };
}

/** `127.0.0.1:8080`, `[::1]:8080`. */
export function hostPort(host: string, port: number | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

export function formatAddress(a: Address): string {
  // parseAddress decodes %-escapes in a unix path, so a literal "%" is written as "%25".
  return a.scheme === 'unix' ? `unix://${a.path.replace(/%/g, '%25')}` : `${a.scheme}://${hostPort(a.host, a.port)}`;
}

function bad(url: string, why: string): ConfigError {
  return new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid address "${url}": ${why}`);
}
