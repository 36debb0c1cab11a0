import { type Server, type Socket, createServer } from "node:net";
import { listenOnLoopback } from "./loopback.js";

/**
 * A loopback server that speaks just enough TDS 7.4 (MS-TDS,
 * https://learn.microsoft.com/openspecs/windows_protocols/ms-tds/) for the real mssql/tedious
 * driver: PRELOGIN (answering `encryption`, by default "not supported", so tests use TLS mode
 * `disable`; the server speaks no TLS: a connection that starts with a TLS record, TDS 8 strict,
 * is recorded and closed), LOGIN7 (user and
 * password are decoded and checked; a wrong one gets error 18456), SQL batches answered with
 * COLMETADATA/ROW/DONE or ERROR tokens, and ATTENTION (a cancelled request gets DONE with the
 * attention flag). Tests choose each batch's answer and read back every batch text received.
 */
export type SqlType = "int" | "bigint" | "decimal" | "float" | "nvarchar";
export interface SqlColumn {
  name: string;
  type: SqlType;
  precision?: number;
  scale?: number;
}
export type BatchAnswer =
  | { columns: SqlColumn[]; rows: Array<Array<number | bigint | string | null>> }
  | { error: { number: number; message: string; line?: number; state?: number; severity?: number } }
  | { delayMs: number; then: BatchAnswer };

const PACKET = { SQL_BATCH: 0x01, TABULAR: 0x04, ATTENTION: 0x06, LOGIN7: 0x10, PRELOGIN: 0x12 } as const;
const TOKEN = { COLMETADATA: 0x81, ERROR: 0xaa, LOGINACK: 0xad, ROW: 0xd1, ENVCHANGE: 0xe3, DONE: 0xfd } as const;
const DONE_MORE = 0x01;
const DONE_ERROR = 0x02;
const DONE_COUNT = 0x10;
const DONE_ATTN = 0x20;

const ucs2 = (text: string) => Buffer.from(text, "utf16le");
const bVarChar = (text: string) => Buffer.concat([Buffer.from([text.length]), ucs2(text)]);
const usVarChar = (text: string) => {
  const length = Buffer.alloc(2);
  length.writeUInt16LE(text.length);
  return Buffer.concat([length, ucs2(text)]);
};
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const withLength = (token: number, body: Buffer) => Buffer.concat([Buffer.from([token]), u16(body.length), body]);

function done(status: number, rowCount = 0): Buffer {
  const count = Buffer.alloc(8);
  count.writeBigUInt64LE(BigInt(rowCount));
  return Buffer.concat([Buffer.from([TOKEN.DONE]), u16(status), u16(0xc1), count]);
}

function errorToken(e: { number: number; message: string; line?: number; state?: number; severity?: number }): Buffer {
  return withLength(
    TOKEN.ERROR,
    Buffer.concat([u32(e.number), Buffer.from([e.state ?? 1, e.severity ?? 16]), usVarChar(e.message), bVarChar("PACERSQL01"), bVarChar(""), u32(e.line ?? 1)]),
  );
}

// Latin1_General_CI_AS, as SQL Server sends it for nvarchar columns.
const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

function typeInfo(c: SqlColumn): Buffer {
  switch (c.type) {
    case "int":
      return Buffer.from([0x26, 4]);
    case "bigint":
      return Buffer.from([0x26, 8]);
    case "float":
      return Buffer.from([0x6d, 8]);
    case "decimal":
      return Buffer.from([0x6a, 17, c.precision ?? 38, c.scale ?? 0]);
    case "nvarchar":
      return Buffer.concat([Buffer.from([0xe7]), u16(8000), COLLATION]);
  }
}

function cell(c: SqlColumn, value: number | bigint | string | null): Buffer {
  if (c.type === "nvarchar") return value === null ? u16(0xffff) : Buffer.concat([u16(ucs2(String(value)).length), ucs2(String(value))]);
  if (value === null) return Buffer.from([0]);
  if (c.type === "int") return Buffer.concat([Buffer.from([4]), (() => { const b = Buffer.alloc(4); b.writeInt32LE(Number(value)); return b; })()]);
  if (c.type === "bigint") return Buffer.concat([Buffer.from([8]), (() => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(value)); return b; })()]);
  if (c.type === "float") return Buffer.concat([Buffer.from([8]), (() => { const b = Buffer.alloc(8); b.writeDoubleLE(Number(value)); return b; })()]);
  // decimal: sign byte, then the unscaled integer in 16 little-endian bytes.
  const [int = "0", frac = ""] = String(value).replace("-", "").split(".");
  const unscaled = BigInt(int + frac.padEnd(c.scale ?? 0, "0").slice(0, c.scale ?? 0));
  const magnitude = Buffer.alloc(16);
  magnitude.writeBigUInt64LE(unscaled & 0xffffffffffffffffn, 0);
  magnitude.writeBigUInt64LE(unscaled >> 64n, 8);
  return Buffer.concat([Buffer.from([17, String(value).startsWith("-") ? 0 : 1]), magnitude]);
}

function resultTokens(answer: Extract<BatchAnswer, { columns: unknown }>): Buffer {
  const meta = Buffer.concat([
    Buffer.from([TOKEN.COLMETADATA]),
    u16(answer.columns.length),
    ...answer.columns.map((c) => Buffer.concat([u32(0), u16(0x0001 /* nullable */), typeInfo(c), bVarChar(c.name)])),
  ]);
  const rows = answer.rows.map((row) => Buffer.concat([Buffer.from([TOKEN.ROW]), ...row.map((v, i) => cell(answer.columns[i]!, v))]));
  return Buffer.concat([meta, ...rows, done(DONE_COUNT, answer.rows.length)]);
}

/** LOGIN7's password bytes: each byte had its nibbles swapped and was XORed with 0xA5. */
const decodePassword = (bytes: Buffer) => Buffer.from(bytes.map((b) => ((b ^ 0xa5) << 4) & 0xf0 | ((b ^ 0xa5) >> 4))).toString("utf16le");

export interface Login {
  user: string;
  password: string;
  database: string;
  appName: string;
}

export class FakeSqlServer {
  readonly batches: string[] = [];
  readonly logins: Login[] = [];
  /** Every message received, in order: its TDS packet type and the first byte of its data. */
  readonly received: Array<{ type: number; first: number | undefined }> = [];
  /** The first byte each connection sent (0x12 for a TDS PRELOGIN, 0x16 for a TLS handshake). */
  readonly firstBytes: number[] = [];
  /** The PRELOGIN answer's ENCRYPTION value: 0x00 off, 0x01 on, 0x02 not supported, 0x03 required. */
  encryption = 0x02;
  /** The login Pacer must use; anything else gets error 18456. */
  credentials = { user: "pacer_reader", password: "Tds-Pa55word!" };
  databases = new Set(["shop"]);
  answer: (batch: string) => BatchAnswer = () => ({ columns: [{ name: "", type: "int" }], rows: [[1]] });
  attentions = 0;
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<this> {
    this.server = createServer((socket) => this.serve(socket));
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    let message: Buffer[] = [];
    let pending: NodeJS.Timeout | undefined;
    let firstChunk = true;
    const send = (type: number, payload: Buffer) => {
      const header = Buffer.from([type, 0x01, 0, 0, 0, 0, 1, 0]);
      header.writeUInt16BE(payload.length + 8, 2);
      socket.write(Buffer.concat([header, payload]));
    };
    const reply = (answer: BatchAnswer) => {
      if ("delayMs" in answer) {
        pending = setTimeout(() => reply(answer.then), answer.delayMs);
        return;
      }
      send(PACKET.TABULAR, "error" in answer ? Buffer.concat([errorToken(answer.error), done(DONE_ERROR)]) : resultTokens(answer));
    };
    socket.on("data", (chunk: Buffer) => {
      if (firstChunk && chunk.length > 0) {
        firstChunk = false;
        this.firstBytes.push(chunk[0]!);
        if (chunk[0] === 0x16) return void socket.destroy();
      }
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 8 && buffered.length >= buffered.readUInt16BE(2)) {
        const length = buffered.readUInt16BE(2);
        const type = buffered[0]!;
        const last = (buffered[1]! & 0x01) === 1;
        message.push(buffered.subarray(8, length));
        buffered = buffered.subarray(length);
        if (!last) continue;
        const payload = Buffer.concat(message);
        message = [];
        this.received.push({ type, first: payload[0] });
        if (type === PACKET.PRELOGIN) send(PACKET.TABULAR, prelogin(this.encryption));
        else if (type === PACKET.LOGIN7) send(PACKET.TABULAR, this.login(payload));
        else if (type === PACKET.ATTENTION) {
          this.attentions += 1;
          clearTimeout(pending);
          // The cut-short request's own (empty) response ends first, then the attention acknowledgement (MS-TDS 3.2.5.7).
          send(PACKET.TABULAR, done(0));
          send(PACKET.TABULAR, done(DONE_ATTN));
        } else if (type === PACKET.SQL_BATCH) {
          const text = payload.subarray(payload.readUInt32LE(0)).toString("utf16le");
          // tedious's own session setup after login (only set statements) is answered with a plain DONE.
          if (/^(?:\s*set [a-z_]+ [^\n]*\n?)+$/i.test(text)) send(PACKET.TABULAR, done(0));
          else {
            this.batches.push(text);
            reply(this.answer(text));
          }
        } else send(PACKET.TABULAR, Buffer.concat([errorToken({ number: 40000, message: `this test server does not speak packet type ${type}` }), done(DONE_ERROR)]));
      }
    });
  }

  private login(payload: Buffer): Buffer {
    const field = (at: number, decode: (b: Buffer) => string = (b) => b.toString("utf16le")) => {
      const offset = payload.readUInt16LE(at);
      const chars = payload.readUInt16LE(at + 2);
      return decode(payload.subarray(offset, offset + chars * 2));
    };
    const login: Login = { user: field(40), password: field(44, decodePassword), appName: field(48), database: field(68) };
    this.logins.push(login);
    if (login.user !== this.credentials.user || login.password !== this.credentials.password) {
      return Buffer.concat([errorToken({ number: 18456, state: 1, severity: 14, message: `Login failed for user '${login.user}'.` }), done(DONE_ERROR)]);
    }
    if (login.database && !this.databases.has(login.database)) {
      return Buffer.concat([
        errorToken({ number: 4060, state: 1, severity: 11, message: `Cannot open database "${login.database}" requested by the login. The login failed.` }),
        errorToken({ number: 18456, state: 1, severity: 14, message: `Login failed for user '${login.user}'.` }),
        done(DONE_ERROR),
      ]);
    }
    const database = Buffer.concat([Buffer.from([1]), bVarChar(login.database || "master"), bVarChar("master")]);
    const loginAck = Buffer.concat([Buffer.from([1]), Buffer.from([0x74, 0x00, 0x00, 0x04]), bVarChar("Microsoft SQL Server"), Buffer.from([16, 0, 0x11, 0x94])]);
    return Buffer.concat([withLength(TOKEN.ENVCHANGE, database), withLength(TOKEN.LOGINACK, loginAck), done(0)]);
  }
}

function prelogin(encryption: number): Buffer {
  // Options: VERSION (6 bytes), ENCRYPTION (1), INSTOPT (1), THREADID (0), MARS (1).
  const options: Array<[number, Buffer]> = [
    [0x00, Buffer.from([16, 0, 0x11, 0x94, 0, 0])],
    [0x01, Buffer.from([encryption])],
    [0x02, Buffer.from([0x00])],
    [0x03, Buffer.alloc(0)],
    [0x04, Buffer.from([0x00])],
  ];
  let offset = options.length * 5 + 1;
  const table: Buffer[] = [];
  for (const [token, data] of options) {
    const entry = Buffer.alloc(5);
    entry[0] = token;
    entry.writeUInt16BE(offset, 1);
    entry.writeUInt16BE(data.length, 3);
    table.push(entry);
    offset += data.length;
  }
  return Buffer.concat([...table, Buffer.from([0xff]), ...options.map(([, d]) => d)]);
}
