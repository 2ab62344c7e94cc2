/**
 * The discard SMTP server of `npm run bench:fanout`, in its own process so
 * its CPU and memory are not counted as Herald's. Accepts everything, keeps
 * only counts (messages, distinct recipients), reports them over IPC.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

let messages = 0;
const recipients = new Set<string>();
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 100,
  onData(stream, session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      messages++;
      for (const r of session.envelope.rcptTo) recipients.add(r.address);
      callback();
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as AddressInfo).port });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send!({ messages, recipients: recipients.size });
});
