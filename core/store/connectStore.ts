import path from "node:path";
import type { Config } from "../config/config.js";
import { maskUri, type Logger } from "../log/logger.js";
import { ensureFerretDbBinary } from "./embedded/ferretDbBinary.js";
import { FerretDbProcess } from "./embedded/ferretDbProcess.js";
import { Store } from "./store.js";

export interface ConnectedStore {
  store: Store;
  /** Closes the client and, for the embedded default, stops FerretDB. */
  close(): Promise<void>;
}

/** `MONGODB_URI` when set; otherwise the embedded FerretDB in `<data dir>/ferretdb`, started now. */
export async function connectStore(config: Config, log: Logger): Promise<ConnectedStore> {
  let embedded: FerretDbProcess | undefined;
  let uri = config.MONGODB_URI;
  if (uri) {
    log.info({ uri: maskUri(uri) }, "using the MongoDB server from MONGODB_URI");
  } else {
    const bin = await ensureFerretDbBinary({
      explicitBin: config.PACER_FERRETDB_BIN,
      onProgress: (message) => log.info(message),
    });
    embedded = await FerretDbProcess.start({
      bin,
      dataDir: path.join(config.dataDir, "ferretdb"),
      restartOnExit: true,
      log: (level, message) => log[level]({ component: "ferretdb" }, message),
    });
    uri = embedded.uri;
    log.info({ uri, dataDir: config.dataDir }, "embedded FerretDB started");
  }
  const store = Store.open({
    uri,
    dbName: config.MONGODB_DB,
    timeoutMs: config.PACER_STORE_TIMEOUT_MS,
    serializeWrites: embedded ? true : "auto",
  });
  return {
    store,
    async close() {
      await store.close();
      await embedded?.stop();
    },
  };
}
