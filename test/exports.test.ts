import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../src/index.js';

// The public API is what src/index.ts exports. Adding or removing a name is a deliberate change:
// update this list and CHANGELOG.md together.
const PINNED = [
  'RoomError', 'checkRoomName', 'roomNameProblem', 'Rooms', 'joinCluster', 'ClusterNode', 'Services', 'natsBroker', 'ClusterError', 'natsSessionStore', 'NatsSessionStore', 'decodeSnapshot',
  'BUILTIN_COMMANDS', 'EnvelopeKind', 'MemorySessionStore', 'RequestError', 'SESSION_ERROR_MESSAGE_MAX', 'SESSION_HEADER_MAX',
  'SESSION_PROTOCOL_VERSION', 'SESSION_VERSIONS', 'SessionClient', 'SessionError', 'SessionHandle', 'SessionServer', 'SessionMachine', 'SessionState', 'acceptSession', 'classifyHello',
  'decodeEnvelope', 'emptyEnvelope', 'encodeEnvelope', 'joinEnvelope', 'randomToken', 'secretsEqual', 'snapshotBytes', 'isSessionLog', 'snapshotFromLog', 'peekSeq', 'BUILTIN_TAG', 'ByteQueue', 'CloseCode', 'CodecError', 'Communicator', 'ConfigError',
  'ConnectError', 'Connection', 'ConnectionError', 'DatagramEndpoint', 'DatagramScheme', 'DispatchError',
  'Dispatcher', 'ErrorCode', 'FALSE_WORDS', 'FramingError', 'HandshakeError', 'Limits', 'MESSAGE_VERSION',
  'Message', 'MessageError', 'MessageParseError', 'PASS', 'PRIORITY_DEFAULT', 'PRIORITY_FIRST',
  'PRIORITY_LAST', 'ParamType', 'PermanentClient', 'SECRET_CODE_PARAMETER', 'Scheme', 'SendStatus', 'Server',
  'ServerError', 'SwitchboardError', 'TRUE_WORDS', 'VERSION_PARAMETER', 'WebSocketError', 'WriteBuffer',
  'attachWebSocket', 'bindDatagram', 'bytesCodec', 'chainCallbacks', 'checkSchema', 'closeCodeFor', 'codecs',
  'concatBytes', 'connect', 'copyBytes', 'counterCallback', 'custom', 'datagram', 'datagramClient',
  'decodeUtf8', 'defineCodec', 'defineProtocol', 'delimiter', 'describeClose', 'dispatcherOptions', 'dispatcherRequests',
  'exponentialBackoff', 'fixed', 'formatAddress', 'formatBoolean', 'formatInteger', 'formatMessage',
  'formatParamAddress', 'formatTimespec', 'framing', 'hostPort', 'isAccepted', 'isIPv4', 'isIPv6',
  'isMessage', 'isSwitchboardError', 'jsonCodec', 'jsonObject', 'leads', 'lengthPrefix', 'lines',
  'linesJson', 'listen', 'loggerCallback', 'message', 'messageCodec', 'namedMessageCodec',
  'namedMessageDatagrams', 'namedMessageLines', 'namedMessages', 'paramText', 'parameterProblems',
  'parseAddress', 'parseBigInteger', 'parseBoolean', 'parseDatagramAddress', 'parseInteger', 'parseMessage',
  'parseParamAddress', 'parseTimespec', 'pauseSchedule', 'permanentClient', 'previewBytes', 'protocolName',
  'protocols', 'raw', 'serializeMessage', 'storeCallback', 'textCodec', 'timespecFromMs', 'timespecToMs',
  'toJson',
  // Observability (issue 14): channel names, metric label values, line logger.
  'ChannelName', 'REQUEST_TRACING', 'DropReason', 'RejectReason', 'RequestOutcome', 'RTT_BUCKETS_US', 'lineLogger', 'fileDestination',
];

describe('public API', () => {
  it('exports exactly the pinned names', () => {
    assert.deepEqual(Object.keys(api).sort(), [...PINNED].sort());
  });

  it('has every error code equal to its name', () => {
    for (const [k, v] of Object.entries(api.ErrorCode)) assert.equal(k, v);
  });

  it('exposes the package entry points declared in package.json', async () => {
    const { readFileSync } = await import('node:fs');
    const { repoRoot } = await import('./helpers/root.js');
    const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as {
      name: string; type: string; bin: Record<string, string>; exports: Record<string, unknown>; engines: { node: string };
    };
    assert.equal(pkg.name, 'switchboard');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.bin['switchboard'], './dist/cli/bin.js');
    assert.ok(pkg.exports['.'], 'an exports map with "."');
    assert.equal(pkg.engines.node, '>=20');
    // The package resolves itself by name (what users and the examples import).
    const self = (await import('switchboard')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(self).sort(), [...PINNED].sort());
  });
});
