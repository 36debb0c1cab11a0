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

  // Point reads in a large tenant collection: a tenant-scoped filter { _id, tenantId } (baseline)
  // against TenantCollection.findById, which reads by _id alone (the only filter FerretDB v1's
  // SQLite backend answers from an index) and checks the tenant afterwards.
  const size = 5_000;
  const users = serialized.store.tenantCollection<{ _id: string; tenantId: string; version: number; createdAt: Date; updatedAt: Date }>("users");
  const now = new Date();
  await users.raw.insertMany(
    Array.from({ length: size }, (_, i) => ({ _id: `u${i}`, tenantId: `t${i % 10}`, oid: `o${i}`, version: 1, createdAt: now, updatedAt: now })),
  );
  const reads = 300;
  const scoped = await timed(reads, 1, (i) => users.raw.findOne({ _id: `u${(i * 7) % size}`, tenantId: `t${((i * 7) % size) % 10}` }));
  const byId = await timed(reads, 1, (i) => users.findById(`t${((i * 7) % size) % 10}`, `u${(i * 7) % size}`));
  console.log(`point reads in a ${size}-document tenant collection, ${reads} one at a time:`);
  console.log(`  filter { _id, tenantId } (baseline): ${perSecond(reads, scoped)}/s`);
  console.log(`  findById (by _id, tenant checked):   ${perSecond(reads, byId)}/s = ${ratio(scoped, byId)} of baseline throughput`);

  await pooled.store.db.dropDatabase();
  await serialized.store.db.dropDatabase();
  await pooled.store.close();
  await serialized.store.close();
}
