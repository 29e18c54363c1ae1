/**
 * A dispatcher answering requests on a session: `listen(url, { protocol: namedMessages(),
 * session: { onRequest: dispatcherRequests(d) } })`. The request is dispatched like a received
 * message; the first message its handler sends back (`ctx.reply(...)`, `ctx.send(...)`) is the
 * reply, later ones go to the session as one-way messages. A dispatch that answers nothing is
 * answered `NO_HANDLER`.
 */
import { ErrorCode, RequestError, SendStatus } from '../core/index.js';
import type { Message } from '../core/message/index.js';
import type { RequestContext, SessionHandle } from '../endpoint/index.js';
import type { Dispatcher } from './dispatcher.js';

export function dispatcherRequests(
  dispatcher: Dispatcher,
): (session: SessionHandle<Message, Message>, msg: Message, ctx: RequestContext) => Promise<Message> {
  return (session, msg, ctx) =>
    new Promise<Message>((resolve, reject) => {
      let answered = false;
      dispatcher
        .dispatch(msg, {
          from: String(session),
          send: (m) => {
            if (answered) return session.send(m);
            answered = true;
            resolve(m);
            return SendStatus.Sent;
          },
        })
        .then(
          () => {
            if (!answered) reject(new RequestError(ErrorCode.NO_HANDLER, `the dispatcher sent no answer to ${msg.command}`, ctx.id));
          },
          reject,
        );
    });
}
