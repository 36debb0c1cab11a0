import { randomUUID } from "node:crypto";
import { Store } from "../core/store/store.js";
import { perSecond, ratio, timed, type BenchContext } from "./support.js";

/**
 * What serializing writes costs on FerretDB (Pacer does it because concurrent updates of one
 * document are lost otherwise). Baseline: the same writes over a pool of 20 connections, which is
 * faster but unsafe. Also reads while writes are serialized, against reads alone.
 */
export default async function storeBench({ mongoUri }: BenchContext): Promise<void> {
  const count = 2_000;
  const concurrency = 20;
  const open = async (serializeWrites: boolean) => {
    const store = Store.open({ uri: mongoUri, dbName: `bench_${randomUUID().slice(0, 8)}`, serializeWrites });
    await store.prepare();
    const docs = store.collection<{ _id: string; n: number }>("schedulerJobs");
    await docs.insertMany(Array.from({ length: count }, (_, i) => ({ _id: `d${i}`, n: 0 })));
    return { store, docs };
  };

  const pooled = await open(false);
  const serialized = await open(true);
  const pooledMs = await timed(count, concurrency, (i) => pooled.docs.updateOne({ _id: `d${i}` }, { $inc: { n: 1 } }));
  const serializedMs = await timed(count, concurrency, (i) => serialized.docs.updateOne({ _id: `d${i}` }, { $inc: { n: 1 } }));
  console.log(`updates of distinct documents, ${count} at concurrency ${concurrency}:`);
  console.log(`  pooled (baseline, unsafe on FerretDB): ${perSecond(count, pooledMs)}/s`);
  console.log(`  serialized (Pacer on FerretDB):        ${perSecond(count, serializedMs)}/s = ${ratio(pooledMs, serializedMs)} of baseline throughput`);

  const readsAlone = await timed(count, concurrency, (i) => serialized.docs.findOne({ _id: `d${i % count}` }));
  let writing = true;
  const background = (async () => {
    let i = 0;
    while (writing) await serialized.docs.updateOne({ _id: `d${i++ % count}` }, { $inc: { n: 1 } });
  })();
  const readsWhileWriting = await timed(count, concurrency, (i) => serialized.docs.findOne({ _id: `d${i % count}` }));
  writing = false;
  await background;
  console.log(`point reads by _id, ${count} at concurrency ${concurrency}:`);
  console.log(`  alone (baseline):               ${perSecond(count, readsAlone)}/s`);
  console.log(`  during a serialized write loop: ${perSecond(count, readsWhileWriting)}/s = ${ratio(readsAlone, readsWhileWriting)} of baseline throughput`);

  await pooled.store.db.dropDatabase();
  await serialized.store.db.dropDatabase();
  await pooled.store.close();
  await serialized.store.close();
}
