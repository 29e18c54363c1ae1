/**
 * Switchboard: message-based clients and servers over TCP, TLS, Unix sockets, UDP and WebSocket.
 *
 *     import { listen, connect, protocols } from 'switchboard';
 *
 * The public API is what this file exports; a test pins the list.
 */
export * from './core/index.js';
export * from './endpoint/index.js';
export * from './dispatch/index.js';
export * from './cluster/index.js';
export type { TlsOptions, SocketOptions } from './transport/stream.js';
export type { WebSocketClientOptions, WebSocketServerOptions } from './transport/websocket.js';
