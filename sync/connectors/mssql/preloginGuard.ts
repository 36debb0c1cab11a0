import type { Socket } from "node:net";
import { connectInSequence } from "tedious/lib/connector.js";

/**
 * Keeps tedious 19 from sending the login in clear when TLS is on.
 *
 * With `encrypt: true` tedious sends PRELOGIN with ENCRYPTION=ON and starts TLS only when the
 * server answers ON or REQ; on any other answer it sends LOGIN7, password included, in clear.
 * MS-TDS 2.2.6.5 leaves a server that answers NOT_SUP ("no encryption") or OFF (which, to a client
 * that does not itself encrypt the login alone, as tedious does not, also means clear text) free
 * to do so. So only ON (0x01) and REQ (0x03) are safe with tedious.
 *
 * Why in-band rather than a separate PRELOGIN probe when the pool opens: a probe answers for the
 * probe's connection only. Every pooled connection would still trust its own answer, and anyone
 * on the path who rewrites one PRELOGIN answer downgrades that connection after a clean probe; a
 * probe also costs a connection per pool. Here the guard sits on the socket tedious itself uses
 * (tedious's `connector` option, wrapping tedious's own connector so address selection, timeouts
 * and Azure SQL redirects stay tedious's), reads the server's first message (the PRELOGIN answer)
 * before tedious sees it, and destroys the socket when encryption was not agreed: tedious then
 * fails with this error and has nothing to write the login to.
 */
const ENCRYPTION_OPTION = 0x01;
const TERMINATOR = 0xff;
const ENCRYPT_ON = 0x01;
const ENCRYPT_REQ = 0x03;
const ANSWER_NAMES: Record<number, string> = { 0x00: "encryption off", 0x02: "encryption not supported" };

export const DOWNGRADE_CODE = "ENOTENCRYPTED";
export const DOWNGRADE_FIX = "turn on Force Encryption on the server, or choose TLS mode disable on a private network";

/** The ENCRYPTION option's value in a PRELOGIN message's data (MS-TDS 2.2.6.5), or null when it has none. */
export function preloginEncryption(data: Buffer): number | null {
  for (let at = 0; at + 5 <= data.length && data[at] !== TERMINATOR; at += 5) {
    if (data[at] !== ENCRYPTION_OPTION) continue;
    const offset = data.readUInt16BE(at + 1);
    return data.readUInt16BE(at + 3) >= 1 && offset < data.length ? data[offset]! : null;
  }
  return null;
}

export function downgradeError(answer: number | null): Error {
  const said = answer === null ? "no encryption option" : (ANSWER_NAMES[answer] ?? `encryption value 0x${answer.toString(16).padStart(2, "0")}`);
  return Object.assign(new Error(`the server answered PRELOGIN with ${said}, so Pacer did not send the login; ${DOWNGRADE_FIX}`), { code: DOWNGRADE_CODE });
}

type Connector = typeof connectInSequence;

/** tedious's connector, with the PRELOGIN answer checked before tedious reads it. */
export const encryptionGuardedConnector: Connector = async (options, lookup, signal) => {
  const socket = await connectInSequence(options, lookup, signal);
  watchPreloginAnswer(socket);
  return socket;
};

/** Reads the server's first TDS message (its PRELOGIN answer: packets up to the one marked end-of-message). */
function watchPreloginAnswer(socket: Socket): void {
  let buffered = Buffer.alloc(0);
  const parts: Buffer[] = [];
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8 && buffered.length >= buffered.readUInt16BE(2)) {
      const length = buffered.readUInt16BE(2);
      if (length < 8) return refuse(null);
      parts.push(buffered.subarray(8, length));
      const last = (buffered[1]! & 0x01) === 1;
      buffered = buffered.subarray(length);
      if (!last) continue;
      socket.removeListener("data", onData);
      const answer = preloginEncryption(Buffer.concat(parts));
      if (answer !== ENCRYPT_ON && answer !== ENCRYPT_REQ) refuse(answer);
      return;
    }
  };
  // Synchronously, inside the same 'data' event, before tedious's own listener gets the chunk.
  const refuse = (answer: number | null) => {
    socket.removeListener("data", onData);
    socket.destroy(downgradeError(answer));
  };
  socket.prependListener("data", onData);
  // Adding a 'data' listener starts the flow; hold it until tedious pipes the socket.
  socket.pause();
}
