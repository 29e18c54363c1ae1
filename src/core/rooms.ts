/**
 * Room and service names, checked before they are used as a key or become part of a broker
 * subject. Clients choose them, so a name is untrusted input:
 *
 *     name := 1 to Limits.maxRoomNameLength (128) characters from  A-Z a-z 0-9 _ - : @ ~ +
 *
 * The set holds none of the NATS subject specials (`.` separates tokens, `*` and `>` are
 * wildcards), no space, no control character and nothing outside ASCII, so a room name is
 * always exactly one subject token and can never match, or reach, another room's subject.
 */
import { ErrorCode, SwitchboardError } from './errors.js';
import { Limits } from './limits.js';

/** A room or service name was refused, a join was not authorized, or a connection is in too many rooms. */
export class RoomError extends SwitchboardError {
  override name = 'RoomError';
}

const NAME = /^[A-Za-z0-9_\-:@~+]+$/;

/** What is wrong with `name` as a room (or service) name, or `undefined` when it is fine. */
export function roomNameProblem(name: unknown, what = 'room'): string | undefined {
  if (typeof name !== 'string') return `a ${what} name must be a string, got ${name === null ? 'null' : typeof name}`;
  if (name.length === 0) return `a ${what} name must not be empty`;
  if (name.length > Limits.maxRoomNameLength) {
    return `${what} name of ${name.length} characters, expected no more than ${Limits.maxRoomNameLength}`;
  }
  if (!NAME.test(name)) {
    const bad = [...name].find((c) => !NAME.test(c)) ?? '';
    return `${what} name ${JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name)} holds ${JSON.stringify(bad)}, expected only A-Z a-z 0-9 _ - : @ ~ +`;
  }
  return undefined;
}

/** Returns `name`, or throws `ROOM_INVALID_NAME`. */
export function checkRoomName(name: unknown, what = 'room'): string {
  const problem = roomNameProblem(name, what);
  if (problem !== undefined) throw new RoomError(ErrorCode.ROOM_INVALID_NAME, problem, { details: { what } });
  return name as string;
}
