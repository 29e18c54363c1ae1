/**
 * Sessions on a WebSocket endpoint attached to an existing HTTP server (one port for the page and
 * the endpoint), for the chat demo: what `listen(url, { session })` does, on `attachWebSocket`.
 * Built from the session server's parts until `attachWebSocket` takes `session` itself.
 */
import { ConfigError, ErrorCode } from '../../core/index.js';
import { resolveProtocol } from '../../endpoint/client.js';
import { attachWebSocket, type ListenOptions } from '../../endpoint/server.js';
import { checkSessionConfig, rawProtocol, type RawFrame, type ServerSessionConfig } from '../../endpoint/session.js';
import { SessionServer } from '../../endpoint/session-server.js';

export function attachSessions<In, Out>(
  httpServer: Parameters<typeof attachWebSocket>[0],
  options: ListenOptions<In, Out> & { path?: string; session: ServerSessionConfig<In, Out> },
): SessionServer<In, Out> {
  const cfg = options.session;
  checkSessionConfig(cfg as ServerSessionConfig<unknown, unknown>);
  if (options.callbacks?.onReceive !== undefined) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'with sessions, messages go to session.onMessage: callbacks.onReceive is not used');
  }
  const user = resolveProtocol(options, true);
  const { session: _s, codec: _c, protocol: _p, callbacks, rejectMessage: _r, ...rest } = options;
  const ss = new SessionServer<In, Out>(undefined, options, cfg, user.codec);
  ss.setServer(attachWebSocket<RawFrame, RawFrame>(httpServer, { ...(rest as ListenOptions<RawFrame, RawFrame>), protocol: rawProtocol(user), callbacks: ss.callbacks(callbacks) }));
  return ss;
}
